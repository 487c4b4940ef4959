"""痕迹管理 — the audit log, read-only; unit users read their own unit's entries (第十条)."""
import datetime as dt
import functools
import json
import re

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_admin.contrib.sqla import tools
from flask_login import current_user
from markupsafe import Markup

from models import Account, AuditAction, AuditLog, Manager, Unit, User, db, policy
from models.base import SQLITE_SEARCH_TABLE, YES_NO, to_id
from services import settings
from services.text import date_text, datetime_text, platform_text

from .eager import joinedload
from .base import ScopedModelView
from .calendar import source_text
from .counting import table_estimate
from .labels import LABELS, labels

#: What each kind of record is called in the interface.
OBJECT_TYPES = {
    "Account": _l("Account"), "TeamMember": _l("Management team"), "Manager": _l("Manager"),
    "ChangeRecord": _l("Change request"), "MonthlyReport": _l("Monthly report"), "Violation": _l("Violation"),
    "Assessment": _l("Annual assessment"), "Unit": _l("Unit"), "User": _l("User"),
    "WorkCalendar": _l("Work calendar"), "Attachment": _l("Attachment"), "Setting": _l("System settings"),
    "ReminderLog": _l("Reminder e-mail"), "Incident": _l("Incident"), "Publication": _l("Publication request"),
    "UnitResponsibility": _l("New-media responsible persons"), "UnitRules": _l("New-media management rules"),
}


@functools.cache
def _enum_columns() -> dict:
    """Field name → the enums stored under that name, so that a logged code shows as its label
    (unit_review → 待单位审核); a name used by two enums (role) is looked up in both."""
    found: dict = {}
    for mapper in db.Model.registry.mappers:
        for column in mapper.columns:
            enum_cls = getattr(column.type, "enum_class", None)
            if enum_cls is not None and enum_cls not in found.setdefault(column.key, []):
                found[column.key].append(enum_cls)
    return found


#: The column that names a row of each table a logged id may point to (unit_id → the unit's name).
NAME_COLUMNS = {"units": Unit.name, "accounts": Account.name, "managers": Manager.name, "users": User.display_name}


@functools.cache
def _reference_tables() -> dict:
    """(kind of record, field) → the table its logged id points to, for the named tables above; and
    (None, field) for a field of that name in any record."""
    found: dict = {}
    for mapper in db.Model.registry.mappers:
        for column in mapper.columns:
            for key in column.foreign_keys:
                table = key.column.table.name
                if table in NAME_COLUMNS:
                    found[(mapper.class_.__name__, column.key)] = table
                    found.setdefault((None, column.key), table)
    return found


def _reference_table(field: str, object_type: str | None) -> str | None:
    tables = _reference_tables()
    return tables.get((object_type, field)) or tables.get((None, field))


def remember_names(entries) -> None:
    """Look up, in one query, the names of every row the changes of ``entries`` (a page of the log) point
    to; the formatters then show them (never one query per cell)."""
    memo = g.setdefault("audit_names", {})
    wanted: dict = {}
    for entry in entries:
        for field, pair in (entry.changes or {}).items():
            table = _reference_table(field, entry.object_type) if isinstance(pair, list) else None
            if table is None:
                continue
            for value in pair:
                if isinstance(value, int) and not isinstance(value, bool) and (table, value) not in memo:
                    wanted.setdefault(table, set()).add(value)
    if not wanted:
        return
    # Only names the reader may see: another unit's rows stay numbers for a unit user.
    selects = [policy.scope_names(current_user, column.class_, sa.select(
                   sa.literal(table).label("kind"), column.class_.id.label("id"), column.label("name"))
               .where(column.class_.id.in_(sorted(ids))))
               for table, ids in wanted.items() for column in (NAME_COLUMNS[table],)]
    query = selects[0] if len(selects) == 1 else sa.union_all(*selects)
    for table, ident, name in db.session.execute(query):
        memo[(table, ident)] = name
    for table, ids in wanted.items():
        for ident in ids:
            memo.setdefault((table, ident), None)  # deleted since: the number is all there is


#: An ISO date or time as services/audit.py stores it (2026-12-01, 2026-12-01T15:50:40.992026).
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?$")


