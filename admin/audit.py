"""痕迹管理 — the audit log, read-only; unit users read their own unit's entries (第十条)."""
import json

import sqlalchemy as sa

from flask import request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from models import AuditLog, db
from models.base import SQLITE_SEARCH_TABLE, to_id

from .base import ScopedModelView
from models.base import YES_NO

from .labels import LABELS, labels


#: What each kind of record is called in the interface.
OBJECT_TYPES = {
    "Account": _l("Account"), "TeamMember": _l("Management team"), "Manager": _l("Manager"),
    "ChangeRecord": _l("Change request"), "MonthlyReport": _l("Monthly report"), "Violation": _l("Violation"),
    "Assessment": _l("Annual assessment"), "Unit": _l("Unit"), "User": _l("User"),
    "WorkCalendar": _l("Work calendar"), "Attachment": _l("Attachment"),
}


def _value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(YES_NO[value])
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _changes(_view, _context, model, _name, limit=12):
    if not model.changes:
        return ""
    items = list(model.changes.items())
    rows = Markup("").join(
        Markup("<div><span class=\"text-muted\">{}</span>：{} → {}</div>").format(
            LABELS.get(field, field), _value(pair[0]), _value(pair[1]))
        for field, pair in items[:limit] if isinstance(pair, list) and len(pair) == 2)
    if limit and len(items) > limit:
        rows += Markup("<div class=\"text-muted\">…</div>")
    return rows


def _object_type(_view, _context, model, _name):
    return str(OBJECT_TYPES.get(model.object_type, model.object_type or ""))


def _user(_view, _context, model, _name):
    if model.user is not None:
        return str(model.user)
    return model.username or str(_l("System (command line)"))


class AuditView(ScopedModelView):
    column_list = ["at", "user", "ip", "action", "object_type", "object_label", "changes", "note"]
    column_labels = labels(username=_l("Login name"))
    column_filters = ["action", "object_type", "at", "username", "ip"]
    column_searchable_list = ["object_label", "username"]
    column_sortable_list = ["at", "action"]
    column_default_sort = ("id", True)
    column_formatters = {"changes": _changes, "object_type": _object_type, "user": _user}
    column_formatters_detail = {"changes": lambda v, c, m, n: _changes(v, c, m, n, limit=0),
                                "object_type": _object_type, "user": _user}
    column_formatters_export = {"changes": lambda v, c, m, n: json.dumps(m.changes, ensure_ascii=False)
                                if m.changes else "", "object_type": _object_type, "user": _user}
    # An exact count over a million rows on every page is not needed (see docs/benchmarks.md).
    simple_list_pager = True
    max_id = 2**63 - 1
    page_size = 50

    @property
    def can_create(self):
        return False

    @property
    def can_edit(self):
        return False

    @property
    def can_delete(self):
        return False

    def get_query(self):
        query = super().get_query().options(joinedload(AuditLog.user))
        obj = request.args.get("object", "")
        if ":" in obj:
            kind, _, ident = obj.partition(":")
            object_id = to_id(ident)
            query = query.filter(AuditLog.object_type == kind, AuditLog.object_id == object_id) \
                if object_id is not None else query.filter(sa.false())
        return query

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """On SQLite, words of three characters or more are looked up in the FTS5 trigram index of
        ``object_label`` and ``username`` (a million rows: a scan takes ~100 ms); PostgreSQL's trigram
        indexes serve the ordinary ILIKE search."""
        if db.engine.dialect.name != "sqlite":
            return super()._apply_search(query, count_query, joins, count_joins, search)
        short = []
        for n, term in enumerate(search.split(" ")):
            if len(term) >= 3:
                phrase = sa.bindparam(f"fts_phrase_{n}", '"' + term.replace('"', '""') + '"')
                ids = sa.select(sa.column("rowid")).select_from(sa.table(SQLITE_SEARCH_TABLE)).where(
                    sa.text(f"{SQLITE_SEARCH_TABLE} MATCH :fts_phrase_{n}").bindparams(phrase))
                query = query.filter(AuditLog.id.in_(ids))
            elif term:
                short.append(term)
        if short:
            return super()._apply_search(query, count_query, joins, count_joins, " ".join(short))
        return query, count_query, joins, count_joins

    def history_url(self, model):
        return None  # an audit entry is its own history: no link
