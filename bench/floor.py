"""The floor of each page (issue 18, item 1): what the machine needs at least to serve the same rows.

For every page of `bench run`, the CLI process opens the page once in-process as its role and records the
SELECT statements it sends (``capture``). The gunicorn worker then serves, beside the app, a bare WSGI
application under ``/_floor/`` (``bench/floor_wsgi.py``): ``/_floor/page/<n>`` runs page *n*'s recorded
statements on a raw DB-API connection (no ORM, no Flask-Admin, no login, no policy) and writes every row
it got through a minimal Jinja template. Same worker, same client, same database, same run: a page's
ratio to its floor is what the app adds, on whatever machine.

``/_floor/reference`` is a fixed page, the same on every run whatever the app's code: the 20 newest accounts
with their unit's name and the number of accounts, by a hand-written query, through the same minimal
template; pages without an SQL equivalent (the home pages, computed reports, files) are judged against it.

``/_floor/write`` commits a write that raises the data version (``scenarios.write``), one unit's (``?role=unit``:
the bench editor's unit; ``&kind=count``: one that also moves one of its change requests between two states, so
that a count on the page changes): the next home page counts that unit's figures anew, as after any change (the
"after a write" pages).

``/_floor/export`` is the full reports export done bare: ``COPY (<the export's own SELECT>) TO STDOUT``
(PostgreSQL, psycopg's copy) or the export's SELECT dumped row by row from the cursor through ``csv``
(SQLite), streamed.
"""
from __future__ import annotations

import csv
import io
import os
import pickle
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

#: Environment variable naming the pickled plan the floor application serves.
PLAN_ENV = "XMT_BENCH_FLOOR_PLAN"
PREFIX = "/_floor"

TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>floor</title></head><body>
{% for rows in results %}<table>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% endfor %}</body></html>
"""

REFERENCE_SQL = [
    ("SELECT a.id, a.name, a.platform, u.name, a.status, a.verified, a.in_matrix, a.created_on, "
     "a.registration_due, a.is_late FROM accounts a JOIN units u ON u.id = a.unit_id ORDER BY a.id DESC LIMIT 20",
     None),
    ("SELECT count(*) FROM accounts", None),
]

_READS = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)


@dataclass
class Plan:
    """What the floor application serves: each page's statements, the export's SELECT, the database."""
    database_url: str
    pages: list[list[tuple[str, object]]] = field(default_factory=list)
    export: tuple[str, object] | None = None

    def save(self, path) -> None:
        with open(path, "wb") as handle:
            pickle.dump(self, handle)

    @staticmethod
    def load(path) -> "Plan":
        with open(path, "rb") as handle:
            return pickle.load(handle)


def reads(statements) -> list[tuple[str, object]]:
    """The statements of a page that read (its SELECTs), in order; writes (audit rows of an export) are not
    part of showing the rows."""
    return [(statement, parameters) for statement, parameters in statements if _READS.match(statement)]


def export_select(statements) -> tuple[str, object] | None:
    """The statement that reads the export's rows: the first SELECT from monthly_reports after the audit
    INSERT (the count and the user's row come before)."""
    candidates = [(s, p) for s, p in reads(statements) if re.search(r"\bFROM\s+monthly_reports\b", s, re.I)
                  and not re.match(r"^\s*SELECT\s+count\(", s, re.I)]
    return candidates[-1] if candidates else None


class StatementRecorder:
    """Every statement the engine sends while active (``with StatementRecorder(engine) as rec``)."""

    def __init__(self, engine):
        self.engine, self.items = engine, []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.items.append((statement, parameters))

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._before)


def capture(app, clients: dict, pages: list[tuple[str, str]], export_path: str | None) -> tuple[list, object]:
    """In-process: each page's read statements (opened once to warm, then once recorded) and the export's
    SELECT. ``pages`` are (role, path); ``clients`` Flask test clients logged in per role."""
    from models import db

    with app.app_context():
        engine = db.engine
    recorded = []
    for role, path in pages:
        client = clients[role]
        client.get(path).get_data()
        with StatementRecorder(engine) as recorder:
            client.get(path).get_data()
        recorded.append(reads(recorder.items))
    export = None
    if export_path:
        with StatementRecorder(engine) as recorder:
            response = clients["dept"].get(export_path)
            # Read only until the rows' SELECT has gone out (not the whole file).
            for _chunk in response.response:
                if export_select(recorder.items):
                    break
            response.close()
        export = export_select(recorder.items)
    return recorded, export


def make_floor_app(plan: Plan):
    """The bare WSGI application of the floor pages (a function of environ, start_response: no framework)."""
    from jinja2 import Environment

    template = Environment(autoescape=True).from_string(TEMPLATE)
    engine = sa.create_engine(plan.database_url, pool_pre_ping=False)
    postgres = engine.dialect.name == "postgresql"

    def run(statements) -> list[list[tuple]]:
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            results = []
            for statement, parameters in statements:
                if parameters:
                    cursor.execute(statement, parameters)
                else:
                    cursor.execute(statement)
                results.append(cursor.fetchall() if cursor.description else [])
            cursor.close()
            # Only reads (:func:`reads`): COMMIT ends them as ROLLBACK would, and keeps the statements psycopg
            # prepared on this connection, as the app's read-only requests do (models/prepared.py).
            raw.commit()
            return results
        finally:
            raw.close()

    def page(statements, start_response):
        body = template.render(results=run(statements)).encode("utf-8")
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    def export(start_response):
        statement, parameters = plan.export
        start_response("200 OK", [("Content-Type", "text/csv; charset=utf-8")])
        return _copy_rows(engine, statement, parameters) if postgres else _dump_rows(engine, statement, parameters)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/reference":
            return page(REFERENCE_SQL, start_response)
        if path == "/export" and plan.export:
            return export(start_response)
        if path == "/write":
            from .scenarios import write

            query = environ.get("QUERY_STRING", "")
            write(engine, "unit" if "role=unit" in query else "dept", "count" if "kind=count" in query else "version")
            start_response("204 No Content", [])
            return [b""]
        match = re.fullmatch(r"/page/(\d+)", path)
        if match and int(match.group(1)) < len(plan.pages):
            return page(plan.pages[int(match.group(1))], start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no such floor page"]

    return app


def _copy_rows(engine, statement: str, parameters):
    """``COPY (<the export's SELECT>) TO STDOUT`` in CSV, passed on as psycopg hands the blocks over."""
    raw = engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER)", parameters or None) as copy:
                for block in copy:
                    yield bytes(block)
        raw.rollback()
    finally:
        raw.close()


def _dump_rows(engine, statement: str, parameters, rows_per_chunk: int = 2000):
    """The export's SELECT read from the cursor row by row and written by ``csv``, streamed in chunks."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(statement, parameters or ())
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([d[0] for d in cursor.description])
        while rows := cursor.fetchmany(rows_per_chunk):
            writer.writerows(rows)
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")
        cursor.close()
        raw.rollback()
    finally:
        raw.close()


def wrap(app, plan_path: str | None = None):
    """The app with the floor pages mounted at /_floor (when a plan is given; else the app unchanged)."""
    plan_path = plan_path or os.environ.get(PLAN_ENV)
    if not plan_path:
        return app
    floor = make_floor_app(Plan.load(plan_path))

    def dispatch(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            environ = dict(environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + PREFIX,
                           PATH_INFO=path[len(PREFIX):])
            return floor(environ, start_response)
        return app(environ, start_response)

    return dispatch

