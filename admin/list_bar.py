"""The list page's menu bar, filter form and action scripts, written in Python (templates/admin/scoped_list.html).

They were Flask-Admin's macros (model/layout.html ``export_options``, ``filter_options``, ``page_size_form``,
``search_form``, ``filter_form``; actions.html ``dropdown`` and ``script``, in our CSP-safe variants under
templates/admin/), imported "with context" and called on every list page: a tenth of a page's Python calls for
a few lines of HTML. Each function below writes the same HTML from the same template variables (Flask-Admin
passes them to the list template; they are read from the Jinja context), escaped as Jinja escapes them.
tests/test_list_rendering.py compares the pages with the macros' output.
"""
from __future__ import annotations

from flask import current_app, request
from flask_admin.babel import gettext as admin_gettext
from flask_admin.babel import ngettext as admin_ngettext
from jinja2 import pass_context
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from services.text import locale_name, translated_with

from .menu import kept_piece


def admin_text(msgid: str, **variables) -> str:
    """Flask-Admin's own messages (its "admin" catalog), looked up once per language."""
    return translated_with(admin_gettext, msgid, **variables)


def _hidden(name, value) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


@pass_context
def list_menu_bar_start(context) -> Markup:
    """The list tab with its count, the create link and the export links (before the view's own links): a function
    of the list's arguments, its count, whether the user may create and export, the language and the site root,
    kept per app for each of those like the end of the bar."""
    view = context["admin_view"]
    can_create, can_export = view.can_create, view.can_export
    count = context.get("count")
    # The count's type too: an estimate (admin/counting.py ApproximateCount, "约 N") equals the plain number N.
    key = (view.endpoint, locale_name(), request.script_root, request.query_string, type(count), count,
           bool(can_create), bool(can_export), context.get("return_url"))
    return kept_piece("xmt_list_menu_bar_start", key, lambda: _menu_bar_start(context, can_create, can_export))


def _menu_bar_start(context, can_create: bool, can_export: bool) -> Markup:
    view = context["admin_view"]
    count = context.get("count")
    out = ['<li class="nav-item">\n<a class="nav-link active" aria-current="page">'
           f'{escape(admin_text("List"))}{f" ({escape(count)})" if count else ""}</a>\n</li>']
    if can_create:
        create_url = view.fast_url(".create_view", {"url": context.get("return_url")})
        out.append(f'<li class="nav-item">\n<a href="{escape(create_url)}" '
                   f'title="{escape(admin_text("Create New Record"))}" class="nav-link">'
                   f'{escape(admin_text("Create"))}</a>\n</li>')
    if can_export:
        export = escape(admin_text("Export"))
        args = request.args.to_dict()
        types = view.export_types
        if len(types) > 1:
            links = "".join(
                f'<a class="dropdown-item" href="{escape(view.fast_url(".export", args, export_type=kind))}" '
                f'title="{export}">{escape(admin_text("Export") + " " + kind.upper())}</a>\n' for kind in types)
            out.append('<li class="dropdown">\n<a class="nav-link dropdown-toggle" data-toggle="dropdown" href="#" '
                       f'role="button" aria-haspopup="true" aria-expanded="false">{export}</a>\n'
                       f'<div class="dropdown-menu">\n{links}</div>\n</li>')
        else:
            url = view.fast_url(".export", args, export_type=types[0])
            out.append(f'<li>\n<a class="nav-link" href="{escape(url)}" title="{export}">{export}</a>\n</li>')
    return Markup("\n".join(out))


@pass_context
def list_menu_bar_end(context) -> Markup:
    """The filter menu, the page sizes, the "with selected" actions and the search box: a function of the list's
    arguments (the query string), the actions the user is offered, the language and the site root, kept per app
    for each of those (nothing of a row, a unit or a user is in it; admin/menu.py ``kept_piece``)."""
    key = (context["admin_view"].endpoint, locale_name(), request.script_root, request.query_string,
           tuple(context.get("actions") or ()), bool(context.get("filters")), bool(context.get("can_set_page_size")),
           bool(context.get("search_supported")), context.get("return_url"))
    return kept_piece("xmt_list_menu_bar_end", key, lambda: _menu_bar_end(context))


