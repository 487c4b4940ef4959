"""The one scoped ModelView that every admin view inherits, and the secured index view.

Flask-Admin scopes the list by ``get_query`` but not ``get_one``, actions, ajax look-ups,
relationship drop-downs or ``ajax_update`` (see shared/FLASK-ADMIN-NOTES.md): all of them
go through :mod:`models.policy` here, once, for every view.
"""
from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, g, redirect, request, stream_with_context, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext, ngettext
from flask_admin.contrib.sqla import ModelView, filters as sqla_filters, tools
from flask_babel import get_locale, gettext
from flask_login import current_user
import sqlalchemy as sa
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import ColumnProperty, RelationshipProperty, aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import MANYTOONE
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.utils import secure_filename
from wtforms import HiddenField

from models import AuditAction, db
from models.base import MAX_ID, to_id
from services import audit
from services import exports
from services.exports import neutralise

from models import policy
from .fields import AdminForm, ScopedModelConverter
from .dashboard import home_context
from .formatters import DETAIL_FORMATTERS, EXPORT_FORMATTERS, TYPE_FORMATTERS, export_cell_function
from .list_rows import render_rows
from .row_links import RowLinks

class ProtectedView:
    """Login required; a logged-in user without the right gets 403, the anonymous go to login."""

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)


