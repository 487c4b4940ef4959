"""痕迹管理 — the audit log, read-only; unit users read their own unit's entries (第十条)."""
import json

from flask import request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from models import AuditLog

from .base import ScopedModelView
from .labels import labels


def _changes(_view, _context, model, _name):
    if not model.changes:
        return ""
    rows = Markup("").join(
        Markup("<div><code>{}</code>: {} → {}</div>").format(
            field, json.dumps(pair[0], ensure_ascii=False) if isinstance(pair, list) else "",
            json.dumps(pair[1], ensure_ascii=False) if isinstance(pair, list) else "")
        for field, pair in list(model.changes.items())[:12])
    return rows


class AuditView(ScopedModelView):
    column_list = ["at", "user", "username", "ip", "action", "object_type", "object_label", "changes", "note"]
    column_labels = labels(username=_l("Login name"))
    column_filters = ["action", "object_type", "at", "username", "ip"]
    column_searchable_list = ["object_label", "username"]
    column_sortable_list = ["at", "action"]
    column_default_sort = ("id", True)
    column_formatters = {"changes": _changes}
    column_formatters_detail = {"changes": _changes}
    column_formatters_export = {"changes": lambda v, c, m, n: json.dumps(m.changes, ensure_ascii=False)
                                if m.changes else ""}
    # An exact count over a million rows on every page is not needed (see docs/benchmarks.md).
    simple_list_pager = True
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
            try:
                query = query.filter(AuditLog.object_type == kind, AuditLog.object_id == int(ident))
            except ValueError:
                query = query.filter(AuditLog.id.is_(None))
        return query

    def get_count_query(self):
        return super().get_count_query()

    def history_url(self, model):
        return None