def _menu_bar_end(context) -> Markup:
    view = context["admin_view"]
    out = []
    if context.get("filters"):
        entries = "".join(f'<a href="#" class="dropdown-item filter" role="button">{escape(name)}</a>\n'
                          for name in context.get("filter_groups") or ())
        out.append('<li class="nav-item dropdown">\n<a class="nav-link dropdown-toggle" data-toggle="dropdown" '
                   f'href="#" role="button">{escape(admin_text("Add Filter"))}</a>\n'
                   f'<div class="dropdown-menu field-filters">\n{entries}</div>\n</li>')
    if context.get("can_set_page_size"):
        page_size, url_of = context.get("page_size"), context["page_size_url"]
        entries = "".join(
            f'<a class="dropdown-item{" active" if page_size == option else ""}" href="{escape(url_of(option))}">'
            f'{escape(admin_ngettext("{} item".format(option), "{} items".format(option), option))}</a>\n'
            for option in view.page_size_options)
        out.append('<li class="nav-item dropdown">\n<a class="nav-link dropdown-toggle" data-toggle="dropdown" '
                   f'href="#" role="button">\n{escape(page_size)} {escape(admin_text("items"))}\n</a>\n'
                   f'<div class="dropdown-menu">\n{entries}</div>\n</li>')
    actions = context.get("actions")
    if actions:
        entries = "".join(f'<a class="dropdown-item" href="#" role="button" data-model-action="{escape(name)}">'
                          f'{escape(admin_text(label))}</a>\n' for name, label in actions)
        out.append('<li class="nav-item dropdown">\n<a class="nav-link dropdown-toggle" data-toggle="dropdown" '
                   'href="#" role="button" aria-haspopup="true"\n       aria-expanded="false">'
                   f'{escape(admin_text("With selected"))}</a>\n<div class="dropdown-menu">\n{entries}</div>\n</li>')
    if context.get("search_supported"):
        out.append(f'<li class="nav-item ml-2">\n{_search_form(context)}\n</li>')
    return Markup("\n".join(out))


def _list_state(context, with_filters: bool) -> list[str]:
    """The hidden inputs that carry the list's state (filters, page size, extra arguments, sort) through a form."""
    fields = []
    if with_filters:
        fields += [_hidden(name, value) for name, value in (context.get("filter_args") or {}).items()]
        if context.get("page_size") != context.get("default_page_size"):
            fields.append(_hidden("page_size", context.get("page_size")))
    fields += [_hidden(name, value) for name, value in (context.get("extra_args") or {}).items()]
    if context.get("sort_column") is not None:
        fields.append(_hidden("sort", context.get("sort_column")))
    if context.get("sort_desc"):
        fields.append(_hidden("desc", 1))
    return fields


def _search_form(context) -> str:
    search = context.get("search")
    placeholder = escape(admin_text("%(placeholder)s", placeholder=context.get("search_placeholder")))
    button = (f'<button class="btn btn-secondary my-2 my-sm-0 ml-2" type="submit">'
              f'{escape(admin_text("Search"))}</button>')
    fields = _list_state(context, with_filters=True)
    if search:
        box = ('<div class="form-inline input-group">\n<input  class="form-control col-auto" size="30" type="text" '
               f'name="search" value="{escape(search)}"\n placeholder="{placeholder}">\n'
               '<div class="input-group-append">\n<span class="input-group-text">\n'
               f'<a href="{escape(context.get("clear_search_url"))}" class="align-middle">\n'
               '<span class="fa fa-times glyphicon glyphicon-remove"></span>\n</a>\n</span>\n</div>\n'
               f'{button}\n</div>')
    else:
        box = ('<div class="form-inline">\n<input class="form-control col-auto" size="30" type="text" name="search" '
               f'value=""\n placeholder="{placeholder}">\n{button}\n</div>')
    return (f'<form method="GET" action="{escape(context.get("return_url"))}" class="form-inline my-2 my-lg-0" '
            f'role="search">\n' + "\n".join(fields) + f"\n{box}\n</form>")


