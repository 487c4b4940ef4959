"""The rows of a list page, written in Python (templates/admin/scoped_list.html).

Flask-Admin's ``list.html`` renders each row through nested Jinja blocks and macros: per cell a
``get_value`` call through the template context, per row three icon macros, each asking the policy
through ``current_user`` (a context-local proxy) — about half of a list page's time. Here a page's
rows are one function call: the row URLs and labels are built once, the signed-in user is resolved
once, and each cell goes through the same formatters Flask-Admin uses (``_get_list_value``), escaped
as Jinja escapes them. The HTML is that of Flask-Admin's template with our row icons.
"""
from __future__ import annotations

import enum

from flask_admin.babel import gettext as admin_gettext
from flask_login import current_user
from markupsafe import Markup, _escape_inner, escape

from models import policy
from services.text import text, translated, translated_with

from .row_links import RowLinks


def render_rows(view, data, list_columns, list_row_actions, has_actions: bool, return_url, delete_form) -> Markup:
    """The ``<tr>`` elements of ``data`` (one page of rows)."""
    user = current_user._get_current_object()
    links: RowLinks = view.row_links(return_url, delete_form)
    kinds = [RowLinks.kind(action) for action in list_row_actions]
    if None in kinds:
        raise TypeError(f"{view.endpoint}: only the details, edit and delete row icons are supported")
    titles = [escape(action.title or "") for action in list_row_actions]
    may_edit = view.can_edit and "edit" in kinds
    may_delete = view.can_delete and "delete" in kinds
    select_title = escape(translated_with(admin_gettext, "Select record"))
    confirm = escape(translated_with(admin_gettext, "Are you sure you want to delete this record?"))
    delete_title = escape(translated_with(admin_gettext, "Delete Record"))
    details_url, edit_url = escape(links.details), escape(links.edit)
    delete_head = Markup('<form class="icon" method="POST" action="%s">\n    <input type="hidden" name="id" value="') % links.delete
    delete_tail = Markup('">%s\n    <button type="submit" data-confirm="%s" title="%s">'
                         '<span class="fa fa-trash glyphicon glyphicon-trash"></span></button>\n  </form>') % (
        links.delete_fields, confirm, delete_title)
    columns = [(f'<td class="col-{escape(name)}">', cell_html_function(view, name)) for name, _label in list_columns]
    get_pk = view.get_pk_value
    show_actions = view.column_display_actions

    check_edit = may_edit or may_delete
    row_can_edit, row_can_delete = policy.row_checks(user)
    out = []
    for row in data:
        row_pk = get_pk(row)
        pk = html_text(row_pk)
        # A number (most keys) is its own URL form; anything else quoted as Flask-Admin's template quotes it.
        quoted = pk if type(row_pk) is str and row_pk.isascii() and row_pk.isdigit() else html_text(_urlencode(row_pk))
        editable = check_edit and row_can_edit(row)
        out.append("<tr>")
        if has_actions:
            out.append(f'<td><input type="checkbox" name="rowid" class="action-checkbox" value="{pk}" '
                       f'title="{select_title}" /></td>')
        if show_actions:
            out.append('<td class="list-buttons-column">')
            for kind, title in zip(kinds, titles):
                if kind == "details":
                    out.append(f'<a class="icon" href="{details_url}{quoted}" title="{title}">'
                               '<span class="fa fa-eye glyphicon glyphicon-eye-open"></span></a>')
                elif kind == "edit":
                    if may_edit and editable:
                        out.append(f'<a class="icon" href="{edit_url}{quoted}" title="{title}">'
                                   '<span class="fa fa-pencil glyphicon glyphicon-pencil"></span></a>')
                elif may_delete and row_can_delete(row, editable=editable):
                    out.append(f"{delete_head}{pk}{delete_tail}")
            out.append("</td>")
        for cell, cell_html in columns:
            out.append(f"{cell}{cell_html(row)}</td>")
        out.append("</tr>\n")
    return Markup("".join(out))


