"""What the list and details pages show beyond Flask-Admin's: validated filters, only the joins the list
needs, the rows rendered in one pass, a warning for years without a work schedule, the empty-list
message, and the links to a record's paper form and history."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, request, url_for
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from werkzeug.datastructures import iter_multi_items
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model import filters as model_filters
import sqlalchemy as sa

from models.base import MAX_ID
from models.context import app_globals, current_app_object, script_root
from services.text import locale_name, stored_time, translated

from .eager import defer
from .list_rows import render_header, render_pager, render_rows, render_simple_pager
from .menu import kept_piece
from .row_links import RowLinks, hidden_input, page_forms


def _list_page_get(view) -> bool:
    return request.method == "GET" and request.endpoint == f"{view.endpoint}.index_view"


class ListPageMixin:
    """The list's filters, joins and rows, and the page-level extras (deadline schedule, empty list, links)."""

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """Flask-Admin's rows; on the list page without the JSON columns the list does not show (a report's staff
        snapshot, a change's before and after: parsed for every row and never shown). Exports and other callers
        get every column."""
        deferred = self._list_deferred_columns() if execute and _list_page_get(self) else ()
        if not deferred:
            return super().get_list(page, sort_column, sort_desc, search, filters, execute, page_size)
        count, query = super().get_list(page, sort_column, sort_desc, search, filters, False, page_size)
        return count, query.options(*(defer(column) for column in deferred)).all()

    def search_placeholder(self):
        """Flask-Admin's search box placeholder (the searchable columns' labels, translated and joined), made once
        per view and language: it depends on nothing else (the view's labels and searchable columns, kept beside
        it, are class settings)."""
        labels, searchable = self.column_labels, self.column_searchable_list
        kept = self.__dict__.setdefault("_search_placeholders", {})
        key = (locale_name(), id(labels), id(searchable))
        entry = kept.get(key)
        if entry is None or entry[0] is not labels or entry[1] is not searchable:
            if len(kept) >= 100:
                kept.clear()
            entry = kept[key] = (labels, searchable, super().search_placeholder())
        return entry[2]

    def _list_deferred_columns(self) -> tuple:
        """The model's JSON columns that are not among the list's columns (kept per view: both are fixed)."""
        deferred = self.__dict__.get("_list_deferred")
        if deferred is None:
            shown = {c if isinstance(c, str) else c[0] for c in (self.column_list or ())}
            mapper = sa.inspect(self.model)
            deferred = self._list_deferred = tuple(
                getattr(self.model, prop.key) for prop in mapper.column_attrs
                if prop.key not in shown and len(prop.columns) == 1 and isinstance(prop.columns[0].type, sa.JSON))
        return deferred

    def scaffold_filters(self, name):
        filters = super().scaffold_filters(name)
        for flt in filters or []:
            column = getattr(flt, "column", None)
            enum_cls = getattr(getattr(column, "type", None), "enum_class", None)
            if isinstance(getattr(column, "type", None), sa.Integer) and not isinstance(flt, sqla_filters.FilterEmpty):
                flt.validate = _int_filter_validator  # a number beyond the column's range is invalid, not a 500
            if isinstance(flt, (model_filters.BaseDateTimeFilter, model_filters.BaseDateTimeBetweenFilter)):
                flt.clean = _typed_in_local_time(flt.clean)  # a person types the time they read: local
            if enum_cls is not None and not isinstance(flt, sqla_filters.FilterEmpty):
                # Translated labels instead of the internal codes Flask-Admin offers (holiday, dept_review).
                flt.options = enum_cls.choices()
                # An unknown code in the URL is an invalid filter (flashed), not a KeyError.
                flt.validate = _enum_filter_validator(enum_cls)
        return filters

    def _get_filter_groups(self):
        """Flask-Admin's filter groups with their labels translated: the same for every user and every request
        of a language (they are scaffolded once per view from its ``column_filters``; the options are fixed
        lists: enum labels, yes/no), so translated once per view and language instead of on every list page
        (some 100 lazy strings). Nothing of the user, the unit or the request is in them."""
        cache = self.__dict__.setdefault("_filter_groups_by_locale", {})
        key = (locale_name(), id(self._filter_groups))
        groups = cache.get(key)
        if groups is None:
            groups = cache[key] = super()._get_filter_groups()
        return groups

    def filter_groups_json(self, groups) -> Markup:
        """``groups|tojson`` for the list's filter menu, made once per cached groups (per view and language)."""
        cache = self.__dict__.setdefault("_filter_groups_json", {})
        entry = cache.get(id(groups))
        if entry is None or entry[0] is not groups:
            entry = cache[id(groups)] = (groups, htmlsafe_json_dumps(groups, dumps=current_app.json.dumps))
        return entry[1]

    def get_actions_list(self):
        """Flask-Admin's allowed actions (``is_action_allowed`` asked on every request, as before), with their names
        and confirmations translated once per view and language (they are the view's fixed lazy strings) instead of
        on every page."""
        texts = self._action_texts()
        actions, confirmations = [], {}
        for name, _label in self._actions:
            if self.is_action_allowed(name):
                label, confirmation = texts[name]
                actions.append((name, label))
                if confirmation:
                    confirmations[name] = confirmation
        return actions, confirmations

    def _action_texts(self) -> dict:
        """name -> (label, confirmation or None) of every action of the view, in the request's language."""
        kept = self.__dict__.setdefault("_action_texts_by_language", {})
        key = (locale_name(), id(self._actions))
        entry = kept.get(key)
        if entry is None or entry[0] is not self._actions:
            texts = {}
            for name, label in self._actions:
                confirmation = self._actions_data[name][2]
                # a lazy string's truth would translate it again: translated once, then tested
                texts[name] = (translated(label), translated(confirmation) if confirmation is not None else None)
            entry = kept[key] = (self._actions, texts)
        return entry[1]

    def fast_url(self, endpoint: str, query: dict | None = None, **path_values) -> str:
        """``self.get_url(endpoint, **path_values, **query)``, the same text, with the path made once per view,
        endpoint, path values and site root (``path_values``: the route's own arguments, e.g. ``export_type``) and
        the query string joined as werkzeug joins it (see ``_get_list_url``). Nothing of the user is in it."""
        paths: dict = current_app_object().extensions.setdefault("xmt_list_paths", {})
        key = (self.endpoint, endpoint, tuple(sorted(path_values.items())), script_root())
        path = paths.get(key)
        if path is None:
            path = paths[key] = url_for(f"{self.endpoint}{endpoint}" if endpoint.startswith(".") else endpoint,
                                        **path_values)
        items = [item for item in iter_multi_items(query or {}) if item[1] is not None]
        return f"{path}?{urlencode(items, safe=_URL_SAFE)}" if items else path

    def _get_list_url(self, view_args):
        """Flask-Admin's list URL (sort headers, pager, page sizes: some twenty a page), the same text, without
        a ``url_for`` each: the list's path is made once per site root, the query string as werkzeug makes it
        (None dropped, the same safe characters). The pager's URLs differ only in the page, which comes first:
        the rest of the query is made once per request and set of arguments. Nothing of the user is in it."""
        paths: dict = current_app_object().extensions.setdefault("xmt_list_paths", {})
        key = (self.endpoint, script_root())
        path = paths.get(key)
        if path is None:
            path = paths[key] = url_for(f"{self.endpoint}.index_view")
        rests = app_globals().setdefault("list_url_rests", {})
        rest_key = (self.endpoint, view_args.sort, view_args.sort_desc, view_args.search,
                    repr(view_args.extra_args), view_args.page_size, repr(view_args.filters))
        rest = rests.get(rest_key)
        if rest is None:
            kwargs = dict(sort=view_args.sort, desc=1 if view_args.sort_desc else None, search=view_args.search)
            kwargs.update(view_args.extra_args)
            kwargs["page_size"] = self.get_safe_page_size(view_args.page_size)
            kwargs.update(self._get_filters(view_args.filters))
            rest = rests[rest_key] = urlencode(
                [item for item in iter_multi_items(kwargs) if item[1] is not None], safe=_URL_SAFE)
        page = view_args.page or None
        query = f"page={page}&{rest}" if page is not None and rest else (f"page={page}" if page is not None else rest)
        return f"{path}?{query}" if query else path

    def scaffold_auto_joins(self):
        # Flask-Admin joins every many-to-one relationship of the model into the list query; join only
        # those the list shows.
        shown = {column if isinstance(column, str) else column[0] for column in (self.column_list or ())}
        return [join for join in super().scaffold_auto_joins() if join.key in shown]

    def filter_url_arg(self, column_name: str, operation: type) -> str:
        """The list URL's parameter of a filter (``flt0_<n>``), for links that open the list filtered."""
        for arg, (_index, flt) in (self._filter_args or {}).items():
            if getattr(getattr(flt, "column", None), "key", None) == column_name and type(flt) is operation:
                return f"flt0_{arg}"
        raise LookupError(f"{self.endpoint} has no {operation.__name__} filter on {column_name}")

    def get_list_row_actions(self):
        """Flask-Admin's row icons for what the user may do (details, edit, delete): the same objects for every user
        who may do the same, so made once per view for each such combination (Flask-Admin made three objects and
        three lazy titles on every list page). The icons hold nothing of the user or the rows."""
        key = (bool(self.can_view_details), bool(self.can_edit), bool(self.can_delete))
        kept = self.__dict__.setdefault("_row_actions", {})
        actions = kept.get(key)
        if actions is None:
            actions = kept[key] = tuple(super().get_list_row_actions())
        return list(actions)

    def delete_form(self):
        """On a GET of the list: the hidden fields the rows' delete icons write (admin/row_links.py page_forms),
        not a WTForms form bound and processed for it. Elsewhere Flask-Admin's form, which validates."""
        if _list_page_get(self):
            return page_forms()[0]
        return super().delete_form()

    def action_form(self, obj=None):
        """On a GET of the list: the hidden fields of the action form (admin/row_links.py page_forms)."""
        if obj is None and _list_page_get(self):
            return page_forms()[1]
        return super().action_form(obj)

    def row_links(self, return_url, delete_form):
        """The list's row URLs, built once per page; the rows append each row's id."""
        return RowLinks(self, return_url, delete_form)

    def render_rows(self, data, list_columns, list_row_actions, actions, return_url, delete_form):
        """The list's ``<tr>`` elements (admin/list_rows.py): icons shown as row_can_edit and the delete check
        decide, cells formatted as Flask-Admin's ``get_value`` does."""
        return render_rows(self, data, list_columns, list_row_actions, bool(actions), return_url, delete_form)

    def render_header(self, list_columns, sort_column, sort_desc, sort_url, actions):
        """The list's header cells (admin/list_rows.py), as Flask-Admin's template writes them. The header is a
        function of the list's arguments (all in the query string: sort, search, filters, page size), the
        columns shown, whether there are actions, the language and the site root, and of nothing else — no row,
        unit or user — so it is made once per app for each of those (admin/menu.py ``kept_piece``)."""
        key = (self.endpoint, locale_name(), request.script_root, request.query_string, bool(actions),
               tuple(name for name, _label in list_columns), sort_column, bool(sort_desc))
        return kept_piece("xmt_list_headers", key, lambda: render_header(
            self, list_columns, sort_column, sort_desc, sort_url, bool(actions)))

    def render_simple_pager(self, page, have_next, url_of):
        """The pager of a list without a count (admin/list_rows.py), as lib.html ``simple_pager`` writes it."""
        return render_simple_pager(page, have_next, url_of)

    def render_pager(self, page, pages, url_of):
        """The list's pager (admin/list_rows.py), as templates/admin/lib.html ``pager`` writes it."""
        return render_pager(page, pages, url_of)

    def render_action_form(self, actions, action_form, url, return_url) -> Markup:
        """Flask-Admin's hidden action form (actions.html ``form``: the CSRF token, the return URL, the chosen
        action), the same HTML without three widget renderings."""
        if not actions:
            return Markup("")
        fields = []
        csrf = getattr(action_form, "csrf_token", None)
        if csrf is not None:
            fields.append(hidden_input(csrf, csrf.current_token))
        fields.append(hidden_input(action_form.url, return_url if return_url else action_form.url.data))
        fields.append(hidden_input(action_form.action, action_form.action.data))
        return Markup('<form id="action_form" action="{}" method="POST" class="d-none">{}</form>').format(
            url, Markup("").join(fields))

    #: Date columns holding deadlines counted in working days (warn when a year has no schedule).
    deadline_columns: tuple[str, ...] = ()

    def render(self, template, **kwargs):
        if self.deadline_columns:
            rows = kwargs.get("data") or ([kwargs["model"]] if kwargs.get("model") is not None else [])
            years = {getattr(row, column).year for row in rows for column in self.deadline_columns
                     if getattr(row, column, None)}
            kwargs["schedule_missing_years"] = sorted(y for y in years if not _schedule_known(y))
        return super().render(template, **kwargs)

    def get_empty_list_message(self):
        from .empty_states import empty_list_message

        searching = bool(request.args.get("search")) or any(key.startswith("flt") for key in request.args)
        return empty_list_message(self.endpoint, searching)

    #: Endpoint of the record's printable paper form, if it has one.
    print_endpoint: str | None = None

    def print_url(self, model):
        return url_for(self.print_endpoint, id=model.id) if self.print_endpoint else None

    def history_url(self, model):
        return url_for("audit.index_view", object=f"{type(model).__name__}:{model.id}")


#: The characters werkzeug leaves unquoted in a query string (werkzeug.urls._urlencode).
_URL_SAFE = "!$'()*,/:;?@"


def _typed_in_local_time(clean):
    """A time filter's value, typed in the configured zone, compared with the stored UTC times."""

    def local_clean(value):
        cleaned = clean(value)
        if isinstance(cleaned, list):
            return [stored_time(item) for item in cleaned]
        return stored_time(cleaned)

    return local_clean


def _int_filter_validator(value) -> bool:
    try:
        return all(-MAX_ID <= int(v) <= MAX_ID for v in str(value).split(","))
    except ValueError:
        return False


def _enum_filter_validator(enum_cls):
    def validate(value) -> bool:
        values = [v.strip() for v in str(value).split(",")]
        return bool(value) and all(v in enum_cls.__members__ for v in values)

    return validate


def _schedule_known(year: int) -> bool:
    from .formatters import schedule_known

    return schedule_known(year)
