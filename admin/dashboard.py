"""Home page (第十四条, daily oversight): counts, 12-month charts and the to-do lists of the user's scope."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from models import (
    Account,
    AccountStatus,
    ChangeRecord,
    MonthlyReport,
    Platform,
    ReviewStatus,
    Role,
    Unit,
    UnitKind,
    db,
    policy,
)
from services import charts, reports, workdays
from services.staff import staff_problems
from services.text import date_text, month_text

#: What is waiting for each role.
PENDING_ACCOUNT = {
    Role.unit_editor: (AccountStatus.draft, AccountStatus.returned),
    Role.unit_leader: (AccountStatus.unit_review,),
    Role.dept_admin: (AccountStatus.dept_review,),
    Role.auditor: (AccountStatus.dept_review,),
}
PENDING_REVIEW = {
    Role.unit_editor: (ReviewStatus.draft, ReviewStatus.returned),
    Role.unit_leader: (ReviewStatus.unit_review,),
    Role.dept_admin: (ReviewStatus.dept_review,),
    Role.auditor: (ReviewStatus.dept_review,),
}
TODO_LIMIT = 20


def _scoped(user, model, query):
    return policy.scope(user, model, query)


def _count_by(user, column, model=Account, *criteria) -> dict:
    query = db.session.query(column, sa.func.count()).select_from(model).filter(*criteria).group_by(column)
    return dict(_scoped(user, model, query).all())


def home_context(user, today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    period = reports.reporting_period(today)
    by_status = _count_by(user, Account.status)
    by_platform = _count_by(user, Account.platform, Account, Account.status == AccountStatus.approved)
    kind_query = db.session.query(Unit.kind, sa.func.count()).select_from(Account).join(Unit).filter(
        Account.status == AccountStatus.approved).group_by(Unit.kind)
    by_unit_kind = dict(_scoped(user, Account, kind_query).all())
    return {
        "today": today,
        "by_status": [(s, by_status.get(s, 0)) for s in AccountStatus],
        "by_platform": [(p, by_platform[p]) for p in Platform if by_platform.get(p)],
        "by_unit_kind": [(k, by_unit_kind[k]) for k in UnitKind if by_unit_kind.get(k)],
        "charts": _charts(user, today),
        "todo": _todo(user, today, period),
        "period": period,
        "schedule_needed": _schedule_needed(user, today),
    }


def _schedule_needed(user, today: dt.date) -> dict | None:
    """For the department, from November (CALENDAR_WARN_FROM_MONTH): next year's 调休 schedule, if missing,
    must be entered (deadlines in that year are counted Monday to Friday until then)."""
    if policy.role_of(user) != Role.dept_admin:
        return None
    year = workdays.missing_next_year(today)
    if year is None:
        return None
    return {"year": year, "url": url_for("calendar.batch_view"),
            "text": gettext("Enter the holiday and make-up working day schedule of %(year)s: until it is entered, "
                            "deadlines in %(year)s are counted Monday to Friday and are provisional.", year=year)}


def _charts(user, today: dt.date) -> dict:
    last = reports.reporting_period(today)
    months = [reports.add_months(last, -i) for i in range(11, -1, -1)]
    query = db.session.query(
        MonthlyReport.period, sa.func.coalesce(sa.func.sum(MonthlyReport.post_count), 0), sa.func.count(),
        sa.func.count().filter(MonthlyReport.is_late.is_(False))
    ).filter(MonthlyReport.period.between(months[0], months[-1]), MonthlyReport.submitted_at.is_not(None)) \
        .group_by(MonthlyReport.period)
    rows = {period: (posts, count, on_time) for period, posts, count, on_time in
            _scoped(user, MonthlyReport, query).all()}
    labels = [m.strftime("%Y-%m") for m in months]
    posts = [float(rows.get(m, (0, 0, 0))[0]) for m in months]
    rate = [(100.0 * rows[m][2] / rows[m][1]) if m in rows and rows[m][1] else None for m in months]
    return {
        "posts": charts.bar_chart(labels, posts, gettext("Posts per month")),
        "on_time": charts.line_chart(labels, rate, gettext("Monthly reports on time")),
    }


def _todo(user, today: dt.date, period: dt.date) -> list[dict]:
    lists = []
    years = workdays.scheduled_years()

    def due(day) -> str:
        note = gettext("due %(day)s", day=date_text(day))
        return f"{note}{workdays.provisional_note()}" if workdays.is_provisional(day, years) else note

    def add(key, title, rows, url, render):
        lists.append({"key": key, "title": title, "rows": rows[:TODO_LIMIT], "more": len(rows) > TODO_LIMIT,
                      "url": url, "render": render})

    pending_accounts = _scoped(user, Account, db.session.query(Account).options(joinedload(Account.unit))) \
        .filter(Account.status.in_(PENDING_ACCOUNT[user.role])).order_by(Account.registration_due).limit(
        TODO_LIMIT + 1).all()
    add("pending_accounts", _l("Registrations waiting for you"), pending_accounts, url_for("accounts.index_view"),
        lambda a: (url_for("accounts.details_view", id=a.id), a.name, a.unit.name, a.status.label))
    pending_changes = _scoped(user, ChangeRecord, db.session.query(ChangeRecord).options(
        joinedload(ChangeRecord.account), joinedload(ChangeRecord.unit))).filter(
        ChangeRecord.status.in_(PENDING_REVIEW[user.role])).order_by(ChangeRecord.due_on).limit(TODO_LIMIT + 1).all()
    add("pending_changes", _l("Change requests waiting for you"), pending_changes, url_for("changes.index_view"),
        lambda c: (url_for("changes.details_view", id=c.id), str(c), c.unit.name, c.status.label))
    pending_reports = _scoped(user, MonthlyReport, db.session.query(MonthlyReport).options(
        joinedload(MonthlyReport.unit))).filter(MonthlyReport.status.in_(PENDING_REVIEW[user.role])) \
        .order_by(MonthlyReport.period.desc()).limit(TODO_LIMIT + 1).all()
    add("pending_reports", _l("Monthly reports waiting for you"), pending_reports, url_for("reports.index_view"),
        lambda r: (url_for("reports.details_view", id=r.id), _report_name(r), r.unit.name, r.status.label))
    overdue_accounts = _scoped(user, Account, db.session.query(Account).options(joinedload(Account.unit))).filter(
        Account.status.in_((AccountStatus.draft, AccountStatus.returned)), Account.registration_due < today) \
        .order_by(Account.registration_due).limit(TODO_LIMIT + 1).all()
    add("overdue_accounts", _l("Overdue registrations"), overdue_accounts, url_for("accounts.index_view"),
        lambda a: (url_for("accounts.details_view", id=a.id), a.name, a.unit.name,
                   due(a.registration_due)))
    overdue_changes = _scoped(user, ChangeRecord, db.session.query(ChangeRecord).options(
        joinedload(ChangeRecord.account), joinedload(ChangeRecord.unit))).filter(
        ChangeRecord.status.in_((ReviewStatus.draft, ReviewStatus.returned)), ChangeRecord.due_on < today) \
        .order_by(ChangeRecord.due_on).limit(TODO_LIMIT + 1).all()
    add("overdue_changes", _l("Overdue change requests"), overdue_changes, url_for("changes.index_view"),
        lambda c: (url_for("changes.details_view", id=c.id), str(c), c.unit.name,
                   due(c.due_on)))
    missing = reports.missing_accounts(user, period, limit=TODO_LIMIT + 1)
    add("missing_reports", gettext("Monthly reports of %(month)s not submitted", month=month_text(period)),
        missing, url_for("reports.missing_view", month=period.strftime("%Y-%m")),
        lambda a: (url_for("accounts.details_view", id=a.id), a.name, a.unit.name, a.platform_label))
    red_flags = _scoped(user, MonthlyReport, db.session.query(MonthlyReport).options(
        joinedload(MonthlyReport.unit))).filter(MonthlyReport.involves_classified.is_(True),
                                                MonthlyReport.status != ReviewStatus.approved) \
        .order_by(MonthlyReport.period.desc()).limit(TODO_LIMIT + 1).all()
    add("red_flags", _l("Red flags: reports involving classified information"), red_flags,
        url_for("reports.index_view"),
        lambda r: (url_for("reports.details_view", id=r.id), _report_name(r), r.unit.name, r.status.label))
    dormant = reports.dormant_accounts(user, today, limit=TODO_LIMIT + 1)
    add("dormant", _l("Suspected dormant accounts"), dormant, url_for("reports.dormant_view"),
        lambda d: (url_for("accounts.details_view", id=d["account"].id), d["account"].name, d["account"].unit.name,
                   "；".join(d["reasons"])))
    staff = staff_problems(user)
    add("staff", _l("Team members who left or are students"), staff, url_for("accounts.index_view"),
        lambda p: (url_for("accounts.details_view", id=p["account"].id), p["account"].name, p["account"].unit.name,
                   f'{p["manager"].name}（{p["manager"].employment_status.label}）'
                   + (gettext(" — verified account, breaks Article 8") if p["verified_breach"] else "")))
    return lists


def _report_name(report) -> str:
    """云财会计学院 · 2026年10月: the account and the month, as the to-do lists show a report."""
    name = report.snapshot_account_name or (report.account.name if report.account else "")
    return f"{name} · {month_text(report.period)}"