def html_text(value) -> str:
    """``str(escape(value))`` without a ``Markup`` object made for each cell (markupsafe's own escaping: a string
    escaped, an object with ``__html__`` as it says, anything else as its text escaped)."""
    if type(value) is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return _escape_inner(str(value))


def cell_function(view, name: str):
    """``row -> value`` of a column as Flask-Admin's ``_get_list_value`` gives it (its column formatter, else the
    attribute, dotted names followed; the column's choices; then the first type formatter whose type the value
    is an instance of), with the choice of type formatter made once per type of value instead of by a loop over
    the formatters in every cell. An enum member (a column with choices returns it) as its translated label.

    Made per page and column: ``column_formatters`` and ``column_type_formatters`` may be per-request properties."""
    column_fmt = view.column_formatters.get(name)
    choices_map = view._column_choices_map.get(name, {})
    type_formatters = view.column_type_formatters
    by_type: dict[type, object] = _type_formatters_by_type(view, type_formatters)
    path = name.split(".")
    # per page (this function is made per page and column, so in the request's language)
    enum_texts: dict = {}
    enum_kinds: dict = {}

    def value_of(row):
        value = column_fmt(view, None, row, name) if column_fmt is not None else _attribute(row, path)
        if choices_map:
            value = choices_map.get(value) or value
        else:
            kind = type(value)
            is_enum = enum_kinds.get(kind)
            if is_enum is None:
                is_enum = enum_kinds[kind] = issubclass(kind, enum.Enum)
            if is_enum:
                # A state column shows the same few members on every row: each member's text once per page.
                try:
                    return enum_texts[value]
                except KeyError:
                    pass
            try:
                type_fmt = by_type[kind]
            except KeyError:
                type_fmt = by_type[kind] = next((formatter for typeobj, formatter in type_formatters.items()
                                                 if isinstance(value, typeobj)), None)
            if type_fmt is not None:
                shown = type_fmt(view, value, name)
                if is_enum:
                    enum_texts[value] = shown = text(shown) if isinstance(shown, enum.Enum) else shown
                    return shown
                value = shown
        if isinstance(value, enum.Enum):
            value = text(value)
        return value

    return value_of


def _attribute(row, path: list[str]):
    """``row.a.b`` for the path ["a", "b"] (None where a link is missing)."""
    try:
        for part in path:
            row = getattr(row, part)
    except AttributeError:
        return None
    return row


def cell_html_function(view, name: str):
    """``row -> the cell's HTML`` (``html_text`` of :func:`cell_function`'s value), made per page and column. A cell
    whose text depends only on the column's value — no column formatter (the type formatters, the choices and enum
    labels take the value alone), or one marked ``value_only`` (admin/formatters.py: a state's badge, 是/否, a
    deadline) — is made once per page for each distinct value: a list's states, flags and deadlines repeat from
    row to row. Nothing is kept beyond the page."""
    value_of = cell_function(view, name)
    column_fmt = view.column_formatters.get(name)
    if column_fmt is not None and not getattr(column_fmt, "value_only", False):
        return lambda row: html_text(value_of(row))
    path = name.split(".")
    memo: dict = {}

    def cell_html(row):
        value = _attribute(row, path)
        try:
            return memo[(type(value), value)]
        except KeyError:
            memo[(type(value), value)] = html = html_text(value_of(row))
            return html
        except TypeError:  # an unhashable value (a JSON list): made for this row
            return html_text(value_of(row))

    return cell_html


def _type_formatters_by_type(view, type_formatters) -> dict:
    """The view's type formatter for each type of value met so far (kept per view and formatters dict)."""
    cache = view.__dict__.setdefault("_type_formatter_by_type", {})
    key = id(type_formatters)
    entry = cache.get(key)
    if entry is None or entry[0] is not type_formatters:
        entry = cache[key] = (type_formatters, {})
    return entry[1]


