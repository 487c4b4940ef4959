"""The list's row count: PostgreSQL's row estimate instead of an exact count of a big unfiltered table."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g, request
from flask_babel import gettext
from flask_login import current_user
from flask_sqlalchemy.query import Query

from models import db, policy


#: Set in ``flask.g`` while a query is asked of get_list only for its rows (exports): no count query is made.
UNCOUNTED = "xmt_uncounted"


class EstimatedCountMixin:
    """``estimated_count(query)`` stands the planner's estimate in for the exact count query when counting
    every row on every page would cost more than it tells (the view's ``get_count_query`` calls it)."""

    #: An unfiltered department list of a PostgreSQL table larger than this shows the planner's row estimate
    #: ("about 360,000") instead of counting every row on every page; filtered and unit lists count exactly.
    estimate_count_above = 100_000

    def estimated_count(self, exact_query):
        """``exact_query``, or a stand-in that answers the table's estimate when the list may show one; None
        (no count at all, as Flask-Admin's ``simple_list_pager``) while an export asks for its rows
        (admin/exporting.py ``uncounted``): a file shows no count, and a month's export counted its 3,000 rows
        for nothing."""
        if g.get(UNCOUNTED):
            return None
        if self._may_estimate_count():
            return _EstimatedCount(exact_query, self.model.__table__.name, self.estimate_count_above)
        return exact_query

    def _may_estimate_count(self) -> bool:
        if db.engine.dialect.name != "postgresql" or not policy.sees_all_units(current_user):
            return False
        if request.args.get("search") or request.args.get("object"):
            return False
        return not any(key.startswith("flt") and value for key, value in request.args.items())


class CountQuery(Query):
    """The list's count query (``ScopedModelView.get_count_query``): a ``Query`` like any other while Flask-Admin
    adds the search and the filters to it, but its ``scalar()`` runs the statement on the session's connection
    instead of through the ORM's execution — the same ``SELECT count(*) …`` with the same criteria (the scope
    included: it is in the statement), without the ORM's compile state, loading context and result for one number
    (some 100 µs on every list page). The session is autoflushed first, as a query autoflushes it."""

    def scalar(self):
        if self.autoflushes():
            self.session._autoflush()
        return self.session.connection().execute(self.statement).scalar()

    def autoflushes(self) -> bool:
        """Whether the ORM would autoflush before this query (``autoflush(False)`` or the ``autoflush`` execution
        option turn it off, as for any query)."""
        return bool(self._execution_options.get("autoflush", self.load_options._autoflush))


def count_query(*entities) -> CountQuery:
    """``db.session.query(*entities)`` as a :class:`CountQuery`."""
    return CountQuery(entities, session=db.session())


def table_estimate(table: str) -> int | None:
    """PostgreSQL's row estimate of ``table`` (kept by autovacuum/ANALYZE; -1 before the first, None if none)."""
    return db.session.execute(sa.text("SELECT reltuples::bigint FROM pg_class WHERE oid = CAST(:table AS regclass)"),
                              {"table": table}).scalar()


class _EstimatedCount:
    """Stands in for the count query of an unfiltered list: PostgreSQL's row estimate of the table (kept by
    autovacuum/ANALYZE), exact below ``threshold`` rows. The list shows it as "about N"."""

    def __init__(self, exact_query, table: str, threshold: int):
        self.exact_query, self.table, self.threshold = exact_query, table, threshold

    def scalar(self):
        """One statement: the estimate and, only when it is below the threshold (or -1: never analysed), the exact
        count in a CASE — PostgreSQL evaluates the count's sub-select only in the branch that needs it (its plan
        says "never executed" otherwise). One round trip instead of two for a small table."""
        exact = self.exact_query
        if not isinstance(exact, CountQuery):
            estimate = table_estimate(self.table)
            if estimate is None or estimate < 0 or estimate < self.threshold:  # -1: never analysed
                return exact.scalar()
            return ApproximateCount(estimate)
        if exact.autoflushes():
            exact.session._autoflush()
        # an estimate of -1 (never analysed) is never shown, whatever the threshold
        row = exact.session.connection().execute(_estimate_or_count(exact.statement, max(self.threshold, 0)),
                                                 {"table": self.table}).first()
        if row is None:  # no such table in pg_class (cannot happen for a mapped table): count
            return exact.scalar()
        estimate, counted = row
        return ApproximateCount(estimate) if counted is None else counted

    def __getattr__(self, name):  # anything else (a filter or a join) works on the exact count
        return getattr(self.exact_query, name)


_ESTIMATE = (sa.text("SELECT reltuples::bigint AS n FROM pg_class WHERE oid = CAST(:table AS regclass)")
             .bindparams(sa.bindparam("table", type_=sa.String)).columns(n=sa.BigInteger).subquery("estimate"))


def _estimate_or_count(exact: sa.Select, threshold: int) -> sa.Select:
    """``SELECT estimate.n, CASE WHEN estimate.n >= threshold THEN NULL ELSE (exact) END FROM (the estimate)``."""
    return sa.select(_ESTIMATE.c.n, sa.case((_ESTIMATE.c.n >= threshold, sa.null()),
                                            else_=exact.scalar_subquery())).select_from(_ESTIMATE)


class ApproximateCount(int):
    """A count that prints as "about N" in the list's tab and pager."""

    def __str__(self):
        return gettext("about %(count)s", count=f"{int(self):,}")

    def __html__(self):
        return str(self)
