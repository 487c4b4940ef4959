"""The Flask-Admin internals the admin overrides or calls, pinned, so that an upgrade fails here, loudly.

Flask-Admin documents its public methods (those with a docstring: Sphinx ``:members:``); the ones below are
private (``_name``) or undocumented, and may change in any release without a note. Their signatures are
pinned against Flask-Admin ``PINNED_VERSION`` (requirements.txt's pin), and every override anywhere under
admin/ must accept the parameters of the method it overrides.

Private methods we override, and why:

- ``ModelView._apply_search`` — admin/search.py ``SearchMixin``: a search uses its first ten different words
  (a pasted paragraph overflowed PostgreSQL's bind parameters), and the rows of an account are found through
  the accounts' trigram indexes instead of a scan of every row; admin/audit.py ``AuditView``: SQLite's FTS5
  trigram index of the audit log.
- ``ModelView._apply_pagination`` — admin/paging.py ``DeepPagingMixin``: a ``?page=`` beyond ``max_page`` is
  clamped (the OFFSET would overflow the database's integer: a 500), and a deep page is found by its ids first.
- ``BaseModelView._export_data`` — admin/exporting.py ``StreamedExportMixin``: the ORM export's rows are
  streamed (``yield_per``) instead of loaded at once.
- ``BaseModelView._export_csv`` — exporting: the CSV from plain columns, streamed in chunks.
- ``BaseModelView._export_tablib`` — exporting: .xlsx written by openpyxl's write-only mode and kept while
  ``export_stamp`` says the rows are unchanged.
- ``BaseModelView._get_ruleset_missing_fields`` — admin/base.py: hidden fields (CSRF token, row version) are
  rendered by the form itself, not appended a second time, with a label, by the ruleset.
- ``BaseModelView._on_model_change`` — base: ``on_model_change`` runs under ``no_autoflush`` (the checks read
  related rows; an autoflush would audit a half-made record).
- ``BaseModelView._get_filter_groups`` — admin/listing.py ``ListPageMixin``: the translated filter groups kept
  per view and language (they are the same for every user; issue 18).
- ``BaseModelView._get_list_url`` — listing: the list's own URLs (sort headers, pager) without a ``url_for``
  each; tests/test_list_urls_fast.py checks that the text is Flask-Admin's.
- ``AdminModelConverter._model_select_field`` — admin/fields.py ``ScopedModelConverter``: relationship
  drop-downs list only the user's rows (Flask-Admin's list every unit's, and accept any posted id).

Undocumented public methods we override, and why:

- ``AdminIndexView.index`` — admin/base.py ``SecureIndexView``: the home page is the dashboard.
- ``BaseSQLAFilter.apply`` — admin/home_filters.py ``StaffChangeFilter``: the accounts whose team needs a change,
  the list a count of the home page links to (Flask-Admin's documented way of a custom filter).
- ``ModelView.is_action_allowed`` — base: the bulk "delete" follows the per-request ``can_delete``.
- ``ModelView.action_delete`` — base: bulk delete through the scoped rows and the per-record rule
  (Flask-Admin's binds the posted ids as text, which PostgreSQL refuses).
- ``ModelView.handle_view_exception`` — base: a stale row version, a broken constraint or a PermissionError is
  a flashed message; an unavailable database is re-raised for the 503 page.
- ``ModelView.export`` — exporting: every export is in the audit log; a CSV starts with a BOM for Excel.
- ``BaseModelView.get_empty_list_message`` — admin/listing.py ``ListPageMixin``: a message per list, and
  another when a search or filter found nothing.
- ``AdminModelConverter.convert_enum`` — fields: our enums as drop-downs of translated labels.
- ``QuerySelectField.__init__`` and ``iter_choices`` — fields ``NamedRowsSelectField``: the unit drop-down's
  (id, name) pairs read from the scoped query without building 150 ORM objects.
- ``QueryAjaxModelLoader.get_query``, ``get_list``, ``get_one`` — fields ``ScopedAjaxLoader``: ajax look-ups
  list and accept only the user's rows, with a bounded offset and limit.
- ``rules.BaseRule.__init__`` — fields ``GroupTitle``: a form group's title, translated when shown.
- WTForms' ``Select.render_option`` (Flask-Admin's ``Select2Widget`` inherits it) — fields
  ``FastSelect2Widget``: each plain ``<option>`` in one f-string.
- WTForms' ``StringField._value`` and ``process_formdata`` (``TextAreaField`` inherits them) — violations
  ``PeopleField``: 责任人 shown and read as one person a line, kept as [{"name", "post"}] (第十七条).

Private methods and attributes we call without overriding them: ``_get_list_extra_args`` and
``_get_column_by_idx`` (exporting, admin/reports.py: the list's sort, search and filters for an export),
``_get_list_value`` (admin/list_rows.py ``cell_function`` does what it does, with the type formatter chosen once per
type of value; tests/test_list_rendering.py compares the cells with list.html's, which calls it), ``_column_choices_map``
(list_rows: a column's choices, as ``_get_list_value`` reads them), ``_export_columns``,
``_filter_args`` (listing ``filter_url_arg``), ``_filters`` (bench), ``_form_ajax_refs`` (fields),
``_create_form_class`` (admin/managers.py ``blank_create_form``: the new-person dialog on the account form),
``Admin._views`` (tests; admin/dashboard.py ``list_url``: the view of an endpoint) and ``QuerySelectField._formdata``/``_object_list`` (fields ``iter_choices``).

Flask-Admin templates we reproduce (issue 18 item 2: their macros, imported "with context", were a good part of a
list page's time), pinned by their text in ``PINNED_TEMPLATES``: bootstrap4 ``admin/base.html`` (copied as
templates/admin/base.html without its two imports), ``admin/model/layout.html`` and ``admin/actions.html`` (their
macros written in Python by admin/list_bar.py), ``admin/lib.html`` (``form_css``/``form_js`` written out in
templates/admin/scoped_list.html) and ``admin/model/list.html`` (the header cells, admin/list_rows.py
``render_header``). A changed template fails ``test_the_reproduced_templates_are_the_pinned_ones``: compare the new
text with ours, then update the pin.

The forms (issue 18 items 1–2, admin/form_render.py) reproduce more: ``admin/lib.html``'s ``render_field``,
``render_form_fields`` and ``render_form`` (written in Python; its other macros copied into templates/admin/lib.html),
``admin/model/inline_field_list.html`` and ``inline_form.html`` (the team editor, in Python, with our
templates/admin/model/inline_list_base.html, itself a copy of Flask-Admin's ``inline_list_base.html``), and
``admin/static.html`` (its ``url`` macro is admin/menu.py's ``StaticUrls``). Their functions are pinned by the text
of their source in ``PINNED_SOURCES``: WTForms' ``html_params`` and the ``__call__`` of ``Input``, ``Select`` and
``TextArea``, Flask-Admin's ``Select2Widget``, ``AjaxSelect2Widget`` (the fast widget twins of
admin/form_widgets.py copy them with a faster ``html_params``), ``InlineFieldList.__call__`` and ``InlineFormWidget.__call__`` (the team editor's blank row
and form options), and the form rules' ``Field.__call__``/``Macro.__call__`` (they look up ``lib.render_field`` in
the page's context, where templates/admin/lib.html puts form_render's). tests/test_form_rendering.py compares every
form with Flask-Admin's own, byte for byte; a changed source fails
``test_the_reproduced_functions_are_the_pinned_ones``: compare it with form_render's copy, then update the pin.
"""
from __future__ import annotations

