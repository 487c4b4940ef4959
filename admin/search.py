"""The list's search: a few different words, and for rows of an account a look-up in the accounts first."""
from __future__ import annotations

from flask_admin.contrib.sqla import tools
from flask_babel import gettext
import sqlalchemy as sa

from models import db


class SearchMixin:
    """Caps a search to its first ``search_words_max`` different words and, with ``account_search``, finds
    the rows of the accounts that match instead of scanning every row (``_apply_search``)."""

    #: Search the rows of the accounts whose name, platform ID or 原始ID contains each word (a look-up in the
    #: 3,000 accounts, then the rows by the ``account_id`` index) instead of a substring scan of every row.
    account_search = False
    #: The account columns that search looks in.
    account_search_columns = ("name", "platform_account_id", "wechat_original_id")
    #: Up to this many matching accounts are passed to the list's queries as ids; more, as a subquery.
    account_search_inline = 200
    #: The list's own text columns a word may also match (ORed with its accounts), e.g. a violation's
    #: description: a small table scanned, the accounts looked up by their trigram indexes.
    account_search_own_columns: tuple[str, ...] = ()

    #: A search uses its first this many different words (each one is a condition, or a look-up in the
    #: accounts: a pasted paragraph must not become thousands of them and overflow the bind parameters).
    search_words_max = 10

    def search_words(self, search: str) -> list[str]:
        """The different words of a search, the first ``search_words_max`` of them."""
        return self._different_words(search)[: self.search_words_max]

    @staticmethod
    def _different_words(search: str) -> list[str]:
        return list(dict.fromkeys(word for word in (search or "").split(" ") if word))

    def search_note(self, search: str | None) -> str | None:
        """What the list page says when a search had more different words than it uses (None when not)."""
        total = len(self._different_words(search or ""))
        if total <= self.search_words_max:
            return None
        return gettext("The search used its first %(used)s different words and ignored the other %(dropped)s.",
                       used=self.search_words_max, dropped=total - self.search_words_max)

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
            like = tools.parse_like_term(term)
            condition = sa.or_(key.in_(accounts), *(getattr(self.model, name).ilike(like)
                                                    for name in self.account_search_own_columns))
            query = query.filter(condition)
            if count_query is not None:
                count_query = count_query.filter(condition)
        return query, count_query, joins, count_joins


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
