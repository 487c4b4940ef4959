"""The create and edit forms written in Python (issue 18 items 1–2), with exactly the HTML of Flask-Admin's macros.

Flask-Admin draws a form with Jinja macros of its ``admin/lib.html`` — ``render_form``, ``render_form_fields`` and,
for every field, ``render_field`` (called by each form rule) — and the management team of the account form with
two more templates per row (``inline_field_list.html``, ``inline_form.html``), each of which imports ``lib.html``
"with context" again: a copy of the whole template context and three template modules made for every row. That
was most of an edit page's time outside SQL (the account form's team editor alone some 60 %). Here the same
macros are plain functions; templates/admin/lib.html hands them to the templates (and to the form rules, which
look up ``lib.render_field`` in the page's context) under the macros' names.
Each field's widget is drawn by its fast twin (admin/form_widgets.py).

The HTML is the macros' own, whitespace included (tests/test_form_rendering.py renders every edit and create form
of three roles both ways, with and without errors, and compares them byte for byte; the templates reproduced are
pinned in tests/test_flask_admin_internals.py). Nothing is kept between requests: a form is drawn from its fields
as the macros draw it.
"""
from __future__ import annotations

from flask import current_app, url_for
from flask_admin import helpers as h
from flask_admin.babel import gettext as admin_gettext
from flask_admin.model.fields import InlineFieldList
from flask_admin.model.widgets import InlineFieldListWidget, InlineFormWidget
from flask_babel import gettext
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup, escape
from wtforms.fields import FormField

from services.text import translated, translated_with

from .form_widgets import fast_widget
from .menu import cached_static_url

#: Set to False (tests) to draw forms with Flask-Admin's own macros and templates, to compare the two.
ENABLED = True


def enabled() -> bool:
    return ENABLED


def _text(label):
    """A label or description as Jinja writes it (a lazy string translated once per language for the process)."""
    return translated(label) if isinstance(label, LazyString) else label


def label(text):
    """Jinja filter ``|label``: a lazy label (a view's name, a field's label) written as ``{{ text }}`` writes it —
    its translation, unescaped, as its ``__html__`` gives it — translated once per language for the process instead
    of by Flask-Babel on every page (a page's title asks three times); any other value is returned as it is."""
    if isinstance(text, LazyString):
        return Markup(translated(text))
    return text


def admin_text(msgid: str) -> str:
    """``_gettext(msgid)`` of a template (Flask-Admin's catalog: "List", "Create", …), looked up once per language."""
    return translated_with(admin_gettext, msgid)


def _input_type(field):
    return getattr(field.widget, "input_type", None)


def render_field(form, field, kwargs=None, caller=None) -> Markup:
    """lib.html ``render_field``: a field's label, widget, errors and description in a ``form-group``."""
    if kwargs is None:
        kwargs = {}
    direct_error = h.is_field_error(field.errors)
    prepend = kwargs.pop("prepend", None)
    append = kwargs.pop("append", None)
    input_type = _input_type(field)
    checkbox = input_type == "checkbox"
    out = ['\n  \n  \n  \n  <div class="form-group ', escape(kwargs.get("column_class", "")),
           '">\n    <label for="', escape(field.id), '" class="col-form-label ', "d-block mb-0" if checkbox else "",
           '">', escape(_text(field.label.text)), "\n        ",
           '\n          <strong class="text-danger">&#42;</strong>' if h.is_required_form_field(field) else "&nbsp;",
           "\n    </label>\n    "]
    grouped = prepend or append
    if grouped:
        out.append('\n    <div class="input-group">')
        if prepend:
            out += ['<div class="input-group-prepend">\n        ', escape(prepend), "\n      </div>"]
    if checkbox:
        kwargs.setdefault("class", "")
    elif input_type == "file":
        kwargs.setdefault("class", "form-control-file")
    else:
        kwargs.setdefault("class", "form-control")
    out.append("\n      \n        \n      ")
    if direct_error:
        kwargs.update({"class": kwargs["class"] + " is-invalid"})
        out.append("  ")
    out.append(str(_widget(field, kwargs)))
    if append:
        out += ['<div class="input-group-append">\n        ', escape(append), "\n      </div>"]
    if direct_error:
        out += ['\n        <div class="invalid-feedback">\n          <ul class="form-text text-danger ',
                "mt-0" if checkbox else "", '">\n          ']
        for error in field.errors:
            if isinstance(error, str):
                out += ["\n            <li>", escape(error), "</li>\n          "]
        out.append("\n          </ul>\n        </div>\n      ")
    elif field.description:
        out += ['\n        <small class="form-text text-muted ', "mt-0" if checkbox else "", '">\n            ',
                str(_text(field.description)), "\n        </small>\n      "]
    out.append("\n    ")
    if grouped:
        out.append("\n    </div>\n    ")
    out.append("\n    ")
    if caller:
        out += ["\n      ", escape(caller(form, field, direct_error, kwargs)), "\n    "]
    out.append("\n  </div>\n")
    return Markup("".join(out))