import ast
import datetime as dt
import importlib
import importlib.metadata
import inspect
import pathlib
import re

import pytest
from markupsafe import Markup, escape

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: The Flask-Admin (and WTForms) release the signatures below were read from.
PINNED_VERSION = "2.2.1"
PINNED_WTFORMS_VERSION = "3.3.2"

#: Private or undocumented Flask-Admin methods that admin/ overrides: where they are defined -> parameters.
PINNED_OVERRIDES = {
    "flask_admin.contrib.sqla.view.ModelView._apply_search": "(self, query, count_query, joins, count_joins, search)",
    "flask_admin.contrib.sqla.view.ModelView._apply_pagination": "(self, query, page, page_size)",
    "flask_admin.model.base.BaseModelView._export_data": "(self)",
    "flask_admin.model.base.BaseModelView._export_csv": "(self, return_url)",
    "flask_admin.model.base.BaseModelView._export_tablib": "(self, export_type, return_url)",
    "flask_admin.model.base.BaseModelView._get_ruleset_missing_fields": "(self, ruleset, form)",
    "flask_admin.model.base.BaseModelView._on_model_change": "(self, form, model, is_created)",
    "flask_admin.model.base.BaseModelView._get_filter_groups": "(self)",
    "flask_admin.model.base.BaseModelView._get_list_url": "(self, view_args)",
    "flask_admin.contrib.sqla.form.AdminModelConverter._model_select_field":
        "(self, prop, multiple, remote_model, **kwargs)",
    "flask_admin.base.AdminIndexView.index": "(self)",
    "flask_admin.contrib.sqla.filters.BaseSQLAFilter.apply": "(self, query, value, alias=None)",
    "flask_admin.contrib.sqla.view.ModelView.is_action_allowed": "(self, name)",
    "flask_admin.contrib.sqla.view.ModelView.action_delete": "(self, ids)",
    "flask_admin.contrib.sqla.view.ModelView.handle_view_exception": "(self, exc)",
    "flask_admin.contrib.sqla.view.ModelView.export": "(self, export_type)",
    "flask_admin.model.base.BaseModelView.get_empty_list_message": "(self)",
    "flask_admin.contrib.sqla.form.AdminModelConverter.convert_enum": "(self, column, field_args, **extra)",
    "flask_admin.contrib.sqla.fields.QuerySelectField.__init__":
        "(self, label=None, validators=None, query_factory=None, get_pk=None, get_label=None, allow_blank=False, "
        "blank_text='', **kwargs)",
    "flask_admin.contrib.sqla.fields.QuerySelectField.iter_choices": "(self)",
    "flask_admin.contrib.sqla.ajax.QueryAjaxModelLoader.get_query": "(self)",
    "flask_admin.contrib.sqla.ajax.QueryAjaxModelLoader.get_list": "(self, term, offset=0, limit=10)",
    "flask_admin.contrib.sqla.ajax.QueryAjaxModelLoader.get_one": "(self, pk)",
    "flask_admin.form.rules.BaseRule.__init__": "(self)",
    "wtforms.widgets.core.Select.render_option": "(cls, choice, **kwargs)",
    "wtforms.fields.simple.StringField._value": "(self)",
    "wtforms.fields.simple.StringField.process_formdata": "(self, valuelist)",
}

