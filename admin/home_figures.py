"""The home page's figures (admin/dashboard.py) from four SQL statements (issue 18: at most five): the accounts'
summary, the reviewed records' summary with the 12-month charts, and the cards' first rows (the fourth is the work
calendar's years, services.workdays). Every statement is scoped by models.policy.scope; nothing is cached."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext

from models import (OPEN_INCIDENT_STATES, Account, AccountStatus, ChangeRecord, Incident, MonthlyReport, Platform,
                    ReviewStatus, Unit, UnitKind, Violation, db, policy)
from services import charts, reports, staff

ACCOUNT_TO_SUBMIT = (AccountStatus.draft, AccountStatus.returned)
RECORD_TO_SUBMIT = (ReviewStatus.draft, ReviewStatus.returned)
RECORD_OPEN = (ReviewStatus.draft, ReviewStatus.unit_review, ReviewStatus.dept_review, ReviewStatus.returned)


def account_figures(user, today: dt.date, period: dt.date) -> list[tuple]:
    """(status, platform, kind of unit, count, overdue, not reported, team needs a change, dormant) per group
    of the user's accounts: one statement for every count of accounts on the page."""
    dormant = reports.dormant_rule(user, today)
    count = sa.func.count
    query = (sa.select(Account.status, Account.platform, Unit.kind, count(),
                       count().filter(Account.status.in_(ACCOUNT_TO_SUBMIT), Account.registration_due < today),
                       count().filter(reports.not_reported(period)),
                       count().filter(Account.id.in_(staff.accounts_needing_staff_change())),
                       count().filter(dormant.condition))
             .select_from(Account).join(Unit, Account.unit_id == Unit.id)
             .outerjoin(dormant.figures, dormant.figures.c.account_id == Account.id)
             .group_by(Account.status, Account.platform, Unit.kind))
    return db.session.execute(policy.scope(user, Account, query)).all()


def record_figures(user, today: dt.date, months: list[dt.date], unit_role: bool) -> list[tuple]:
    """(part, key, a, b, c) rows of one UNION ALL: change requests by status (count, overdue), open monthly
    reports by status (count, 涉密), open violations (units), and per month of the charts (posts, reports,
    on time)."""
    def as_text(column):
        return sa.cast(column, sa.String)

    count, zero = sa.func.count, sa.literal(0)
    parts = [
        policy.scope(user, ChangeRecord, sa.select(
            sa.literal("change"), as_text(ChangeRecord.status), count(),
            count().filter(ChangeRecord.status.in_(RECORD_TO_SUBMIT), ChangeRecord.due_on < today), zero)
            .where(ChangeRecord.status.in_(RECORD_OPEN)).group_by(ChangeRecord.status)),
        policy.scope(user, MonthlyReport, sa.select(
            sa.literal("report"), as_text(MonthlyReport.status), count(),
            count().filter(MonthlyReport.involves_classified.is_(True)), zero)
            .where(MonthlyReport.status.in_(RECORD_OPEN)).group_by(MonthlyReport.status)),
        policy.scope(user, MonthlyReport, sa.select(
            sa.literal("month"), as_text(MonthlyReport.period),
            sa.func.coalesce(sa.func.sum(MonthlyReport.post_count), 0),
            count(), count().filter(MonthlyReport.is_late.is_(False)))
            .where(MonthlyReport.period.between(months[0], months[-1]), MonthlyReport.submitted_at.is_not(None))
            .group_by(MonthlyReport.period)),
    ]
    parts.append(policy.scope(user, Incident, sa.select(  # 第十四条: incidents neither handled nor escalated
        sa.literal("incident"), sa.literal(""), count(), zero, zero).where(Incident.status.in_(OPEN_INCIDENT_STATES))))
    if unit_role:
        parts.append(policy.scope(user, Violation, sa.select(
            sa.literal("violation"), sa.literal(""), count(), zero, zero).where(Violation.resolved_on.is_(None))))
    return db.session.execute(sa.union_all(*parts)).all()


