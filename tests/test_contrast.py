"""Readable text (WCAG 2.1 AA, 1.4.3): the colours views/static/contrast.css sets for filled-in values,
placeholders and muted notes, against the backgrounds they are drawn on, are at least 4.5:1; a value is in the
page's text colour and a placeholder is not (issue 15: values looked like placeholders, about 3.5:1).
The same is measured on the colours Chromium computes in e2e/test_contrast.py."""
from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CSS = ROOT / "views" / "static" / "contrast.css"
AA = 4.5

#: The backgrounds text is drawn on: white (fields, cards, the page), the theme's bg-light (the login page),
#: a striped table row and a card header (rgba(0,0,0,.05) / .03 on white), and the Flatly theme's grey of a
#: read-only or disabled field.
BACKGROUNDS = {"white": "#fff", "bg-light": "#ecf0f1", "matrix page": "#f5f6f8", "striped row": "#f2f2f2", "card header": "#f7f7f7",
               "read-only field": "#e9ecef"}
#: The body text colour of the theme (Flatly: #212529).
BODY = "#212529"


def parse_colour(value: str) -> tuple[float, float, float]:
    """#rgb, #rrggbb or rgb()/rgba() (an alpha under 1 is blended on white) -> (r, g, b) in 0..255."""
    value = value.strip().lower()
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))
    numbers = [float(n) for n in re.findall(r"[\d.]+", value)]
    r, g, b, *alpha = numbers
    a = alpha[0] if alpha else 1.0
    return tuple(a * c + (1 - a) * 255 for c in (r, g, b))


def luminance(rgb) -> float:
    """WCAG 2.1 relative luminance."""
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg) -> float:
    lighter, darker = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, {property: value}) for each rule of a flat stylesheet (comments dropped)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                declarations[name.strip().lower()] = value.replace("!important", "").strip()
        for selector in selectors.split(","):
            found.append((" ".join(selector.split()), declarations))
    return found


def colour_of(selector: str) -> str:
    """The ``color`` the stylesheet gives ``selector`` (the last rule that names it)."""
    colours = [d["color"] for s, d in rules(CSS.read_text()) if s == selector and "color" in d]
    assert colours, f"contrast.css sets no colour for {selector}"
    return colours[-1]


def background_of(selector: str) -> str | None:
    found = [d.get("background-color") for s, d in rules(CSS.read_text()) if s == selector and "background-color" in d]
    return found[-1] if found else None


#: What a user reads in a field, and the greys of hints; each selector must be in the stylesheet.
VALUES = [".form-control", ".form-control:focus", ".custom-select", "body .select2-container .select2-choice",
          "body .select2-container-multi .select2-choices .select2-search-choice", ".form-control[readonly]",
          ".form-control:disabled"]
GREYS = [".form-control::placeholder", ".text-muted", "body .select2-container .select2-choice .select2-default",
         "body .select2-container-multi .select2-choices .select2-search-field input.select2-default"]


def test_the_wcag_formula():
    assert contrast(parse_colour("#000"), parse_colour("#fff")) == pytest.approx(21)
    assert contrast(parse_colour("#fff"), parse_colour("#fff")) == pytest.approx(1)
    # The Flatly theme's field text, the complaint of issue 15: about 3.5:1.
    assert contrast(parse_colour("#7b8a8b"), parse_colour("#fff")) == pytest.approx(3.59, abs=0.01)
    assert contrast(parse_colour("#767676"), parse_colour("#fff")) == pytest.approx(4.54, abs=0.01)
    assert parse_colour("rgba(0, 0, 0, 0.5)") == (127.5, 127.5, 127.5)


@pytest.mark.parametrize("selector", VALUES)
def test_values_are_in_the_text_colour(selector):
    assert parse_colour(colour_of(selector)) == parse_colour(BODY)
    background = background_of(selector) or "#fff"
    assert contrast(parse_colour(colour_of(selector)), parse_colour(background)) >= AA


@pytest.mark.parametrize("background", BACKGROUNDS)
@pytest.mark.parametrize("selector", GREYS)
def test_placeholders_and_notes_are_grey_but_readable(selector, background):
    grey = parse_colour(colour_of(selector))
    assert grey != parse_colour(BODY)  # a placeholder does not look like a value
    assert contrast(grey, parse_colour(BACKGROUNDS[background])) >= AA, (selector, background)
    # …and is told apart from a value at a glance (a value is at least twice as contrasted).
    assert contrast(parse_colour(BODY), parse_colour("#fff")) >= 2 * contrast(grey, parse_colour("#fff"))


def test_every_page_loads_the_stylesheet(app, world, login_as):
    """The admin pages, the login page and the public matrix all link contrast.css after the theme."""
    link = "/assets/contrast.css"
    for html in (app.test_client().get("/login").get_data(as_text=True),
                 app.test_client().get("/matrix").get_data(as_text=True),
                 login_as("unit_editor").get("/admin/accounts/new/").get_data(as_text=True)):
        assert link in html
        assert html.index(link) > max(html.find("theme.css"), html.find("bootstrap.min.css"))
    assert app.test_client().get(link).status_code == 200


#: Coloured text on white or on the light greys: links, tabs, outlined buttons, coloured notes.
COLOURED_TEXT = ["a", ".nav-tabs .nav-link", ".btn-outline-secondary", ".btn-outline-danger", ".btn-outline-success",
                 ".text-success", ".text-danger", ".text-info", ".text-warning"]
#: White text on a coloured ground: labels, buttons, messages and the menu bar.
WHITE_ON = [".badge-success", ".badge-danger", ".badge-info", ".badge-secondary", ".btn-success", ".btn-danger",
            ".btn-secondary", ".alert-success", ".alert-danger", ".alert-info", ".navbar.bg-dark"]


@pytest.mark.parametrize("background", ["white", "card header", "striped row"])
@pytest.mark.parametrize("selector", COLOURED_TEXT)
def test_coloured_text_is_readable(selector, background):
    assert contrast(parse_colour(colour_of(selector)), parse_colour(BACKGROUNDS[background])) >= AA


@pytest.mark.parametrize("selector", WHITE_ON)
def test_white_text_on_colour_is_readable(selector):
    ground = background_of(selector)
    assert ground, f"contrast.css sets no background for {selector}"
    assert contrast(parse_colour("#fff"), parse_colour(ground)) >= AA
