"""The list's row count: PostgreSQL's row estimate instead of an exact count of a big unfiltered table."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g, request
from flask_babel import gettext
from flask_login import current_user

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
        estimate = table_estimate(self.table)
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