def _widget(field, kwargs):
    """``field(**kwargs)``; the team editor (an inline list) drawn here instead of by its two templates."""
    widget = field.widget
    if type(widget) is InlineFieldListWidget and isinstance(field, InlineFieldList):
        return render_inline_list(field)
    field.widget = fast_widget(widget)
    return field(**kwargs)


def render_form_fields(form, form_opts=None) -> Markup:
    """lib.html ``render_form_fields``: the hidden fields (and the session's CSRF token), then the form's rules, or
    else every visible field."""
    out = ["\n    "]
    hidden_tag = getattr(form, "hidden_tag", None)
    if hidden_tag is not None:
        out += ["\n        ", escape(hidden_tag()), "\n    "]
    else:
        out.append("\n        ")
        csrf_token = current_app.jinja_env.globals.get("csrf_token")
        if csrf_token:
            out += ['\n        <input type="hidden" name="csrf_token" value="', escape(csrf_token()), '"/>\n        ']
        out.append("\n        ")
        for field in form:
            if _input_type(field) == "hidden":
                field.widget = fast_widget(field.widget)
                out += ["\n            ", escape(field), "\n        "]
        out.append("\n    ")
    out.append("\n\n    ")
    if form_opts and form_opts.form_rules:
        out.append("\n        ")
        for rule in form_opts.form_rules:
            out += ["\n            ", escape(rule(form, form_opts=form_opts)), "\n        "]
        out.append("\n    ")
    else:
        out.append("\n        ")
        for field in form:
            if _input_type(field) != "hidden":
                # The macro passes the view's own dict (render_field pops and sets keys in it, as there).
                kwargs = form_opts.widget_args.get(field.short_name, {}) if form_opts else {}
                out += ["\n          ", "\n            \n          ", "\n          ",
                        render_field(form, field, kwargs), "\n        "]
        out.append("\n    ")
    out.append("\n")
    return Markup("".join(out))


def render_form_buttons(cancel_url, extra=None, is_modal=False) -> Markup:
    """lib.html ``render_form_buttons``: Save, the extra buttons, Cancel."""
    save = escape(translated_with(admin_gettext, "Save"))
    cancel = escape(translated_with(admin_gettext, "Cancel"))
    if is_modal:
        out = ['\n  \n        <input type="submit" class="btn btn-primary" value="', save, '" />\n        ']
        if extra:
            out += ["\n        ", escape(extra), "\n        "]
        out.append("\n        ")
        if cancel_url:
            out += ['\n          <a href="', escape(cancel_url), '" class="btn btn-danger" role="button" '
                    'data-dismiss="modal">', cancel, "</a>\n        "]
        out.append("\n  \n")
        return Markup("".join(out))
    out = ['\n  \n    <hr>\n    <div class="form-group">\n      <div class="col-md-offset-2 col-md-10 submit-row">\n'
           '        <input type="submit" class="btn btn-primary" value="', save, '" />\n        ']
    if extra:
        out += ["\n        ", escape(extra), "\n        "]
    out.append("\n        ")
    if cancel_url:
        out += ['\n          <a href="', escape(cancel_url), '" class="btn btn-danger" role="button" >', cancel,
                "</a>\n        "]
    out.append("\n      </div>\n    </div>\n  \n")
    return Markup("".join(out))


def render_form(form, cancel_url, extra=None, form_opts=None, action=None, is_modal=False) -> Markup:
    """lib.html ``render_form``: ``form_tag`` around the fields and the buttons."""
    return Markup("".join((
        '\n    <form action="', escape(action or ""), '" method="POST" role="form" class="admin-form" '
        'enctype="multipart/form-data">\n    <fieldset>\n      ',
        "\n        ", render_form_fields(form, form_opts=form_opts), "\n        ",
        render_form_buttons(cancel_url, extra, is_modal), "\n    ",
        "\n    </fieldset>\n    </form>\n", "\n")))


# --- lib.html's other macros of a form page: its scripts and stylesheets, the extra buttons --------------------
def _static(context, filename: str, version: str) -> str:
    return escape(cached_static_url(f"{context['admin_view'].admin.endpoint}.static", filename=filename, v=version))


