"""Exports: every one in the audit log, streamed from the database, CSV with a BOM, .xlsx kept while unchanged."""
from __future__ import annotations

import contextlib
import csv
import io

import sqlalchemy as sa
from flask import Response, current_app, flash, g, redirect, request, stream_with_context
from flask_admin import expose
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import ColumnProperty, RelationshipProperty, aliased
from sqlalchemy.orm.interfaces import MANYTOONE
from werkzeug.utils import secure_filename

from models import AuditAction, db, policy, utcnow
from services import audit, exports
from services.exports import neutralise
from services.text import export_cell_function, local_time, locale_name

from .counting import UNCOUNTED


@contextlib.contextmanager
def uncounted():
    """get_list inside the block builds no count query (admin/counting.py): an export wants rows, not a count."""
    depth = g.get(UNCOUNTED, 0)
    setattr(g, UNCOUNTED, depth + 1)
    try:
        yield
    finally:
        setattr(g, UNCOUNTED, depth)


class StreamedExportMixin:
    """Flask-Admin's export endpoint, audited, with the rows streamed: as plain columns in chunks when every
    export column is a column or a named related row (``_export_plan``), else as ORM objects per batch."""

    #: value -> text for export columns the column-only CSV export cannot format by type alone (views
    #: with a model-level ``column_formatters_export`` entry and none here export through the ORM).
    export_value_formatters: dict = {}
    #: Rows per chunk of the streamed CSV.
    export_chunk_rows = 2000

    def __init__(self, *args, **kwargs):
        # Flask-Admin exports with the list's column formatters unless a view names its own: coloured labels
        # (status_badge, late_badge: HTML) would land in the cells. An export formats by type (EXPORT_FORMATTERS:
        # labels, 是/否, local times) and with the formatters a view declares for its export, never the screen's.
        if self.column_formatters_export is None:
            self.column_formatters_export = {}
        super().__init__(*args, **kwargs)

    @expose("/export/<export_type>/")
    def export(self, export_type):
        if self.can_export and export_type == "xlsx" and self._export_rows_over(self.xlsx_max_rows()):
            # Above the limit one Excel file would hold a worker for minutes: say so, and offer the CSV,
            # which streams any number of rows (issue 16, finding 4; the limit is in docs/deploy.md).
            csv_url = self.get_url(".export", export_type="csv", **request.args.to_dict(flat=True))
            flash(Markup("{} <a href=\"{}\">{}</a>").format(
                gettext("This list has more than %(limit)s rows, too many for one Excel file. Narrow it down "
                        "with the filters or the search, or download all of it as CSV (it opens in Excel too).",
                        limit=f"{self.xlsx_max_rows():,}"), csv_url, gettext("Download as CSV")), "warning")
            return redirect(self.get_url(".index_view", **request.args.to_dict(flat=True)))
        if self.can_export and export_type in self.export_types:
            # Every export is in the audit log (SPEC, AuditLog), with the filters that shaped it.
            audit.record(AuditAction.export, note=f"{self.endpoint} {export_type} {request.query_string.decode()[:500]}")
            db.session.commit()
        response = super().export(export_type)
        if export_type == "csv" and response.status_code == 200 and response.is_streamed:
            # Excel reads a UTF-8 CSV with Chinese text correctly only when it starts with a BOM.
            response.response = _with_bom(response.response)
        return response

    @staticmethod
    def xlsx_max_rows() -> int:
        return current_app.config["EXPORT_XLSX_MAX_ROWS"]

    def _export_rows_over(self, limit: int) -> bool:
        """Whether the filtered export has more than ``limit`` rows (counted no further than limit + 1)."""
        view_args = self._get_list_extra_args()
        with uncounted():
            _count, query = self.get_list(0, None, False, view_args.search, view_args.filters, execute=False,
                                          page_size=0)
        key = sa.inspect(self.model).primary_key[0]
        rows = query.enable_eagerloads(False).order_by(None).with_entities(key).limit(limit + 1)
        return db.session.execute(sa.select(sa.func.count()).select_from(rows.subquery())).scalar() > limit

    def _export_data(self):
        """Like Flask-Admin's, but the rows are streamed from the database instead of loaded at once."""
        view_args = self._get_list_extra_args()
        sort = self._get_column_by_idx(view_args.sort)
        with uncounted():
            count, query = self.get_list(0, sort[0] if sort else None, view_args.sort_desc, view_args.search,
                                         view_args.filters, execute=False, page_size=self.export_max_rows)

        def rows():
            try:
                yield from query.yield_per(500)
            finally:
                # The stream outlives the request's session: give the query's connection back at its end.
                query.session.close()

        return count, rows()

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
        with uncounted():
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
        """.xlsx with openpyxl's write-only mode into a temporary file, never Flask-Admin's tablib export (which
        holds every row and the whole file in memory: issue 16, finding 4). From plain columns when the view
        allows (a month's 3,000 reports take ~0.4 s), else from the ORM objects streamed in batches; kept per
        process for as long as :meth:`export_stamp` says the rows are unchanged and the file is small."""
        if export_type != "xlsx":
            return super()._export_tablib(export_type, return_url)
        titles = [str(label) for _name, label in self._export_columns]
        planned = self._plan_query()
        stamp = self.export_stamp() if planned is not None else None
        key = None if stamp is None else (
            self.endpoint, request.query_string, policy.scope_key(current_user), locale_name(), stamp)
        body = exports.file_cache.get(key) if key else None
        if body is None and planned is not None:
            query, cells = planned
            try:
                handle = exports.xlsx_file(titles, ([cell(value) for cell, value in zip(cells, row)] for row in query),
                                           title=str(self.name))
            finally:
                query.close()
            body = exports.xlsx_body(handle, key)
        elif body is None:
            _count, objects = self._export_data()
            names = [name for name, _label in self._export_columns]
            try:
                handle = exports.xlsx_file(titles, ([self.get_export_value(row, name) for name in names]
                                                    for row in objects), title=str(self.name))
            finally:
                objects.close()  # the generator's finally gives the query's connection back
            body = exports.xlsx_body(handle)
        filename = secure_filename(self.get_export_name(export_type="xlsx"))
        return Response(body, headers={"Content-Disposition": f"attachment;filename={filename}"},
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def get_export_value(self, model, name):
        value = super().get_export_value(model, name)
        if hasattr(value, "__html__"):
            value = Markup(value).striptags()  # markup from a formatter: its text only, never a tag in a cell
        if value is not None and not isinstance(value, (str, int, float)):
            value = str(value)  # a related row: its name, neutralised like any text
        return neutralise(value)

    def get_export_name(self, export_type="csv"):
        return f"{self.endpoint}_{func_now_stamp()}.{export_type}"


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


def func_now_stamp() -> str:
    return local_time(utcnow()).strftime("%Y%m%d_%H%M")  # the time in the file's name: the configured zone