def _urlencode(value) -> str:
    from jinja2.filters import do_urlencode

    return do_urlencode(value)


def render_header(view, list_columns, sort_column, sort_desc, sort_url, has_actions: bool) -> Markup:
    """The ``<th>`` cells of the list's header, as Flask-Admin's ``list.html`` writes them (the select-all box,
    the icons' column, each column's label, sort link and description), in one call instead of a template loop
    with a translation and a URL per column."""
    out = []
    if has_actions:
        out.append('<th class="list-checkbox-column">\n<input type="checkbox" name="rowtoggle" '
                   f'class="action-rowtoggle" title="{escape(translated_with(admin_gettext, "Select all records"))}" />\n</th>')
    if view.column_display_actions:
        out.append('<th class="">&nbsp;</th>')
    descriptions = view.column_descriptions or {}
    for column, (name, label) in enumerate(list_columns):
        label = translated(label)  # lazy labels: translated once per language, not twice a column a page
        label_html = escape(label)
        out.append(f'<th class="column-header col-{escape(name.replace(".", "-"))}">')
        if view.is_sortable(name):
            title = escape(translated_with(admin_gettext, "Sort by %(name)s", name=label))
            if sort_column == column:
                chevron = "down" if sort_desc else "up"
                out.append(f'<a href="{html_text(sort_url(column, True))}" title="{title}">{label_html}'
                           f' <span class="fa fa-chevron-{chevron} glyphicon glyphicon-chevron-{chevron}"></span></a>')
            else:
                out.append(f'<a href="{html_text(sort_url(column))}" title="{title}">{label_html}</a>')
        else:
            out.append(str(label_html))
        description = descriptions.get(name)
        if description:
            out.append(' <span class="fa fa-question-circle glyphicon glyphicon-question-sign" '
                       f'title="{escape(translated(description))}" data-role="tooltip"></span>')
        out.append("</th>\n")
    return Markup("".join(out))


def render_simple_pager(page: int, have_next: bool, url_of) -> Markup:
    """templates/admin/lib.html ``simple_pager`` (previous, next: a list without a count), in one call."""
    out = ['<ul class="pagination">']
    for target, label, enabled in ((page - 1, "&lt;", page > 0), (page + 1, "&gt;", have_next)):
        if enabled:
            out.append(f'<li class="page-item "><a class="page-link" href="{html_text(url_of(target))}">{label}</a></li>')
        else:
            out.append(f'<li class="page-item disabled"><span class="page-link">{label}</span></li>')
    out.append("</ul>")
    return Markup("\n".join(out))


def render_pager(page: int, pages: int, url_of) -> Markup:
    """Flask-Admin's pager (templates/admin/lib.html ``pager``: seven page numbers around the current one, first,
    previous, next, last), written in one call instead of a macro call and a URL per entry."""
    if pages <= 1:
        return Markup("")
    low, high = page - 3, page + 3 + 1
    if low < 0:
        high -= low
    if high >= pages:
        low = low - high + pages
    if low < 0:
        low = 0
    if high >= pages:
        high = pages
    out = ['<ul class="pagination">']

    def entry(target, label, state=""):
        if state:
            current = ' aria-current="page"' if state == "active" else ""
            out.append(f'<li class="page-item {state}"><span class="page-link"{current}>{label}</span></li>')
        else:
            out.append(f'<li class="page-item "><a class="page-link" href="{html_text(url_of(target))}">{label}</a></li>')

    entry(0, "&laquo;", "" if low > 0 else "disabled")
    entry(page - 1, "&lt;", "" if page > 0 else "disabled")
    for p in range(low, high):
        entry(p, p + 1, "active" if page == p else "")
    entry(page + 1, "&gt;", "" if page + 1 < pages else "disabled")
    entry(pages - 1, "&raquo;", "" if high < pages else "disabled")
    out.append("</ul>")
    return Markup("\n".join(out))
