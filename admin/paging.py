"""Deep pages of a list: a bounded page number, and from some offset on the page's ids first."""
from __future__ import annotations

from flask_admin.contrib.sqla import tools
import sqlalchemy as sa


class DeepPagingMixin:
    """``_apply_pagination`` that clamps the page a URL asks for and finds a deep page by its ids first."""

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