#: Private Flask-Admin methods that admin/ calls without overriding them.
PINNED_CALLS = {
    "flask_admin.model.base.BaseModelView._get_list_extra_args": "(self)",
    "flask_admin.model.base.BaseModelView._get_column_by_idx": "(self, idx)",
    "flask_admin.model.base.BaseModelView._get_list_value":
        "(self, context, model, name, column_formatters, column_type_formatters)",
}

#: Private attributes of a model view that admin/ (and bench/) read.
VIEW_ATTRIBUTES = ("_export_columns", "_filter_args", "_filters", "_form_ajax_refs", "_create_form_class",
                   "_column_choices_map")

#: Flask-Admin's bootstrap4 templates that admin/ and templates/admin/ reproduce: path -> start of its SHA-256.
PINNED_TEMPLATES = {
    "admin/base.html": "a6add6a45c2ac3c5",
    "admin/model/layout.html": "9801f7f6e21b6dfe",
    "admin/actions.html": "685288ebd9108462",
    "admin/lib.html": "21a2c36fee3e1984",
    "admin/model/list.html": "21003d92feb9a75c",
    "admin/model/inline_field_list.html": "67e95cc8006c11c5",
    "admin/model/inline_form.html": "7c67695b482cae3d",
    "admin/model/inline_list_base.html": "9385d36000f838cd",
    "admin/static.html": "efbdfee9e7f4eef8",
}