def _plain_page(context) -> bool:
    """No map widgets (FLASK_ADMIN_MAPS) and no inline list editing: the pages form_css/form_js write here."""
    config = context.get("config") or {}
    return not config.get("FLASK_ADMIN_MAPS") and not context.get("editable_columns")


def _original(context):
    """Flask-Admin's lib.html as a module of this context (for the pages this module does not write)."""
    return context.environment.get_template("flask_admin/admin/lib.html").make_module(context.get_all())


@pass_context
def form_css(context) -> Markup:
    """lib.html ``form_css``: the stylesheets of select2 and the date picker."""
    if not _plain_page(context):
        return _original(context).form_css()
    return Markup("".join((
        '\n  <link href="', _static(context, "vendor/select2/select2.css", "4.2.1"), '" rel="stylesheet">\n'
        '  <link href="', _static(context, "vendor/select2/select2-bootstrap4.css", "1.4.6"), '" rel="stylesheet">\n'
        '  <link href="', _static(context, "vendor/bootstrap-daterangepicker/daterangepicker-bs4.css", "1.3.22"),
        '" rel="stylesheet">\n  \n  \n')))


@pass_context
def form_js(context) -> Markup:
    """lib.html ``form_js``: the scripts of the date picker and of Flask-Admin's forms, with the page's nonce."""
    if not _plain_page(context):
        return _original(context).form_js()
    nonce = escape(context.get("admin_csp_nonce_attribute", ""))
    return Markup("".join((
        "\n  \n  <script ", nonce, ' src="',
        _static(context, "vendor/bootstrap-daterangepicker/daterangepicker.js", "1.3.22"), '"></script>\n  \n'
        "  <script ", nonce, ' src="', _static(context, "admin/js/form.js", "1.0.1"), '"></script>\n')))


@pass_context
def extra(context) -> Markup:
    """lib.html ``extra``: "Save and Add Another" and "Save and Continue Editing", as the view allows."""
    view = context["admin_view"]
    out = ["\n  "]
    if view.can_create:
        out += ['\n  <input name="_add_another" type="submit" class="btn btn-secondary" value="',
                escape(translated_with(admin_gettext, "Save and Add Another")), '" />\n  ']
    out.append("\n  ")
    if view.can_edit:
        out += ['\n  <input name="_continue_editing" type="submit" class="btn btn-secondary" value="',
                escape(translated_with(admin_gettext, "Save and Continue Editing")), '" />\n  ']
    out.append("\n")
    return Markup("".join(out))


# --- the account form's "new person" dialog (templates/admin/_new_person.html) -----------------------------------
def new_person_dialog(view) -> Markup:
    """templates/admin/_new_person.html (which tests draw to compare): the manager form in a dialog beside the
    account form, for the views that offer it (``new_person_form``), as the template writes it."""
    new_person_form = getattr(view, "new_person_form", None)
    form = new_person_form() if new_person_form is not None else None
    if not form:
        return Markup("\n")
    csrf_token = current_app.jinja_env.globals["csrf_token"]
    out = ['\n\n<dialog id="new-person-dialog" class="new-person-dialog" aria-labelledby="new-person-title">\n'
           '  <form method="post" action="', escape(url_for("managers.team_person")),
           '" data-new-person-form novalidate>\n    <h5 id="new-person-title">',
           translated_with(gettext, "New person for the management team"),
           '</h5>\n    <p class="small text-muted">',
           translated_with(gettext, "The person is added to Managers with the same checks as there, and chosen in the "
                                    "team row."),
           '</p>\n    <input type="hidden" name="csrf_token" value="', escape(csrf_token()), '">\n'
           '    <input type="hidden" name="team_role" value="">\n'
           '    <input type="hidden" name="account_verified" value="">\n'
           '    <div class="alert alert-danger d-none" data-errors-for="" role="alert"></div>\n    ']
    for field in form:
        if field.name in ("csrf_token", "row_version"):
            continue
        out += ['\n    <div class="form-group">\n      <label for="person-', escape(field.id), '">',
                escape(label(field.label.text)),
                ' <strong class="text-danger">*</strong>' if h.is_required_form_field(field) else "",
                "</label>\n      ", escape(field(id="person-" + field.id, class_="form-control", **{"data-role": ""})),
                '\n      <div class="invalid-feedback" data-errors-for="', escape(field.name), '"></div>\n    </div>\n    ']
    out += ['\n    <div class="d-flex justify-content-end">\n'
            '      <button type="button" class="btn btn-outline-secondary mr-2" data-close-dialog>',
            translated_with(gettext, "Cancel"), '</button>\n      <button type="submit" class="btn btn-primary">',
            translated_with(gettext, "Add and choose"), "</button>\n    </div>\n  </form>\n</dialog>\n"]
    return Markup("".join(out))


