"""The 人事处 staff roster kept in step with the 管理人员 and the logins (issue 17, part 2).

The roster is a workbook (.xlsx, first sheet) or a CSV file (UTF-8 or GB18030) with the columns 工号, 姓名,
单位, 人员类别 (在编/非在编/学生), 在岗状态 (在岗/离岗/退休/离职) and optionally 手机, 邮箱 — one row per person.

:func:`check` reads and validates the file and works out, person by person, what would change, writing
nothing (the dry run); :func:`apply` does the same and then makes every change in the current session in
one flush — or none when any row is wrong. The caller (``flask staff sync`` or the department's screen)
commits. Each changed 管理人员 and each deactivated login gets its own audit entry (old → new) through the
audit hook (services/audit.py), and the whole sync one summary entry.

What the roster changes:

- a 管理人员 is matched by 工号 (every manager with that 工号); their 人员状态 follows the roster
  (:func:`status_of`), and their 手机/邮箱 when the roster gives one. Their name is never changed: a name
  that differs after NFKC normalisation and removal of white space is reported as a mismatch; their unit
  is not changed either (a manager serves the unit of their accounts; a different 人事处 unit is reported).
- a login (User) is linked to a person by its ``staff_no``; the login of a person who is 离职 or 退休 is
  deactivated. Logins are never re-activated by the roster, and a login without ``staff_no`` is left alone.
- the verified accounts whose 管理员 are no longer 在岗在编 after the sync are listed (第八条, the rule
  services/accounts.py ``may_serve`` / ``breaks_article_8``); the home page's staff check and the reminder
  read the same 人员状态, so they show them at once.

People of the roster who are not 管理人员 and have no login are only checked, not stored.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import gettext
from openpyxl import load_workbook
from sqlalchemy.orm import joinedload

from models import Account, AccountStatus, EmploymentStatus, Manager, TeamMember, Unit, User, db
from models.audit import AuditAction
from services import accounts, audit, validators
from services.importer import EMAIL, _is_formula, _text
from services.problems import Problem

REQUIRED = ("工号", "姓名", "单位", "人员类别", "在岗状态")
OPTIONAL = ("手机", "邮箱")
CATEGORIES = ("在编", "非在编", "学生")
POSTS = ("在岗", "离岗", "退休", "离职")
GONE = ("退休", "离职")
#: Data rows accepted in one file (the university's whole staff and students fit; larger files are refused).
MAX_ROWS = 60_000
#: Stop checking after this many problems: a wrong file answers quickly.
MAX_PROBLEMS = 1_000
NOTE = "Staff roster sync"


class RowProblem(NamedTuple):
    """A problem of the file: the spreadsheet row (1 = headers; None: the whole file), and the
    :class:`Problem` whose ``field`` is the column header (None: the whole row or file)."""
    row: int | None
    problem: Problem

    @property
    def column(self) -> str | None:
        return self.problem.field or None

    @property
    def message(self) -> str:
        return self.problem.message


class Entry(NamedTuple):
    """One valid row of the roster."""
    row: int
    staff_no: str
    name: str
    unit_id: int
    unit_name: str
    status: EmploymentStatus
    gone: bool
    phone: str | None
    email: str | None


@dataclass
class PersonChange:
    """What the roster changes of one 管理人员: field → (old, new)."""
    row: int
    manager_id: int
    label: str
    changes: dict[str, tuple]


@dataclass
class Mismatch:
    """A difference reported, not changed: the name or the unit of a 管理人员 differs from the roster."""
    row: int
    manager_id: int
    label: str
    column: str
    in_system: str
    in_roster: str


@dataclass
class Alert:
    """第八条: a verified account whose 管理员 is not 在岗在编 after the sync."""
    account_id: int
    account_name: str
    unit_name: str
    manager_label: str


@dataclass
class SyncReport:
    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0
    changes: list[PersonChange] = field(default_factory=list)
    #: Logins to deactivate: (row, user id, "display name (username)").
    deactivations: list[tuple[int, int, str]] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.deactivations)

    def error(self, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(RowProblem(row, Problem(column or "", message)))
        if len(self.problems) >= MAX_PROBLEMS:
            self.problems.append(RowProblem(None, Problem("", gettext(
                "Checking stopped after %(count)s errors; correct them and try again.", count=MAX_PROBLEMS))))
            raise _TooMany


class _TooMany(Exception):
    pass


def normal_name(text: str | None) -> str:
    """A name as compared: NFKC (full-width letters and digits become ordinary ones), no white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def status_of(category: str, post: str) -> EmploymentStatus:
    """The 人员状态 of a roster row: 离职/退休 → 离职; 学生 → 学生; 在编 and 在岗 → 在岗在编; otherwise (非在编,
    or 在编 but 离岗) → 非在编 — not 在岗在编 either way, which is what 第八条 asks."""
    if post in GONE:
        return EmploymentStatus.left
    if category == "学生":
        return EmploymentStatus.student
    if category == "在编" and post == "在岗":
        return EmploymentStatus.staff
    return EmploymentStatus.non_staff