#: Library functions that admin/form_render.py and form_widgets.py reproduce: ``module:qualified name`` -> start of the
#: SHA-256 of their source.
PINNED_SOURCES = {
    "wtforms.widgets.core:html_params": "f28059bcfea2b629",
    "wtforms.widgets.core:Input.__call__": "03277d8bf6a958af",
    "wtforms.widgets.core:Select.__call__": "ec3d8f914cfe7893",
    "wtforms.widgets.core:TextArea.__call__": "066bca361ae1b5c0",
    "flask_admin.form.widgets:Select2Widget.__call__": "9ab1241ff8b56b0c",
    "flask_admin.model.widgets:AjaxSelect2Widget.__call__": "d9994397b49cb3b6",
    "flask_admin.model.fields:InlineFieldList.__call__": "5071eb32a4613576",
    "flask_admin.model.widgets:InlineFormWidget.__call__": "c8d81ad5ff3a7dc0",
    "flask_admin.form.rules:Field.__call__": "0f253c3eea958977",
    "flask_admin.form.rules:Macro.__call__": "17c3c50ed2dcf8da",
}

LIBRARIES = ("flask_admin", "wtforms")


def _parameters(func) -> str:
    """The parameters of a function as source text, without annotations (they change with typing fashions)."""
    func = getattr(func, "__func__", func)  # a classmethod
    sig = inspect.signature(func)  # follows __wrapped__: Flask-Admin wraps its exposed views
    return str(sig.replace(parameters=[p.replace(annotation=p.empty) for p in sig.parameters.values()],
                           return_annotation=sig.empty))


def _defined(path: str):
    """The function ``module.Class.name`` as the class itself defines it (not inherited)."""
    module_name, class_name, name = path.rsplit(".", 2)
    cls = getattr(importlib.import_module(module_name), class_name)
    assert name in vars(cls), (f"{class_name}.{name} is no longer defined in {module_name}: Flask-Admin moved or "
                               "removed it; find where it went and re-check the override (see this module's docstring)")
    return vars(cls)[name]


def _library(cls) -> bool:
    return cls.__module__.split(".")[0] in LIBRARIES


def _admin_classes():
    """Every class defined in admin/*.py with the names of the functions written in its body."""
    for path in sorted((ROOT / "admin").glob("*.py")):
        module = importlib.import_module(f"admin.{path.stem}")
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef):
                yield getattr(module, node.name), [item.name for item in node.body if isinstance(item, ast.FunctionDef)]


def _overrides():
    """(our class, method name, the library class whose method it overrides), for every override under admin/.

    A mixin's method overrides what follows the mixin in the MRO of the views that use it."""
    classes = list(_admin_classes())
    found = {}
    for cls, names in classes:
        users = [other for other, _names in classes if cls in other.__mro__] or [cls]
        for name in names:
            for user in users:
                mro = user.__mro__[user.__mro__.index(cls) + 1:]
                owner = next((base for base in mro if _library(base) and name in vars(base)), None)
                if owner is not None:
                    found[(cls, name)] = owner
    return found


def _internal(owner, name: str) -> bool:
    """Private, or public without a docstring (Sphinx leaves it out of Flask-Admin's API documentation)."""
    if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
        return True
    func = vars(owner)[name]
    func = getattr(func, "__func__", func)
    if isinstance(func, property):
        return not func.__doc__
    return callable(func) and not inspect.unwrap(func).__doc__


def _path(owner, name: str) -> str:
    return f"{owner.__module__}.{owner.__qualname__}.{name}"


def _requirement(name: str) -> str:
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(name)}(\[[^\]]*\])?==(\S+)", text, re.M | re.I)
    assert match, f"requirements.txt does not pin {name}"
    return match.group(2)


@pytest.mark.parametrize(("distribution", "pinned"), [("Flask-Admin", PINNED_VERSION),
                                                      ("WTForms", PINNED_WTFORMS_VERSION)])
def test_the_pinned_versions_are_the_ones_installed_and_required(distribution, pinned):
    required = _requirement(distribution)
    installed = importlib.metadata.version(distribution)
    assert installed == required, (
        f"{distribution} {installed} is installed but requirements.txt pins {required}: install the pinned "
        "version, or re-check every internal listed in tests/test_flask_admin_internals.py against the new one")
    assert required == pinned, (
        f"requirements.txt pins {distribution} {required}, the signatures here were read from {pinned}: re-check "
        "every override listed in this module's docstring against the new release, then update the pins")