class SecureIndexView(ProtectedView, AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated and current_user.is_active

    @expose("/")
    def index(self):
        return self.render("admin/home.html", **home_context(current_user))


class ScopedModelView(ProtectedView, ModelView):
    form_base_class = AdminForm
    model_form_converter = ScopedModelConverter
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_FORMATTERS
    column_type_formatters_export = EXPORT_FORMATTERS
    column_display_pk = False
    can_view_details = True
    can_set_page_size = True
    page_size = 20
    details_template = "admin/scoped_details.html"
    create_template = "admin/scoped_create.html"
    edit_template = "admin/scoped_edit.html"
    list_template = "admin/scoped_list.html"
    export_types = ["csv", "xlsx"]
    #: Messages for database constraints a form cannot check itself, by constraint name.
    integrity_messages: dict[str, str] = {}

    def __init__(self, model, name=None, endpoint=None, url=None, **kwargs):
        super().__init__(model, db, name=name, endpoint=endpoint, url=url, **kwargs)

    # --- who may do what (per request; Flask-Admin reads these as attributes) -------------
    def is_accessible(self):
        return policy.can_read(current_user, self.model)

    @property
    def can_create(self):
        return policy.can_create(current_user, self.model)

    @property
    def can_edit(self):
        return policy.can_write(current_user, self.model)

    @property
    def can_delete(self):
        return policy.may_delete_some(current_user, self.model)

    @property
    def can_export(self):
        return policy.can_read(current_user, self.model)

    @property
    def column_editable_list(self):
        return []  # no inline list editing: ajax_update would bypass the object checks

    @column_editable_list.setter
    def column_editable_list(self, _value):
        pass

    def scaffold_filters(self, name):
        filters = super().scaffold_filters(name)
        for flt in filters or []:
            column = getattr(flt, "column", None)
            enum_cls = getattr(getattr(column, "type", None), "enum_class", None)
            if isinstance(getattr(column, "type", None), sa.Integer) and not isinstance(flt, sqla_filters.FilterEmpty):
                flt.validate = _int_filter_validator  # a number beyond the column's range is invalid, not a 500
            if enum_cls is not None and not isinstance(flt, sqla_filters.FilterEmpty):
                # Translated labels instead of the internal codes Flask-Admin offers (holiday, dept_review).
                flt.options = enum_cls.choices()
                # An unknown code in the URL is an invalid filter (flashed), not a KeyError.
                flt.validate = _enum_filter_validator(enum_cls)
        return filters

    # --- rows --------------------------------------------------------------------------------
    def get_query(self):
        return policy.scope(current_user, self.model, super().get_query())

    def get_count_query(self):
        # func.count() (not count('*')) lets SQLite use its fast path.
        query = policy.scope(current_user, self.model, db.session.query(func.count()).select_from(self.model))
        if self._may_estimate_count():
            return _EstimatedCount(query, self.model.__table__.name, self.estimate_count_above)
        return query

    #: An unfiltered department list of a PostgreSQL table larger than this shows the planner's row estimate
    #: ("about 360,000") instead of counting every row on every page; filtered and unit lists count exactly.
    estimate_count_above = 100_000

    def _may_estimate_count(self) -> bool:
        if db.engine.dialect.name != "postgresql" or not policy.sees_all_units(current_user):
            return False
        if request.args.get("search") or request.args.get("object"):
            return False
        return not any(key.startswith("flt") and value for key, value in request.args.items())

    def scaffold_auto_joins(self):
        # Flask-Admin joins every many-to-one relationship of the model into the list query; join only
        # those the list shows.
        shown = {column if isinstance(column, str) else column[0] for column in (self.column_list or ())}
        return [join for join in super().scaffold_auto_joins() if join.key in shown]

    def get_one(self, id):
        """The scoped row, or 404: a foreign or malformed id never reveals anything."""
        cache = g.setdefault("admin_rows", {})
        key = (self.model, to_id(id, self.max_id))
        if key not in cache:
            cache[key] = policy.get_or_404(current_user, self.model, id, self.get_one_query(), self.max_id)
        return cache[key]

    def filter_url_arg(self, column_name: str, operation: type) -> str:
        """The list URL's parameter of a filter (``flt0_<n>``), for links that open the list filtered."""
        for arg, (_index, flt) in (self._filter_args or {}).items():
            if getattr(getattr(flt, "column", None), "key", None) == column_name and type(flt) is operation:
                return f"flt0_{arg}"
        raise LookupError(f"{self.endpoint} has no {operation.__name__} filter on {column_name}")

    #: Search the rows of the accounts whose name, platform ID or 原始ID contains each word (a look-up in the
    #: 3,000 accounts, then the rows by the ``account_id`` index) instead of a substring scan of every row.
    account_search = False
    #: The account columns that search looks in.
    account_search_columns = ("name", "platform_account_id", "wechat_original_id")
    #: Up to this many matching accounts are passed to the list's queries as ids; more, as a subquery.
    account_search_inline = 200

    #: A search uses its first this many different words (each one is a condition, or a look-up in the
    #: accounts: a pasted paragraph must not become thousands of them and overflow the bind parameters).
    search_words_max = 10

    def search_words(self, search: str) -> list[str]:
        """The different words of a search, the first ``search_words_max`` of them."""
        return list(dict.fromkeys(word for word in search.split(" ") if word))[: self.search_words_max]

    def _apply_search(self, query, count_query, joins, count_joins, search):
        words = self.search_words(search)
        if not self.account_search:
            return super()._apply_search(query, count_query, joins, count_joins, " ".join(words))
        from models import Account

        key = Account.id if self.model is Account else self.model.account_id
        for term in words:
            accounts = matching_accounts(tools.parse_like_term(term), self.account_search_columns)
            # Looked up once for the count and the page (the ids of a few accounts, not a second scan).
            ids = db.session.scalars(accounts.limit(self.account_search_inline + 1)).all()
            if len(ids) <= self.account_search_inline:
                accounts = ids
            query = query.filter(key.in_(accounts))
            if count_query is not None:
                count_query = count_query.filter(key.in_(accounts))
        return query, count_query, joins, count_joins

    #: Largest primary key of the model (the audit log's is a BIGINT).
    max_id = MAX_ID
    #: Deepest page a URL may ask for (beyond, the OFFSET would overflow the database's integer).
    max_page = 100_000

    #: From this OFFSET on, a page is found by its ids first (an index-only scan) and then loaded with its
    #: related rows, instead of joining the related rows of every skipped row.
    deferred_join_offset = 1000

    def _apply_pagination(self, query, page, page_size):
        if page is not None:
            page = max(0, min(int(page), self.max_page))
        size = self.page_size if page_size is None else page_size
        if page and size and page * size >= self.deferred_join_offset:
            pk = getattr(self.model, tools.get_primary_key(self.model))
            ids = query.with_entities(pk).offset(page * size).limit(size).subquery()
            return query.filter(pk.in_(sa.select(ids.c[0])))
        return super()._apply_pagination(query, page, page_size)

    def get_one_query(self):
        """Query used to load one record (views add eager loads for their details page)."""
        return self.get_query()

    def scoped_rows(self, ids):
        """The rows among ``ids`` that the user may see (for actions; foreign ids are skipped)."""
        clean = [pk for pk in (to_id(value, self.max_id) for value in ids) if pk is not None]
        if not clean:
            return []
        return tools.get_query_for_ids(self.get_query(), self.model, clean).all()

    # --- object-level checks on the standard endpoints -------------------------------------
    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        row_id = request.args.get("id")
        if row_id is not None and self.can_edit:
            model = self.get_one(row_id)
            if not policy.can_edit(current_user, model):
                if request.method == "POST":
                    abort(403)
                flash(gettext("This record can no longer be edited in its present state."), "warning")
                return redirect(self.get_url(".details_view", id=model.id))
        return super().edit_view()

    def delete_model(self, model):
        if not policy.can_delete(current_user, model):
            flash(gettext("This record cannot be deleted: the rules keep it for the record."), "error")
            return False
        return super().delete_model(model)

    def is_action_allowed(self, name):
        if name == "delete":
            return self.can_delete
        return super().is_action_allowed(name)

    @action("delete", lazy_gettext("Delete"), lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        """Bulk delete through the scoped rows and the per-record check (Flask-Admin's own binds the posted
        ids as text, which PostgreSQL refuses)."""
        deleted = 0
        for model in self.scoped_rows(ids):
            if self.delete_model(model):
                deleted += 1
        if deleted:
            flash(ngettext("Record was successfully deleted.", "%(count)s records were successfully deleted.",
                           deleted, count=deleted), "success")

    # --- forms --------------------------------------------------------------------------------
    def _get_ruleset_missing_fields(self, ruleset, form):
        # Hidden fields (CSRF token, row version) are rendered by the form itself, never by a rule.
        return [name for name in super()._get_ruleset_missing_fields(ruleset, form)
                if getattr(form[name].widget, "input_type", None) != "hidden"]

    def validate_form(self, form):
        valid = super().validate_form(form)
        if not valid:
            _errors_to_text(form)
        return valid

    def scaffold_form(self):
        form_class = super().scaffold_form()
        if hasattr(self.model, "version"):
            form_class.row_version = HiddenField()
        return form_class

    #: Form fields that carry no value of the record (always kept).
    form_plumbing = frozenset({"csrf_token", "row_version"})

    def _restrict_form(self, form):
        """Only the fields the policy lets the user set (a unit user's row is always in their own unit; the
        department's decisions are not on a unit user's form, so a forged POST cannot set them either)."""
        names = [field.name for field in form if field.name not in self.form_plumbing]
        allowed = set(policy.writable_fields(current_user, self.model, names))
        for name in names:
            if name not in allowed:
                del form[name]
        return form

    def create_form(self, obj=None):
        return self._restrict_form(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._restrict_form(super().edit_form(obj))

    def on_form_prefill(self, form, id):
        if "row_version" in form and request.method == "GET":
            form.row_version.data = self.get_one(id).version

    def _on_model_change(self, form, model, is_created):
        # Checks read related rows; without this an autoflush would audit a half-made record.
        with db.session.no_autoflush:
            super()._on_model_change(form, model, is_created)

    def on_model_change(self, form, model, is_created):
        if not policy.sees_all_units(current_user) and hasattr(model, "unit_id"):
            # A unit user's row always belongs to their unit, whatever the POST says.
            model.unit_id = current_user.unit_id
            if hasattr(model, "unit"):
                model.unit = current_user.unit
        if not is_created and "row_version" in form:
            try:
                expected = int(form.row_version.data)
            except (TypeError, ValueError):
                expected = -1
            # The UPDATE then says WHERE version = <what the user loaded>.
            set_committed_value(model, "version", expected)

    def handle_view_exception(self, exc):
        if isinstance(exc, StaleDataError):
            flash(gettext("Someone else saved this record after you opened it. Reload the page, "
                          "check their changes and make yours again."), "error")
            return True
        if isinstance(exc, IntegrityError):
            text = str(getattr(exc, "orig", exc))
            for needle, message in self.integrity_messages.items():
                if needle in text:
                    flash(str(message), "error")
                    return True
            flash(gettext("The record could not be saved: it duplicates an existing record "
                          "or breaks a rule of the register."), "error")
            return True
        if isinstance(exc, policy.NotAllowed):
            flash(str(exc) or gettext("You may not do this."), "error")
            return True
        if isinstance(exc, (OperationalError, InterfaceError)):
            raise exc  # the database is unavailable: the 503 page (views/__init__.py), not a form error
        return super().handle_view_exception(exc)

    # --- row icons on the list and the details page (admin/list_rows.py, scoped_details.html) ----------
    def row_can_edit(self, row) -> bool:
        """Whether the record's edit button shows: the check edit_view makes (no query: the row is loaded)."""
        return self.can_edit and policy.can_edit(current_user, row)

    def row_links(self, return_url, delete_form):
        """The list's row URLs, built once per page; the rows append each row's id."""
        return RowLinks(self, return_url, delete_form)

    def render_rows(self, data, list_columns, list_row_actions, actions, return_url, delete_form):
        """The list's ``<tr>`` elements (admin/list_rows.py): icons shown as row_can_edit and the delete check
        decide, cells formatted as Flask-Admin's ``get_value`` does."""
        return render_rows(self, data, list_columns, list_row_actions, bool(actions), return_url, delete_form)

    # --- output -------------------------------------------------------------------------------
    @expose("/export/<export_type>/")
    def export(self, export_type):
        if self.can_export and export_type in self.export_types:
            # Every export is in the audit log (SPEC, AuditLog), with the filters that shaped it.
            audit.record(AuditAction.export, note=f"{self.endpoint} {export_type} {request.query_string.decode()[:500]}")
            db.session.commit()
        response = super().export(export_type)
        if export_type == "csv" and response.status_code == 200 and response.is_streamed:
            # Excel reads a UTF-8 CSV with Chinese text correctly only when it starts with a BOM.
            response.response = _with_bom(response.response)
        return response

    def _export_data(self):
        """Like Flask-Admin's, but the rows are streamed from the database instead of loaded at once."""
        view_args = self._get_list_extra_args()
        sort = self._get_column_by_idx(view_args.sort)
        count, query = self.get_list(0, sort[0] if sort else None, view_args.sort_desc, view_args.search,
                                     view_args.filters, execute=False, page_size=self.export_max_rows)

        def rows():
            try:
                yield from query.yield_per(500)
            finally:
                # The stream outlives the request's session: give the query's connection back at its end.
                query.session.close()

        return count, rows()

    #: value -> text for export columns the column-only CSV export cannot format by type alone (views
    #: with a model-level ``column_formatters_export`` entry and none here export through the ORM).
    export_value_formatters: dict = {}
    #: Rows per chunk of the streamed CSV.
    export_chunk_rows = 2000

    def _export_plan(self):
        """The export columns as SQL expressions and value formatters, or None when a column needs the
        ORM object (a computed property, a model-level formatter, a related row without a name)."""
        mapper = sa.inspect(self.model)
        columns, formatters, joins = [], [], []
        for name, _label in self._export_columns:
            prop = mapper.attrs.get(name)
            if name in self.column_formatters_export and name not in self.export_value_formatters:
                return None
            if isinstance(prop, ColumnProperty):
                columns.append(getattr(self.model, name))
            elif (isinstance(prop, RelationshipProperty) and prop.direction is MANYTOONE
                  and "name" in prop.mapper.columns):
                target = aliased(prop.mapper.class_)
                joins.append(getattr(self.model, name).of_type(target))
                columns.append(target.name)
            else:
                return None
            formatters.append(self.export_value_formatters.get(name))
        return columns, formatters, joins

    def _plan_query(self):
        """The filtered, sorted export query as plain columns with a formatter per column, or None."""
        plan = self._export_plan()
        if plan is None:
            return None
        columns, formatters, joins = plan
        view_args = self._get_list_extra_args()
        sort = self._get_column_by_idx(view_args.sort)
        _count, query = self.get_list(0, sort[0] if sort else None, view_args.sort_desc, view_args.search,
                                      view_args.filters, execute=False, page_size=self.export_max_rows)
        for join in joins:
            query = query.outerjoin(join)
        # Enum columns come back as their stored names (the cell maps a name to its label directly, without
        # SQLAlchemy turning each of 360,000 names into a member first).
        selected = [sa.type_coerce(column, sa.String) if fmt is None and _enum_class(column) else column
                    for column, fmt in zip(columns, formatters)]
        return _PlannedRows(query.with_entities(*selected).statement, query.session, self.export_chunk_rows), \
            [export_cell_function(column, fmt) for column, fmt in zip(columns, formatters)]

    def _export_csv(self, return_url):
        """The CSV export from plain columns, streamed in chunks (the full 360,000 reports in seconds
        instead of building an ORM object and formatting every cell through babel)."""
        planned = self._plan_query()
        if planned is None:
            return super()._export_csv(return_url)
        query, cells = planned
        titles = [str(label) for _name, label in self._export_columns]

        def generate():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(titles)
            try:
                for chunk in query.chunks():
                    # Column by column: one map() per column and chunk instead of a call per row.
                    columns = [map(cell, column) for cell, column in zip(cells, zip(*chunk))]
                    writer.writerows(zip(*columns))
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
                yield buffer.getvalue()
            finally:
                # The stream outlives the request's session: give the query's connection back at its end.
                query.close()

        disposition = f"attachment;filename={secure_filename(self.get_export_name(export_type='csv'))}"
        return Response(stream_with_context(generate()), headers={"Content-Disposition": disposition},
                        mimetype="text/csv")

    def export_stamp(self):
        """What changes whenever the rows of the current export may have changed (e.g. their count and
        newest ``updated_at``), or None: the .xlsx file is then built anew on every request."""
        return None

    def _export_tablib(self, export_type, return_url):
        """.xlsx from plain columns with openpyxl's write-only mode, and kept per process for as long as
        :meth:`export_stamp` says the rows are unchanged (a month's 3,000 reports take ~0.4 s to write)."""
        planned = self._plan_query() if export_type == "xlsx" else None
        if planned is None:
            return super()._export_tablib(export_type, return_url)
        stamp = self.export_stamp()
        key = None if stamp is None else (
            self.endpoint, request.query_string, policy.scope_key(current_user), str(get_locale()), stamp)
        data = exports.file_cache.get(key) if key else None
        if data is None:
            query, cells = planned
            try:
                data = exports.xlsx_bytes([str(label) for _name, label in self._export_columns],
                                          ([cell(value) for cell, value in zip(cells, row)] for row in query),
                                          title=str(self.name))
            finally:
                query.close()
            if key:
                exports.file_cache.put(key, data)
        filename = secure_filename(self.get_export_name(export_type="xlsx"))
        return Response(data, headers={"Content-Disposition": f"attachment;filename={filename}"},
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    #: Date columns holding deadlines counted in working days (warn when a year has no schedule).
    deadline_columns: tuple[str, ...] = ()

    def render(self, template, **kwargs):
        if self.deadline_columns:
            rows = kwargs.get("data") or ([kwargs["model"]] if kwargs.get("model") is not None else [])
            years = {getattr(row, column).year for row in rows for column in self.deadline_columns
                     if getattr(row, column, None)}
            kwargs["schedule_missing_years"] = sorted(y for y in years if not _schedule_known(y))
        return super().render(template, **kwargs)

    def get_export_value(self, model, name):
        value = super().get_export_value(model, name)
        if value is not None and not isinstance(value, (str, int, float)):
            value = str(value)  # a related row: its name, neutralised like any text
        return neutralise(value)

    def get_export_name(self, export_type="csv"):
        return f"{self.endpoint}_{func_now_stamp()}.{export_type}"

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


def matching_accounts(like: str, columns) -> sa.Select:
    """Ids of the accounts in which one of ``columns`` matches ``like`` (case-insensitive).

    On PostgreSQL one SELECT per column, united: each is served by its trigram index. With the columns
    ORed in one WHERE the planner prices ILIKE as cheap and scans all 3,000 accounts instead, which
    takes ~4 ms for Chinese text (case folding of every character). SQLite scans either way, and
    scans once."""
    from models import Account

    if db.engine.dialect.name == "postgresql":
        return sa.union(*(sa.select(Account.id).where(getattr(Account, name).ilike(like)) for name in columns))
    return sa.select(Account.id).where(sa.or_(*(getattr(Account, name).ilike(like) for name in columns)))


class _PlannedRows:
    """The rows of an export as plain tuples from the connection (no ORM loading), fetched from a
    server-side cursor in chunks when iterated (inside the streamed response), and closed at the end."""

    def __init__(self, statement, session, chunk_rows: int):
        self.statement, self.session, self.chunk_rows, self.result = statement, session, chunk_rows, None

    def __iter__(self):
        for chunk in self.chunks():
            yield from chunk

    def chunks(self):
        """Lists of up to ``chunk_rows`` rows."""
        connection = self.session.connection().execution_options(stream_results=True, yield_per=self.chunk_rows)
        self.result = connection.execute(self.statement)
        yield from self.result.partitions()

    def close(self) -> None:
        if self.result is not None:
            self.result.close()
        self.session.close()  # the stream outlives the request's session: give its connection back


class _EstimatedCount:
    """Stands in for the count query of an unfiltered list: PostgreSQL's row estimate of the table (kept by
    autovacuum/ANALYZE), exact below ``threshold`` rows. The list shows it as "about N"."""

    def __init__(self, exact_query, table: str, threshold: int):
        self.exact_query, self.table, self.threshold = exact_query, table, threshold

    def scalar(self):
        estimate = db.session.execute(sa.text("SELECT reltuples::bigint FROM pg_class WHERE oid = "
                                              "CAST(:table AS regclass)"), {"table": self.table}).scalar()
        if estimate is None or estimate < 0 or estimate < self.threshold:  # -1: never analysed
            return self.exact_query.scalar()
        return ApproximateCount(estimate)

    def __getattr__(self, name):  # anything else (a filter or a join) works on the exact count
        return getattr(self.exact_query, name)


class ApproximateCount(int):
    """A count that prints as "about N" in the list's tab and pager."""

    def __str__(self):
        return gettext("about %(count)s", count=f"{int(self):,}")

    def __html__(self):
        return str(self)


def _enum_class(column):
    return getattr(getattr(column, "type", None), "enum_class", None)


def _with_bom(inner):
    """The CSV stream with a BOM in front; closing it closes the inner stream (an aborted download
    gives the database connection back at once, not at the next garbage collection)."""
    try:
        yield "\ufeff"
        yield from inner
    finally:
        close = getattr(inner, "close", None)
        if close is not None:
            close()


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
    from services.workdays import scheduled_years

    if "scheduled_years" not in g:
        g.scheduled_years = scheduled_years()  # one query per request, however many years a page shows
    return year in g.scheduled_years


def _errors_to_text(form) -> None:
    """Flask-Admin renders only ``str`` errors: turn lazy translated messages into text."""
    for field in form:
        if isinstance(field.errors, list):
            field.errors = [str(e) if not isinstance(e, (list, dict)) else e for e in field.errors]
        for entry in getattr(field, "entries", []) or []:
            subform = getattr(entry, "form", None)
            if subform is not None:
                _errors_to_text(subform)
        subform = getattr(field, "form", None)
        if subform is not None and not isinstance(subform, type) and hasattr(subform, "_fields"):
            _errors_to_text(subform)


def func_now_stamp() -> str:
    import datetime as dt

    return dt.datetime.now().strftime("%Y%m%d_%H%M")