def _time_text(value: str) -> str | None:
    """A logged date as 2026年12月1日, a logged time (UTC) as 2026年12月1日 23:50 in the configured zone."""
    if not ISO_TIME.match(value):
        return None
    try:
        if len(value) == 10:
            return date_text(dt.date.fromisoformat(value))
        return datetime_text(dt.datetime.fromisoformat(value))
    except ValueError:
        return None


#: What "name" means in each kind of record (views label it per screen).
NAME_LABELS = {"Account": _l("Account name"), "Unit": _l("Unit name"), "WorkCalendar": _l("Holiday"),
               "Manager": _l("Name"), "User": _l("Full name")}


def _field_label(field: str, object_type: str | None = None) -> str:
    if object_type == "Setting" and field in settings.BY_KEY:
        return settings.full_label(field)
    if field == "name":
        return str(NAME_LABELS.get(object_type, _l("Name")))
    if field in LABELS:
        return str(LABELS[field])
    if field.endswith("_id") and field[:-3] in LABELS:
        if _reference_table(field, object_type) is not None:
            return str(LABELS[field[:-3]])  # shown by name
        return gettext("%(field)s (no.)", field=LABELS[field[:-3]])
    return field


def _value(value, field: str = "") -> str:
    """A logged value as the user reads it: labels instead of codes, 是/否, — for nothing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(YES_NO[value])
    if isinstance(value, dict):
        return "，".join(f"{_field_label(key)}：{_value(item, key)}" for key, item in value.items())
    if isinstance(value, list):
        return "；".join(_value(item, field) for item in value)
    if isinstance(value, str):
        if field == "snapshot_platform":
            return platform_text(value)
        if field == "source":
            return source_text(value)
        for enum_cls in _enum_columns().get(field, ()):
            if value in enum_cls.__members__:
                return str(enum_cls[value].label)
        time = _time_text(value)
        if time is not None:
            return time
    return str(value)


def _cell(value, field: str, object_type: str | None) -> Markup:
    """One logged value; a row's id shows as the row's name, the number kept in the title."""
    table = _reference_table(field, object_type)
    if table is not None and isinstance(value, int) and not isinstance(value, bool):
        name = g.get("audit_names", {}).get((table, value))
        if name:
            return Markup('<span title="{}">{}</span>').format(f"{field} = {value}", name)
        return Markup('<span title="{}">{}</span>').format(f"{field} = {value}", gettext("No. %(id)s", id=value))
    return Markup("{}").format(_value(value, field))


def _changes(_view, _context, model, _name, limit=5):
    if not model.changes:
        return ""
    items = [(field, pair) for field, pair in model.changes.items() if isinstance(pair, list) and len(pair) == 2]
    remember_names([model])  # a details page; on a list, render_rows looked up the whole page at once: no query
    rows = Markup("").join(
        Markup("<div><span class=\"text-muted\">{}</span>：{} → {}</div>").format(
            _field_label(field, model.object_type), _cell(pair[0], field, model.object_type),
            _cell(pair[1], field, model.object_type))
        for field, pair in (items[:limit] if limit else items))
    if limit and len(items) > limit:
        rows += Markup("<div class=\"text-muted\">…</div>")
    return rows


def _object_type(_view, _context, model, _name):
    return str(OBJECT_TYPES.get(model.object_type, model.object_type or ""))


EXPORT_NOTE = re.compile(r"^(?P<list>[a-z_]+(?: [a-z]+)?) (?:(?P<fmt>csv|xlsx) (?P<query>.*)|(?P<month>\d{4}-\d{2}) \((?P<fmt2>csv|xlsx)\))$")
#: Exports whose note names no admin list (admin/reports.py).
EXPORT_LISTS = {"missing reports": _l("Missing and late monthly reports"), "monthly summary": _l("Monthly summary")}


#: The importer's notes (services/importer.py), written for the record in English, shown translated.
IMPORT_NOTE = re.compile(r"^Excel import(?:: (?P<units>\d+) units, (?P<managers>\d+) managers, (?P<accounts>\d+) accounts)?$")
#: A reminder's note (services/reminders.py): the month whose reports it asked for, and the address.
REMIND_NOTE = re.compile(r"^remind (?P<month>\d{4}-\d{2}) (?P<email>\S+)$")
#: A group notice's note (services/reminders.py notify_units): the platform, sent or failed and why.
NOTIFY_NOTE = re.compile(r"^notify (?P<platform>wecom|dingtalk) (?:(?P<ok>ok)|failed after \d+ tries: (?P<reason>.*))$")
PLATFORMS = {"wecom": _l("WeCom"), "dingtalk": _l("DingTalk")}
#: The notice of an urgent 发布报批 (services/publications.py notify_urgent): the e-mail to an approver, sent or not.
URGENT_MAIL_NOTE = re.compile(r"^notify mail (?P<email>\S+) (?P<state>ok|failed)$")


def _note(_view, _context, model, _name):
    """An export's or import's note is written for the record (list, format, filters, counts); shown as a
    sentence in the user's language."""
    note = model.note or ""
    imported = IMPORT_NOTE.match(note)
    if imported is not None:
        if imported["units"] is None:
            return gettext("Excel import")
        return gettext("Excel import: %(units)s units, %(managers)s managers, %(accounts)s accounts",
                       units=imported["units"], managers=imported["managers"], accounts=imported["accounts"])
    reminded = REMIND_NOTE.match(note) if model.object_type == "ReminderLog" else None
    if reminded is not None:
        return gettext("Reminder of what is due (monthly reports of %(month)s) e-mailed to %(email)s",
                       month=reminded["month"], email=reminded["email"])
    notified = NOTIFY_NOTE.match(note) if model.object_type == "GroupNotice" else None
    if notified is not None:
        platform = PLATFORMS[notified["platform"]]
        if notified["ok"]:
            return gettext("Group notice to the unit's %(platform)s group: sent", platform=platform)
        return gettext("Group notice to the unit's %(platform)s group: failed (%(reason)s)", platform=platform,
                       reason=notified["reason"])
    if model.object_type == "Publication":  # the notices of an urgent 发布报批 (第十二条)
        mailed = URGENT_MAIL_NOTE.match(note)
        if mailed is not None:
            if mailed["state"] == "ok":
                return gettext("Urgent publication request: notice e-mailed to %(email)s", email=mailed["email"])
            return gettext("Urgent publication request: the notice e-mail to %(email)s failed", email=mailed["email"])
        notified = NOTIFY_NOTE.match(note)
        if notified is not None:
            platform = PLATFORMS[notified["platform"]]
            if notified["ok"]:
                return gettext("Urgent publication request: group notice to the department's %(platform)s group "
                               "sent", platform=platform)
            return gettext("Urgent publication request: group notice to the department's %(platform)s group "
                           "failed (%(reason)s)", platform=platform, reason=notified["reason"])
    match = EXPORT_NOTE.match(note) if model.action == AuditAction.export else None
    if match is None:
        return note
    name = EXPORT_LISTS.get(match["list"])
    if name is None:
        views = [v for admin in current_app.extensions.get("admin", []) for v in admin._views]
        name = next((v.name for v in views if getattr(v, "endpoint", None) == match["list"]), match["list"])
    fmt = "Excel" if (match["fmt"] or match["fmt2"]) == "xlsx" else "CSV"
    text = gettext("Exported %(list)s (%(format)s)", list=name, format=fmt)
    if match["month"]:
        text += " · " + match["month"]
    elif match["query"]:
        text += " · " + gettext("with filters or search")
    return text