@pytest.mark.parametrize("path", sorted(PINNED_OVERRIDES) + sorted(PINNED_CALLS))
def test_internal_signature_is_the_pinned_one(path):
    pinned = PINNED_OVERRIDES.get(path) or PINNED_CALLS[path]
    assert _parameters(_defined(path)) == pinned, (
        f"{path} changed its parameters: re-check our use of it (this module's docstring says where and why)")


def test_every_internal_override_is_pinned():
    """A new override of a private or undocumented method is added (with its reason) to this module."""
    overridden = {_path(owner, name) for (_cls, name), owner in _overrides().items() if _internal(owner, name)}
    assert overridden - set(PINNED_OVERRIDES) == set(), "overridden but not pinned here"
    assert set(PINNED_OVERRIDES) - overridden == set(), "pinned here but no longer overridden under admin/"


def _compared_overrides():
    for (cls, name), owner in sorted(_overrides().items(), key=lambda item: (item[0][0].__qualname__, item[0][1])):
        ours, theirs = vars(cls)[name], vars(owner)[name]
        if name == "__init__" or isinstance(ours, property) or isinstance(theirs, property):
            continue  # constructors are called by our own code; properties stand in for attributes
        yield pytest.param(cls, name, owner, id=f"{cls.__module__}.{cls.__qualname__}.{name}")


@pytest.mark.parametrize(("cls", "name", "owner"), list(_compared_overrides()))
def test_override_accepts_the_parameters_of_the_method_it_replaces(cls, name, owner):
    """Same names, kinds and order; an argument Flask-Admin may leave out has a default in ours too."""

    def shape(func):
        func = getattr(func, "__func__", func)
        return [(p.name, p.kind, p.default is not p.empty) for p in inspect.signature(func).parameters.values()]

    assert shape(vars(cls)[name]) == shape(vars(owner)[name]), (
        f"{cls.__qualname__}.{name}{_parameters(vars(cls)[name])} does not match "
        f"{_path(owner, name)}{_parameters(vars(owner)[name])}")


def test_the_private_attributes_we_read_exist(app):
    admin = app.extensions["admin"][0]
    views = [view for view in admin._views if hasattr(view, "model")]
    assert views
    for view in views:
        for attribute in VIEW_ATTRIBUTES:
            assert hasattr(view, attribute), f"{type(view).__name__} has no {attribute}"


def test_query_select_field_keeps_its_posted_value_and_rows_where_iter_choices_reads_them():
    from flask_admin.contrib.sqla.fields import QuerySelectField
    from wtforms import Form

    class OneField(Form):
        choice = QuerySelectField(query_factory=list)

    field = OneField().choice
    assert field._formdata is None and field._object_list is None


@pytest.mark.parametrize("path", sorted(PINNED_TEMPLATES))
def test_the_reproduced_templates_are_the_pinned_ones(path):
    import hashlib

    import flask_admin

    text = (pathlib.Path(flask_admin.__file__).parent / "templates" / "bootstrap4" / path).read_bytes()
    assert hashlib.sha256(text).hexdigest()[:16] == PINNED_TEMPLATES[path], (
        f"Flask-Admin's {path} changed: compare it with what we reproduce (this module's docstring says where)")


@pytest.mark.parametrize("value", ['<b>"粗体"</b> & \'x\'', "plain", 12, None, 3.5, Markup("<i>kept</i>"),
                                   dt.date(2026, 12, 2)])
def test_a_cells_html_is_markupsafes_escape(value):
    """admin/list_rows.py ``html_text`` uses markupsafe's private ``_escape_inner`` (no Markup object per cell):
    an upgrade that changes it fails here."""
    from admin.list_rows import html_text

    assert html_text(value) == str(escape(value))


@pytest.mark.parametrize("path", sorted(PINNED_SOURCES))
def test_the_reproduced_functions_are_the_pinned_ones(path):
    import hashlib

    module_name, names = path.split(":")
    obj = importlib.import_module(module_name)
    for name in names.split("."):
        obj = getattr(obj, name)
    source = inspect.getsource(obj).encode()
    assert hashlib.sha256(source).hexdigest()[:16] == PINNED_SOURCES[path], (
        f"{path} changed: compare it with what admin/form_render.py or form_widgets.py reproduces (this module's "
        "docstring says where)")
