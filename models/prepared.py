"""PostgreSQL keeps the plans of the statements it has prepared, across requests: a transaction that only read
ends with COMMIT instead of ROLLBACK (issue 18).

psycopg 3 prepares a statement on the server once the same text has run five times on a connection
(``prepare_threshold``), and PostgreSQL then plans it once (or once per set of values that changes the plan)
instead of at every run. But psycopg forgets and deallocates every prepared statement of a connection on each
``rollback()`` (psycopg/_connection_base.py ``_rollback_gen``: ``self._prepared.clear()``: a rolled-back
transaction may have dropped what they refer to), and every request ends in one: Flask-SQLAlchemy removes the
session, SQLAlchemy rolls the connection back. So every statement of every request was planned anew — 2 to 5 ms
for each of the home page's UNIONs (admin/home_figures.py), a tenth of a millisecond or more for a list page's.

The end of a transaction that ran SELECTs only, nothing else, and is not in error: COMMIT and ROLLBACK end it
alike (it changed nothing; its locks, if any, are released by either), and COMMIT lets psycopg keep its prepared
statements. Any other statement (INSERT, UPDATE, DELETE, DDL, SET, a savepoint, a WITH) or a failed transaction is
rolled back as before. (A SELECT that changes something — a function with side effects, ``set_config`` — would be
committed with it: the app sends none; keep it so.) Installed on the app's engines (:func:`install`); SQLite's
driver keeps its statements itself and is left alone. ``tests/test_prepared_statements.py`` checks both ends.

What a transaction ran is noted by the cursors of every psycopg connection (:class:`NotingCursor`, psycopg's
``cursor_factory``), so that a statement sent on the driver's own cursor (a COPY) counts too. SQLAlchemy ends a
transaction through its dialect's ``do_rollback(dbapi_connection)`` (its Connection's rollback and the pool's
reset on return both call it): that method of the engine's dialect is replaced, its signature pinned by the test.

psycopg also keeps, per process, each statement's text converted from ``%(name)s`` to ``$n`` placeholders — but not
for a text longer than 4 KiB or with more than 50 parameters: those are split by a regular expression at every
run. The home page's summaries and first rows are 4–11 KiB with up to 52 parameters (1–2 ms of every home page
that counts anew). :func:`install` raises both bounds (:data:`CONVERTED_LENGTH`, :data:`CONVERTED_PARAMS`); psycopg's
bounds were set against bulk INSERTs of thousands of values, which stay above them."""
from __future__ import annotations

import re
import weakref

import sqlalchemy as sa

#: What a statement that only reads starts with (SQLAlchemy writes them so).
_READS = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_READS_BYTES = re.compile(rb"\s*SELECT\b", re.IGNORECASE)
#: The psycopg connections whose open transaction ran anything but a SELECT.
wrote: weakref.WeakSet = weakref.WeakSet()


def _reads(query) -> bool:
    if isinstance(query, str):
        return bool(_READS.match(query))
    if isinstance(query, bytes):
        return bool(_READS_BYTES.match(query))
    return False  # a psycopg.sql composition: counted as a write


def _cursor_class():
    import psycopg

    class NotingCursor(psycopg.Cursor):
        """psycopg's cursor, noting on its connection a statement that does not only read (in a transaction: in
        autocommit each statement ends its own, as the pool's ping)."""

        def execute(self, query, params=None, **kwargs):
            if not _reads(query) and not self._conn.autocommit:
                wrote.add(self._conn)
            return super().execute(query, params, **kwargs)

        def executemany(self, query, params_seq, **kwargs):
            wrote.add(self._conn)
            return super().executemany(query, params_seq, **kwargs)

        def copy(self, statement, params=None, **kwargs):
            wrote.add(self._conn)
            return super().copy(statement, params, **kwargs)

        def stream(self, query, params=None, **kwargs):
            if not _reads(query) and not self._conn.autocommit:
                wrote.add(self._conn)
            return super().stream(query, params, **kwargs)

    return NotingCursor


#: The longest statement text, and the most parameters, whose conversion psycopg keeps (its own: 4,096 and 50). At
#: most 128 texts are kept (psycopg's ``lru_cache``): 128 × 32 KiB at worst.
CONVERTED_LENGTH, CONVERTED_PARAMS = 32 * 1024, 128


def keep_long_conversions() -> None:
    """Let psycopg keep the conversion of statements up to :data:`CONVERTED_LENGTH` bytes and
    :data:`CONVERTED_PARAMS` parameters (module constants of psycopg/_queries.py that ``PostgresQuery.convert``
    reads at each run; tests/test_prepared_statements.py pins them)."""
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, CONVERTED_LENGTH)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, CONVERTED_PARAMS)


def install(engine: sa.engine.Engine) -> None:
    """End ``engine``'s read-only transactions with COMMIT, and keep long statements' conversions (PostgreSQL
    through psycopg only; once per engine)."""
    dialect = engine.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg" or getattr(dialect, "xmt_read_commit", False):
        return
    keep_long_conversions()
    from psycopg.pq import TransactionStatus

    cursor_class = _cursor_class()
    rollback = dialect.do_rollback

    def noting(dbapi_connection, _record):
        dbapi_connection.cursor_factory = cursor_class

    def committed(conn):
        if not conn.invalidated:
            wrote.discard(conn.connection.driver_connection)

    def do_rollback(dbapi_connection):
        raw = getattr(dbapi_connection, "driver_connection", dbapi_connection)  # the pool's proxy or the connection
        if (raw is not None and raw not in wrote and raw.cursor_factory is cursor_class
                and raw.info.transaction_status == TransactionStatus.INTRANS):
            raw.commit()  # read only: the same end, and psycopg keeps its prepared statements
            return
        if raw is not None:
            wrote.discard(raw)
        rollback(dbapi_connection)

    sa.event.listen(engine, "connect", noting)
    sa.event.listen(engine, "commit", committed)
    dialect.do_rollback = do_rollback
    dialect.xmt_read_commit = True