@pass_context
def list_filter_form(context) -> Markup:
    """Flask-Admin's ``filter_form``: the form the filter rows (bs4_filters.js) are added to."""
    fields = _list_state(context, with_filters=False)
    search = context.get("search")
    if search:
        fields.append(_hidden("search", search))
    if context.get("page_size") != context.get("default_page_size"):
        fields.append(_hidden("page_size", context.get("page_size")))
    reset = (f'<a href="{escape(context.get("clear_search_url"))}" class="btn btn-secondary">'
             f'{escape(admin_text("Reset Filters"))}</a>\n' if context.get("active_filters") else "")
    return Markup(f'<form id="filter_form" method="GET" action="{escape(context.get("return_url"))}">\n'
                  + "\n".join(fields)
                  + '\n<div class="pull-right">\n<button type="submit" class="btn btn-primary d-none">'
                  f'{escape(admin_text("Apply"))}</button>\n{reset}</div>\n\n<table class="filters"></table>\n'
                  '</form>\n<div class="clearfix"></div>')


@pass_context
def list_action_script(context, message) -> Markup:
    """actions.html ``script``: the confirmations and the message as JSON, and actions.js."""
    actions = context.get("actions")
    if not actions:
        return Markup("")
    dumps = current_app.json.dumps
    view = context["admin_view"]
    src = current_app.jinja_env.globals["cached_static_url"](f"{view.admin.endpoint}.static",
                                                             filename="admin/js/actions.js", v="1.0.0")
    return Markup(
        f'<div id="actions-confirmation-data" class="d-none">'
        f'{htmlsafe_json_dumps(context.get("actions_confirmation"), dumps=dumps)}</div>\n'
        f'<div id="message-data" class="d-none">{htmlsafe_json_dumps(message, dumps=dumps)}</div>\n'
        f'<script {context.get("admin_csp_nonce_attribute")} src="{escape(src)}"></script>')


def init_app(app) -> None:
    for function in (list_menu_bar_start, list_menu_bar_end, list_filter_form, list_action_script, bulk_toolbar):
        app.add_template_global(function, function.__name__)


#: The workflow steps a list offers as buttons above its rows (templates/admin/scoped_list.html).
BULK_STEPS = ("submit", "confirm", "approve", "reject")


def bulk_toolbar(actions, data) -> Markup:
    """The workflow steps as buttons above the rows (issue 15: approving ten pending registrations from the home
    page is four clicks: the count, 全选本页, 审核通过, the confirmation). The buttons run the same actions as the
    "批量操作" menu (views/static/admin.js, data-model-action); the server checks every row.

    It was a Jinja macro imported "with context" (the module made again on every list page); its HTML depends only
    on the steps the user is offered (``actions``: names and translated labels) and the language, so it is kept
    per app for those (admin/menu.py ``kept_piece``): nothing of a row, a unit or a user is in it."""
    steps = tuple((name, str(label)) for name, label in actions or () if name in BULK_STEPS)
    if not steps or not data:
        return Markup("")
    return kept_piece("xmt_bulk_toolbars", (locale_name(), steps), lambda: _bulk_toolbar(steps))


def _bulk_toolbar(steps) -> Markup:
    from flask_babel import gettext  # made once per kept key: gettext's own calls, which pybabel extracts

    buttons = "".join(
        f'\n  <button type="button" class="btn btn-sm {"btn-outline-danger" if name == "reject" else "btn-success"} '
        f'mr-2" data-model-action="{escape(name)}">{escape(admin_text(label))}</button>\n  ' for name, label in steps)
    return Markup(
        '\n<div class="bulk-steps d-flex flex-wrap align-items-center mb-2" role="toolbar" '
        f'aria-label="{escape(gettext("Steps on the selected records"))}">\n'
        '  <label class="mb-0 mr-3"><input type="checkbox" class="action-rowtoggle mr-1" id="bulk-select-page">'
        f'{escape(gettext("Select this page"))}</label>\n  {buttons}\n'
        f'  <span class="text-muted small">{escape(gettext("for the ticked records"))}</span>\n'
        '</div>\n')