def _changes_json(changes) -> str:
    return json.dumps(changes, ensure_ascii=False) if changes else ""


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
    column_formatters = {"changes": _changes, "object_type": _object_type, "user": _user, "note": _note}
    column_formatters_detail = {"changes": lambda v, c, m, n: _changes(v, c, m, n, limit=0),
                                "object_type": _object_type, "user": _user, "note": _note}
    # The export names who acted by the login name stored in the entry (a column: the export then streams
    # plain columns, CSV and .xlsx alike, with flat memory — issue 16, finding 4).
    column_export_list = ["at", "username", "ip", "action", "object_type", "object_label", "changes", "note"]
    column_formatters_export = {"changes": lambda v, c, m, n: _changes_json(m.changes),
                                "object_type": _object_type}
    export_value_formatters = {"changes": lambda value: _changes_json(value),
                               "object_type": lambda value: str(OBJECT_TYPES.get(value, value or ""))}
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

    def render_rows(self, data, list_columns, list_row_actions, actions, return_url, delete_form):
        remember_names(data)  # the names of the whole page in one query, before any cell asks
        return super().render_rows(data, list_columns, list_row_actions, actions, return_url, delete_form)

    def get_query(self):
        query = super().get_query().options(joinedload(AuditLog.user))
        obj = request.args.get("object", "")
        if ":" in obj:
            # One record (Kind:id), or a few read as one history (an incident and the violation it became:
            # Incident:3,Violation:7); each entry is listed once.
            wanted = []
            for part in obj.split(",")[:5]:
                kind, _, ident = part.partition(":")
                object_id = to_id(ident)
                if object_id is None:
                    return query.filter(sa.false())
                wanted.append(sa.and_(AuditLog.object_type == kind, AuditLog.object_id == object_id))
            query = query.filter(sa.or_(*wanted))
        return query

    #: A unit user's search words are looked up first only in a log larger than this (PostgreSQL's estimate):
    #: PostgreSQL's floor for an ``ILIKE '%…%'`` is 0.01 % of the table, and below a few million entries (a few
    #: hundred rows) it reads the matches first by itself (a million entries: 3.7 ms), so a look-up would only
    #: repeat that work.
    search_lookup_above = 3_000_000
    #: A unit user's search word of at least this many characters (an account's name, not a surname or a word every
    #: entry of the unit has) is looked up first (:meth:`_search_by_ids_first`) ...
    search_lookup_min_length = 5
    #: ... and, matching at most this many entries of the whole log, passed to the list's query as their ids (an
    #: account has ~330 entries in ten years at province scale). A word with more pays its look-up for nothing:
    #: up to ~400 ms at 10 million entries (a unit's name, 46,000 matches); the look-up is bounded, where a
    #: fence of all the matches in one statement would read every one of them.
    search_ids_inline = 1000
    #: At most this many words of a search are looked up so (the longest first): a common word's look-up reads
    #: its first ``search_ids_inline`` matches for nothing.
    search_lookups_max = 2

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """On SQLite, words of three characters or more are looked up in the FTS5 trigram index of
        ``object_label`` and ``username`` (a million rows: a scan takes ~100 ms); PostgreSQL's trigram
        indexes serve the ordinary ILIKE search."""
        if db.engine.dialect.name != "sqlite":
            if policy.sees_all_units(current_user) or \
                    (table_estimate(AuditLog.__tablename__) or 0) <= self.search_lookup_above:
                return super()._apply_search(query, count_query, joins, count_joins, search)
            return self._search_by_ids_first(query, count_query, joins, count_joins, search)
        short = []
        for n, term in enumerate(self.search_words(search)):
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

    def _search_by_ids_first(self, query, count_query, joins, count_joins, search):
        """A unit user's search on PostgreSQL: a word's matching entries (of any unit) looked up first, in the
        trigram indexes alone, and passed on as ids when they are few; the unit's condition (models.policy) stays
        in the list's query and keeps only the unit's own. Otherwise PostgreSQL estimates a word's matches at
        0.01 % of the log at least (its floor for ``ILIKE '%…%'``: 1,000 entries at 10 million) and ANDs them
        with every index entry of the unit (117,682 for the largest unit at province scale): 45-60 ms where the
        222 matches take 10 (docs/benchmarks.md, "Province scale"). A common word (more than
        ``search_ids_inline`` matches) stays the ILIKE condition, planned as before; its look-up is what the rule
        costs it. So only words of ``search_lookup_min_length`` characters or more are looked up (short words are
        the common ones: a unit's name is in most of its entries' labels), the longest ``search_lookups_max`` of
        them, and none after the first that goes as ids (the other words then filter those few rows)."""
        words = self.search_words(search)
        conditions = {term: sa.or_(*(getattr(AuditLog, name).ilike(tools.parse_like_term(term))
                                     for name in self.column_searchable_list)) for term in words}
        longest = sorted((w for w in words if len(w) >= self.search_lookup_min_length), key=len, reverse=True)
        for term in longest[:self.search_lookups_max]:
            ids = db.session.scalars(sa.select(AuditLog.id).where(conditions[term])
                                     .limit(self.search_ids_inline + 1)).all()
            if len(ids) <= self.search_ids_inline:
                conditions[term] = AuditLog.id.in_(ids)
                break
        for condition in conditions.values():
            query = query.filter(condition)
            if count_query is not None:
                count_query = count_query.filter(condition)
        return query, count_query, joins, count_joins

    def history_url(self, model):
        return None  # an audit entry is its own history: no link