ROW_COLUMNS = ("key", "id", "name", "unit", "day", "code", "extra", "flag")


def row(key: str, order, id_, name, unit, day=None, code=None, extra=None, flag=None):
    """One card row, in the columns every part of :func:`first_rows` shares, and the card's sort columns
    (``order``, as ``sort_<n>``: a UNION ALL keeps no order of its own, the rows are numbered by them)."""
    return (sa.literal(key).label("key"), id_.label("id"), name.label("name"), unit.label("unit"),
            (sa.cast(sa.null(), sa.Date) if day is None else day).label("day"),
            sa.cast(sa.null() if code is None else code, sa.String).label("code"),
            sa.cast(sa.null() if extra is None else extra, sa.String).label("extra"),
            (sa.literal(0) if flag is None else flag).label("flag"),
            *(column.label(f"sort_{n}") for n, column in enumerate(order)))


def first_rows(user, parts: list) -> dict[str, list]:
    """The first rows of every card, in one UNION ALL of ``parts`` (each a (key, select) sorted and limited);
    each part's few rows are numbered by its sort columns after the limit (no window over every match)."""
    if not parts:
        return {}
    selects = []
    for key, part in parts:
        first = part.subquery(key)
        order = [column for column in first.c if column.name.startswith("sort_")]
        selects.append(sa.select(*(first.c[name] for name in ROW_COLUMNS),
                                 sa.func.row_number().over(order_by=order).label("position")))
    rows: dict[str, list] = {}
    for row in db.session.execute(sa.union_all(*selects)):
        rows.setdefault(row.key, []).append(row)
    return {key: sorted(found, key=lambda row: row.position) for key, found in rows.items()}


class Figures:
    """The counts of the two summary statements, by what the page asks."""

    def __init__(self, account_rows, record_rows):
        self.accounts = account_rows
        self.by_status: dict[AccountStatus, int] = {}
        for status, _platform, _kind, n, *_rest in account_rows:
            self.by_status[status] = self.by_status.get(status, 0) + n
        self.overdue_accounts = sum(row[4] for row in account_rows)
        self.not_reported = sum(row[5] for row in account_rows)
        self.staff = sum(row[6] for row in account_rows)
        self.dormant = sum(row[7] for row in account_rows)
        self.changes: dict[str, int] = {}
        self.reports: dict[str, int] = {}
        self.overdue_changes = self.red_flags = self.open_violations = self.open_incidents = 0
        self.months: dict[str, tuple] = {}
        for part, key, a, b, c in record_rows:
            if part == "change":
                self.changes[key] = a
                self.overdue_changes += b
            elif part == "report":
                self.reports[key] = a
                self.red_flags += b
            elif part == "month":
                self.months[str(key)[:7]] = (a, b, c)
            elif part == "violation":
                self.open_violations = a
            elif part == "incident":
                self.open_incidents = a

    def approved_by_platform(self):
        counts: dict = {}
        for status, platform, _kind, n, *_rest in self.accounts:
            if status == AccountStatus.approved:
                counts[platform] = counts.get(platform, 0) + n
        return [(p, counts[p]) for p in Platform if counts.get(p)]

    def approved_by_unit_kind(self):
        counts: dict = {}
        for status, _platform, kind, n, *_rest in self.accounts:
            if status == AccountStatus.approved:
                counts[kind] = counts.get(kind, 0) + n
        return [(k, counts[k]) for k in UnitKind if counts.get(k)]

    def records(self, table: dict, states) -> int:
        return sum(table.get(state.name, 0) for state in states)

    def charts(self, months: list[dt.date]) -> dict:
        labels = [m.strftime("%Y-%m") for m in months]
        figures = [self.months.get(label, (0, 0, 0)) for label in labels]
        posts = [float(posts) for posts, _count, _on_time in figures]
        rate = [(100.0 * on_time / count) if count else None for _posts, count, on_time in figures]
        return {"posts": charts.bar_chart(labels, posts, gettext("Posts per month")),
                "on_time": charts.line_chart(labels, rate, gettext("Monthly reports on time"))}