# --- reading ------------------------------------------------------------------------------------------
def _damaged() -> str:
    return gettext("This file is neither an Excel workbook (.xlsx) nor a CSV file, or it is damaged.")


def _rows_of_workbook(data: bytes, report: SyncReport):
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet, headers = workbook.worksheets[0], []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = []
            for index, cell in enumerate(cells):
                if number == 1:
                    headers.append(_text(cell.value))
                elif _is_formula(cell) and index < len(headers) and headers[index] in REQUIRED + OPTIONAL:
                    report.error(number, headers[index], gettext("Formulas are not allowed; type the value itself."))
                values.append(cell.value)
            yield number, values
    finally:
        workbook.close()


def _rows_of_csv(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError("not text")
    if "\x00" in text:
        raise ValueError("binary")
    for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        yield number, values


def _read(data: bytes, report: SyncReport) -> list[tuple[int, dict[str, str]]] | None:
    """The non-empty data rows as {column: text}, or None after a problem that stops the check."""
    is_zip = data[:4] == b"PK\x03\x04"
    try:
        rows = _rows_of_workbook(data, report) if is_zip else _rows_of_csv(data)
        header = next(rows, None)
        if header is None:
            report.error(None, None, _damaged())
            return None
        found = {_text(value): index for index, value in enumerate(header[1])}
        missing = [column for column in REQUIRED if column not in found]
        for column in missing:
            report.error(1, column, gettext("The column “%(column)s” is missing from the first row.",
                                            column=column))
        if missing:
            return None
        columns = [(c, found[c]) for c in REQUIRED + OPTIONAL if c in found]
        result = []
        for number, values in rows:
            cells = {c: _text(values[i]) if i < len(values) else "" for c, i in columns}
            if not any(cells.values()):
                continue
            if len(result) == MAX_ROWS:
                report.error(number, None, gettext("The sheet has more than %(limit)s rows; split the file.",
                                                   limit=MAX_ROWS))
                return None
            result.append((number, cells))
        return None if report.problems else result
    except _TooMany:
        raise
    except Exception:  # zipfile, the XML parser, openpyxl, the decoder or the CSV reader
        report.error(None, None, _damaged())
        return None


# --- checking ---------------------------------------------------------------------------------------------
def _entries(rows, report: SyncReport) -> list[Entry]:
    units = {normal_name(name): (uid, name) for uid, name in db.session.execute(sa.select(Unit.id, Unit.name))}
    seen: dict[str, int] = {}
    entries = []
    for number, cells in rows:
        start = len(report.problems)

        def required(column, limit):
            value = cells[column]
            if not value:
                report.error(number, column, gettext("This field is required."))
            elif len(value) > limit:
                report.error(number, column, gettext("At most %(limit)s characters.", limit=limit))
            return value

        def choice(column, words):
            value = cells[column].replace(" ", "")
            if value and value not in words:
                report.error(number, column, gettext("“%(value)s” is not one of: %(choices)s.",
                                                     value=cells[column], choices="、".join(words)))
            elif not value:
                report.error(number, column, gettext("This field is required."))
            return value

        staff_no = required("工号", 30)
        name = required("姓名", 50)
        unit_name = required("单位", 100)
        unit = units.get(normal_name(unit_name)) if unit_name else None
        if unit_name and unit is None:
            report.error(number, "单位", gettext("Unknown unit “%(name)s”: no unit of this name is in the system.",
                                                 name=unit_name))
        category, post = choice("人员类别", CATEGORIES), choice("在岗状态", POSTS)
        phone, email = cells.get("手机") or None, cells.get("邮箱") or None
        if phone and not re.match(validators.PHONE_PATTERN, phone):
            report.error(number, "手机", str(validators.phone.message))
        if email and (len(email) > 120 or not re.match(EMAIL, email)):
            report.error(number, "邮箱", gettext("Enter a valid e-mail address."))
        if staff_no:
            if staff_no in seen:
                report.error(number, "工号", gettext("“%(value)s” also appears in row %(row)s of this sheet.",
                                                     value=staff_no, row=seen[staff_no]))
            else:
                seen[staff_no] = number
        if len(report.problems) == start:
            entries.append(Entry(number, staff_no, name, unit[0], unit[1], status_of(category, post),
                                 post in GONE, phone, email))
    return entries


def _select_in(statement, column, values) -> list:
    values, rows = sorted(values), []
    for start in range(0, len(values), 500):
        rows += db.session.scalars(statement.where(column.in_(values[start:start + 500]))).all()
    return rows


def _plan(entries: list[Entry], report: SyncReport) -> tuple[dict[int, dict], list[int]]:
    """What changes: {manager id: {attribute: new value}} and the ids of the logins to deactivate."""
    by_no = {e.staff_no: e for e in entries}
    managers = _select_in(sa.select(Manager).options(joinedload(Manager.unit)), Manager.staff_no, by_no)
    updates: dict[int, dict] = {}
    for manager in sorted(managers, key=lambda m: (by_no[m.staff_no].row, m.id)):
        entry = by_no[manager.staff_no]
        label = str(manager)
        if normal_name(manager.name) != normal_name(entry.name):
            report.mismatches.append(Mismatch(entry.row, manager.id, label, "姓名", manager.name, entry.name))
        if manager.unit_id != entry.unit_id:
            report.mismatches.append(Mismatch(entry.row, manager.id, label, "单位", manager.unit.name,
                                              entry.unit_name))
        new = {"employment_status": entry.status}
        if entry.phone:
            new["phone"] = entry.phone
        if entry.email:
            new["email"] = entry.email
        diff = {key: (getattr(manager, key), value) for key, value in new.items() if getattr(manager, key) != value}
        if diff:
            updates[manager.id] = {key: value for key, (_old, value) in diff.items()}
            report.changes.append(PersonChange(entry.row, manager.id, label, diff))
    gone = {e.staff_no: e for e in entries if e.gone}
    logins = _select_in(sa.select(User).where(User.active.is_(True)), User.staff_no, gone)
    for user in sorted(logins, key=lambda u: gone[u.staff_no].row):
        report.deactivations.append((gone[user.staff_no].row, user.id, str(user)))
    return updates, [user.id for user in logins]


def _alerts(updates: dict[int, dict]) -> list[Alert]:
    """The verified, open accounts with a 管理员 this sync leaves not 在岗在编 (第八条, ``may_serve``)."""
    if not updates:
        return []
    members = _select_in(
        sa.select(TeamMember).join(Account).options(joinedload(TeamMember.account).joinedload(Account.unit),
                                                    joinedload(TeamMember.manager))
        .where(Account.verified.is_(True), Account.status != AccountStatus.closed), TeamMember.manager_id, updates)
    alerts = []
    for member in sorted(members, key=lambda m: (m.account.name, m.id)):
        status = updates[member.manager_id].get("employment_status", member.manager.employment_status)
        if not accounts.may_serve(member.account.verified, member.role, SimpleNamespace(employment_status=status)):
            alerts.append(Alert(member.account.id, member.account.name, member.account.unit.name, str(member.manager)))
    return alerts


def _read_records(records, report: SyncReport) -> list[tuple[int, dict[str, str]]] | None:
    """The roster given as records (the HR system's JSON, services/roster_pull.py): a list of objects whose keys
    are the file's column headers. Record N is reported as "row N"; the rows then go through the same checks as
    a file's."""
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        report.error(None, None, gettext("The roster must be a list of records (one object per person)."))
        return None
    if records:
        present = set().union(*(record.keys() for record in records))
        missing = [column for column in REQUIRED if column not in present]
        for column in missing:
            report.error(None, column, gettext("No record has the field “%(column)s”.", column=column))
        if missing:
            return None
    if len(records) > MAX_ROWS:
        report.error(None, None, gettext("The roster has more than %(limit)s rows; split the file.", limit=MAX_ROWS))
        return None
    result = []
    for number, record in enumerate(records, start=1):
        cells = {}
        for column in REQUIRED + OPTIONAL:
            value = record.get(column)
            if isinstance(value, (dict, list)):
                report.error(number, column, gettext("Enter a text or a number here."))
                value = None
            cells[column] = _text(value)
        if any(cells.values()):
            result.append((number, cells))
    return None if report.problems else result


def _check(read) -> tuple[SyncReport, dict[int, dict], list[int]]:
    """``read(report)`` gives the rows ({column: text}) or None after a problem: one rule path for the file
    and the HR system's records."""
    report = SyncReport()
    try:
        rows = read(report)
        if rows is None:
            return report, {}, []
        report.rows = len(rows)
        with db.session.no_autoflush:
            entries = _entries(rows, report)
            if not report.ok:
                return report, {}, []
            updates, logins = _plan(entries, report)
            report.alerts = _alerts(updates)
    except _TooMany:
        return report, {}, []
    return report, updates, logins


# --- public API --------------------------------------------------------------------------------------------
def check(data: bytes) -> SyncReport:
    """The dry run: read and check the roster ``data``, list what would change; write nothing, never raise."""
    return _check(lambda report: _read(data, report))[0]


def check_records(records) -> SyncReport:
    """:func:`check` for the roster as records (a list of {column header: value}, the HR system's JSON)."""
    return _check(lambda report: _read_records(records, report))[0]


def apply(data: bytes, actor=None) -> SyncReport:
    """Check, then make every change in the current session (one flush), audited; nothing when any row is
    wrong. ``actor``: the user who syncs (None: the CLI). The caller commits."""
    return _apply(_check(lambda report: _read(data, report)), actor)


def apply_records(records, actor=None, source: str = "") -> SyncReport:
    """:func:`apply` for the roster as records (see :func:`check_records`); ``source`` ends the audit note."""
    return _apply(_check(lambda report: _read_records(records, report)), actor, source)


def _apply(checked, actor, source: str = "") -> SyncReport:
    report, updates, logins = checked
    if not report.ok or not report.changed:
        return report
    with db.session.no_autoflush:
        for manager in _select_in(sa.select(Manager), Manager.id, updates):
            for key, value in updates[manager.id].items():
                setattr(manager, key, value)
            audit.label(manager, AuditAction.update, note=NOTE, actor=actor)
        for user in _select_in(sa.select(User), User.id, logins):
            user.active = False
            audit.label(user, AuditAction.update, note=NOTE, actor=actor)
    try:
        db.session.flush()
    except (sa.exc.IntegrityError, sa.orm.exc.StaleDataError):  # someone edited a person meanwhile
        db.session.rollback()
        report.error(None, None, gettext("The register changed during the sync; nothing was changed. "
                                         "Please try again."))
        return report
    audit.record(AuditAction.import_, user=actor, note=f"{NOTE}: {report.rows} rows, {len(report.changes)} "
                 f"managers changed, {len(report.deactivations)} logins deactivated, "
                 f"{len(report.alerts)} Article 8 alerts{source}")
    report.applied = True
    return report


def describe(report: SyncReport) -> list[str]:
    """The report as lines an office worker reads (the CLI prints them; the screen shows the same data)."""
    lines = []
    for problem in report.problems:
        where = []
        if problem.row is not None:
            where.append(gettext("row %(row)s", row=problem.row))
        if problem.column:
            where.append(gettext("column “%(column)s”", column=problem.column))
        lines.append(("，".join(where) + "：" if where else "") + problem.message)
    for change in report.changes:
        parts = [gettext("%(field)s %(old)s → %(new)s", field=_field_label(key), old=_value(old), new=_value(new))
                 for key, (old, new) in change.changes.items()]
        lines.append(gettext("row %(row)s", row=change.row) + "，" + change.label + "：" + "；".join(parts))
    for row, _user_id, label in report.deactivations:
        lines.append(gettext("row %(row)s", row=row) + "，" + gettext("login %(user)s: deactivated (left or retired).",
                                                                      user=label))
    for mismatch in report.mismatches:
        lines.append(gettext("row %(row)s", row=mismatch.row) + "，" + mismatch.label + "：" + gettext(
            "%(column)s differs: “%(system)s” in the system, “%(roster)s” in the roster (not changed).",
            column=mismatch.column, system=mismatch.in_system, roster=mismatch.in_roster))
    for alert in report.alerts:
        lines.append(gettext("Article 8: the verified account “%(account)s” (%(unit)s) has the administrator "
                             "%(manager)s, who is not on-staff (在岗在编).", account=alert.account_name,
                             unit=alert.unit_name, manager=alert.manager_label))
    return lines


def _field_label(key: str) -> str:
    return {"employment_status": gettext("Employment status"), "phone": gettext("Contact phone"),
            "email": gettext("E-mail")}.get(key, key)


def _value(value) -> str:
    if isinstance(value, EmploymentStatus):
        return str(value.label)
    return "—" if value in (None, "") else str(value)
