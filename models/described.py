"""A SELECT that SQLAlchemy has run before does not have psycopg describe its result columns again (issue 18 item 2).

SQLAlchemy reads ``cursor.description`` after every execution, and psycopg 3 answers each read with a new list of
``Column`` objects, each decoding its name and looking up its type (psycopg/_cursor_base.py ``description``):
some 2 µs a column, 40–60 columns on a list page's query, 15 on the signed-in user's. But once a compiled SELECT
has run, SQLAlchemy keeps its result's metadata on the compiled statement (``compiled._cached_metadata``) and only
asks whether there is a description at all (engine/default.py ``_setup_result_proxy``, engine/cursor.py
``CursorResult._init_metadata``): what the columns are, it already knows.

So a compiled SELECT whose metadata SQLAlchemy keeps, run again, is given the description of its first run as the
fetch strategy's ``alternate_cursor_description`` (SQLAlchemy's own way for a dialect to supply a description):
SQLAlchemy sees it is not None and uses its kept metadata, as before. A result without rows to describe (psycopg
would answer None), a streamed or server-side result, a text statement, an INSERT/UPDATE/DELETE, a statement asked
for ``driver_column_names`` and any statement not compiled yet go SQLAlchemy's way unchanged. Nothing of a result's
rows is kept: a description is the names and types of the columns of one compiled statement, the same for every
user. tests/test_described.py checks the results against SQLAlchemy's own and pins the code this relies on."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import cursor as _cursor


class KeptDescription(_cursor.CursorFetchStrategy):
    """SQLAlchemy's default fetch strategy (``CursorFetchStrategy``: fetches from the DBAPI cursor), with the
    description of the compiled statement's first run."""

    __slots__ = ("alternate_cursor_description",)

    def __init__(self, description):
        self.alternate_cursor_description = description


#: The attribute of a compiled statement holding its :class:`KeptDescription`.
KEPT = "_xmt_kept_description"


def _execution_context(base):
    from psycopg.pq import ExecStatus

    tuples = ExecStatus.TUPLES_OK

    class DescribedOnce(base):
        """The dialect's execution context, giving a compiled SELECT run before its kept description."""

        def post_exec(self):
            super().post_exec()
            compiled = self.compiled
            if (compiled is None or self.is_crud or self.is_text or self.isddl
                    or getattr(compiled, "_cached_metadata", None) is None
                    or self.cursor_fetch_strategy is not _cursor._DEFAULT_FETCH
                    or self._is_server_side):
                return
            options = self.execution_options
            if options.get("stream_results", False) or options.get("driver_column_names", False):
                return
            result = self.cursor.pgresult
            if result is None or result.status != tuples or not result.nfields:
                return
            kept = compiled.__dict__.get(KEPT)
            if kept is None:
                description = self.cursor.description
                if not description:
                    return
                kept = compiled.__dict__[KEPT] = KeptDescription(description)
            elif len(kept.alternate_cursor_description) != result.nfields:
                return  # not the columns it had (cannot happen for one compiled statement): described anew
            self.cursor_fetch_strategy = kept

    DescribedOnce.__name__ = DescribedOnce.__qualname__ = f"DescribedOnce{base.__name__}"
    return DescribedOnce


def install(engine: sa.engine.Engine) -> None:
    """Give ``engine``'s compiled SELECTs run before their kept description (PostgreSQL through psycopg only; once
    per engine)."""
    dialect = engine.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg" or getattr(dialect, "xmt_described_once", False):
        return
    dialect.execution_ctx_cls = _execution_context(dialect.execution_ctx_cls)
    dialect.xmt_described_once = True
