"""Text is readable: a filled-in value is in the normal text colour (not the grey of a placeholder), and every
value, placeholder and muted note has at least WCAG AA contrast (4.5:1) against what is behind it, measured on
the colours Chromium computes for an account's edit form, its details page and the login page.
Screenshots in test-output/e2e/contrast/."""
from __future__ import annotations

import pytest

from tests.test_contrast import contrast, parse_colour

from .conftest import SHOTS

SHOTS_DIR = SHOTS / "contrast"

#: The colour of each element's text and the first opaque background behind it (the element's or an ancestor's),
#: for the filled-in fields, their placeholders and the muted notes of the page.
MEASURE = """() => {
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (c && c !== 'transparent' && !c.startsWith('rgba(0, 0, 0, 0)')) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const visible = el => el.offsetParent !== null || getComputedStyle(el).position === 'fixed';
  const out = [];
  for (const el of document.querySelectorAll('input.form-control, textarea.form-control, select.form-control, .select2-chosen, .select2-search-choice div')) {
    if (!visible(el) || el.type === 'hidden') continue;
    const text = el.value !== undefined && el.tagName !== 'DIV' && el.tagName !== 'SPAN' ? el.value : el.textContent.trim();
    if (text) out.push({kind: 'value', what: el.id || el.name || el.className, fg: getComputedStyle(el).color, bg: background(el)});
    if (el.placeholder) out.push({kind: 'placeholder', what: el.id || el.name, fg: getComputedStyle(el, '::placeholder').color, bg: background(el)});
  }
  for (const el of document.querySelectorAll('.text-muted, .form-text, .help-block, td, th, label, a, .badge, .btn, .alert, .nav-link')) {
    if (!visible(el) || !el.textContent.trim()) continue;
    out.push({kind: 'text', what: el.className || el.tagName, fg: getComputedStyle(el).color, bg: background(el)});
  }
  return out;
}"""


def _check(page, name):
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS_DIR / f"{name}.png"), full_page=True)
    measured = page.evaluate(MEASURE)
    low = [(m["kind"], m["what"], m["fg"], m["bg"], round(contrast(parse_colour(m["fg"]), parse_colour(m["bg"])), 2))
           for m in measured if contrast(parse_colour(m["fg"]), parse_colour(m["bg"])) < 4.5]
    assert not low, f"{name}: text below 4.5:1: {low[:8]}"
    return measured


def _account_id(server):
    from models import Account, Unit, db

    with server["app"].app_context():
        return db.session.query(Account.id).join(Unit, Account.unit_id == Unit.id).filter(Unit.code == "KJXY") \
            .order_by(Account.id).limit(1).scalar()


def test_values_on_the_account_form_and_page_are_readable(page_as, server):
    account = _account_id(server)
    page = page_as("dept")
    page.goto(f"{server['url']}/admin/accounts/edit/?id={account}")
    if "/edit/" not in page.url:  # a registered account is edited through a change request: its page then
        page.goto(f"{server['url']}/admin/accounts/new/")
        page.fill("#name", "对比度测试帐号")
        page.fill("#creator_entity", "会计学院")
    measured = _check(page, "account-form")
    values = [m for m in measured if m["kind"] == "value"]
    assert values, "no filled-in value measured"
    body = page.evaluate("() => getComputedStyle(document.body).color")
    # A filled-in value is in the text colour of the page, not in the grey of a placeholder.
    assert {m["fg"] for m in values if m["what"] in ("name", "creator_entity")} == {body}
    chosen = page.evaluate("() => [...document.querySelectorAll('.select2-chosen')].filter(e => e.textContent.trim()"
                           " && e.offsetParent).map(e => getComputedStyle(e).color)")
    assert chosen and set(chosen) == {body}  # the look-ups' chosen person and the drop-downs too
    placeholders = {m["fg"] for m in measured if m["kind"] == "placeholder"}
    assert body not in placeholders
    details = page_as("dept")
    details.goto(f"{server['url']}/admin/accounts/details/?id={account}")
    _check(details, "account-details")


@pytest.mark.parametrize("url", ["/login", "/admin/", "/admin/reports/"])
def test_other_pages_are_readable(page_as, server, url):
    page = page_as("" if url == "/login" else "kj_editor")
    page.goto(server["url"] + url)
    _check(page, url.strip("/").replace("/", "-") or "root")