# --- the inline lists (the account form's management team) ---------------------------------------------------
def render_inline_list(field) -> Markup:
    """``field()`` of an inline list (Flask-Admin's ``InlineFieldList.__call__``: a blank row as the template of
    "Add"), drawn as admin/model/inline_field_list.html with our inline_list_base.html draws it."""
    meta = getattr(field, "meta", None)
    if meta:
        template = field.unbound_field.bind(form=None, name="", _meta=meta)
    else:
        template = field.unbound_field.bind(form=None, name="")
    if isinstance(template, FormField):
        template.separator = ""
    template.process(None)
    return Markup("\n\n\n\n" + _inline_fields(field, template))


def _inline_fields(field, template) -> str:
    """inline_list_base.html ``render_inline_fields`` (ours) with inline_field_list.html's ``render_field``."""
    field_id = escape(field.id)
    label = escape(field.label.text)
    delete = escape(translated_with(admin_gettext, "Delete?"))
    confirm = escape(translated_with(admin_gettext, "Are you sure you want to delete this record?"))
    out = ['\n<div class="inline-field" id="', field_id, '">\n    \n    <div class="inline-field-list">\n        ']
    for number, subfield in enumerate(field, start=1):
        sub_id = escape(subfield.id)
        out += ['\n        <div id="', sub_id, '" class="inline-field card card-body bg-light mb-3"><legend>\n'
                "                <small>\n                    ", label, " #", str(number),
                '\n                    <div class="pull-right">\n                        ']
        get_pk = getattr(subfield, "get_pk", None)
        if get_pk and get_pk():
            out += ['\n                        <input type="checkbox" name="del-', sub_id, '" id="del-', sub_id,
                    '" />\n                        <label for="del-', sub_id, '" class="d-inline">', delete,
                    "</label>\n                        "]
        else:
            out += ['\n                        <a href="#" role="button" value="', confirm,
                    '" class="inline-remove-field" title="', delete,
                    '"><i class="fa fa-times glyphicon glyphicon-remove"></i></a>\n                        ']
        out += ["\n                    </div>\n                </small>\n            </legend>\n"
                "            <div class='clearfix'></div>\n            ", _inline_row(subfield),
                "\n        </div>\n        "]
    new = escape(translated_with(admin_gettext, "New"))
    blank = ('\n        <div class="inline-field card card-body bg-light mb-3">\n            <legend>\n'
             f"                <small>{new} {label}</small>\n"
             '                <div class="pull-right">\n'
             f'                    <a href="#" role="button" value="{confirm}" class="inline-remove-field" '
             f'title="{delete}"><span class="fa fa-times glyphicon glyphicon-remove"></span></a>\n'
             "                </div>\n            </legend>\n            <div class='clearfix'></div>\n            "
             f"{_inline_row(template)}\n        </div>\n        ")
    add = escape(translated_with(admin_gettext, "Add"))
    out += ['\n    </div>\n\n    \n    <div class="inline-field-template d-none">\n        ', escape(blank),
            '\n    </div>\n    <a id="', field_id, '-button" href="#" class="btn btn-primary" role="button" '
            'data-inline-add="', field_id, '">', add, " ", label, "</a>\n</div>\n"]
    return "".join(out)


def _inline_row(subfield) -> str:
    """inline_field_list.html ``render_field``: the row's form, then its own errors."""
    if type(subfield.widget) is InlineFormWidget:
        html = ('\n<div class="inline-form-field">\n  '
                f'{render_form_fields(subfield.form, form_opts=getattr(subfield, "form_opts", None))}\n</div>')
    else:
        html = escape(subfield)
    out = ["\n    ", html, "\n\n    "]
    if h.is_field_error(subfield.errors):
        out.append('\n    <ul class="form-text input-errors">\n      ')
        for error in subfield.errors:
            if isinstance(error, str):
                out += ["\n        <li>", escape(error), "</li>\n      "]
        out.append("\n    </ul>\n    ")
    out.append("\n")
    return "".join(out)


def speed_up(form) -> None:
    """Draw ``form``'s fields with the fast widgets (a form rendered field by field in a template)."""
    if ENABLED:
        for field in form:
            field.widget = fast_widget(field.widget)
