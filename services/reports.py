"""Monthly reports (第十五条): preparing the drafts, who has not reported, dormant accounts."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from models import Account, AccountStatus, MonthlyReport, Platform, ReviewStatus, Unit, db, policy
from services.snapshots import platform_code, staff_snapshot


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def reporting_period(today: dt.date | None = None) -> dt.date:
    """The month whose report is due now: last month (its window is the 1st–5th of this month)."""
    return add_months(month_start(today or dt.date.today()), -1)


def report_window_end(period: dt.date) -> dt.date:
    """The last on-time day for month M: the 5th (REPORT_WINDOW_LAST_DAY) of month M+1 (第十五条)."""
    return add_months(month_start(period), 1).replace(day=current_app.config["REPORT_WINDOW_LAST_DAY"])


#: The months a page may ask for (?month=YYYY-MM): from this year to next year; anything else is refused.
FIRST_YEAR = 2000
MONTH_FORMAT = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None, today: dt.date | None = None) -> dt.date | None:
    """"2026-10" as 2026-10-01; None when no month is given (the caller takes the month now due).
    Raises ValueError with a message for the user for a malformed month or one outside FIRST_YEAR … next year."""
    if not value:
        return None
    last_year = (today or dt.date.today()).year + 1
    found = MONTH_FORMAT.match(value)
    if found is None or not 1 <= int(found[2]) <= 12 or not FIRST_YEAR <= int(found[1]) <= last_year:
        raise ValueError(gettext("The month must be written like 2026-10 and lie between January %(first)s "
                                 "and December %(last)s.", first=FIRST_YEAR, last=last_year))
    return dt.date(int(found[1]), int(found[2]), 1)


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def active_accounts_query(user, period: dt.date):
    """Registered accounts that existed during ``period`` and must report for it, in the user's scope."""
    query = db.session.query(Account).filter(Account.status == AccountStatus.approved,
                                             Account.created_on <= month_end(period))
    return policy.scope(user, Account, query)


def prepare_drafts(user, period: dt.date | None = None) -> int:
    """Create the draft reports of ``period`` for every active account of the user's unit that has none,
    with the account's snapshot and management staff filled in. Returns how many were created."""
    period = month_start(period or reporting_period())
    policy.require(policy.can_create(user, MonthlyReport), gettext("You may not prepare monthly reports."))
    have = sa.select(MonthlyReport.account_id).where(MonthlyReport.period == period)
    accounts = active_accounts_query(user, period).filter(Account.id.not_in(have)).order_by(Account.name).all()
    for account in accounts:
        db.session.add(MonthlyReport(
            account=account, unit_id=account.unit_id, period=period, status=ReviewStatus.draft,
            snapshot_unit_name=account.unit.name, snapshot_platform=platform_code(account),
            snapshot_account_name=account.name,
            snapshot_account_id=account.platform_account_id or account.wechat_original_id,
            snapshot_staff=staff_snapshot(account), post_count=0))
    return len(accounts)


@dataclass(frozen=True)
class Row:
    """A light row for the long lists of the missing-reports page: the columns it shows, no ORM object."""

    id: int
    name: str
    unit: "UnitName"
    platform_label: str = ""
    snapshot_account_name: str = ""
    snapshot_platform: str = ""
    period: dt.date | None = None
    submitted_at: dt.datetime | None = None


@dataclass(frozen=True)
class UnitName:
    name: str


def _missing_query(user, period: dt.date, unit_id: int | None = None):
    """Active accounts of ``period`` in the user's scope with no submitted report, by unit and name."""
    submitted = sa.select(MonthlyReport.account_id).where(
        MonthlyReport.period == period, MonthlyReport.submitted_at.is_not(None))
    accounts = active_accounts_query(user, period)
    if unit_id:
        accounts = accounts.filter(Account.unit_id == unit_id)
    return accounts.filter(Account.id.not_in(submitted)).join(Unit, Account.unit_id == Unit.id) \
        .with_entities(Account.id, Account.name, Account.platform, Account.platform_other, Unit.name) \
        .order_by(Unit.name, Account.name)


def _missing_rows(query) -> list[Row]:
    from services.text import text

    rows = []
    for account_id, name, platform, other, unit_name in query:
        label = text(platform) if platform else ""
        if platform == Platform.other and other:
            label = f"{label}（{other}）"
        rows.append(Row(id=account_id, name=name, unit=UnitName(unit_name), platform_label=label))
    return rows


def missing_accounts(user, period: dt.date, limit: int | None = None) -> list[Row]:
    """The first ``limit`` accounts with no submitted report for ``period`` (the home page's to-do list)."""
    query = _missing_query(user, month_start(period))
    return _missing_rows(query.limit(limit) if limit is not None else query)


def missing_and_late(user, period: dt.date, unit_id: int | None = None) -> dict:
    """For one month: active accounts with no submitted report, and reports submitted late."""
    period = month_start(period)
    late = policy.scope(user, MonthlyReport, db.session.query(MonthlyReport)) \
        .join(Unit, MonthlyReport.unit_id == Unit.id) \
        .filter(MonthlyReport.period == period, MonthlyReport.is_late.is_(True)) \
        .with_entities(MonthlyReport.id, MonthlyReport.snapshot_account_name, MonthlyReport.snapshot_platform,
                       MonthlyReport.period, MonthlyReport.submitted_at, Unit.name)
    expected = active_accounts_query(user, period)
    if unit_id:
        late = late.filter(MonthlyReport.unit_id == unit_id)
        expected = expected.filter(Account.unit_id == unit_id)
    late_rows = [Row(id=report_id, name=name, unit=UnitName(unit_name), snapshot_account_name=name,
                     snapshot_platform=platform, period=month, submitted_at=submitted)
                 for report_id, name, platform, month, submitted, unit_name
                 in late.order_by(MonthlyReport.submitted_at)]
    return {"period": period, "missing": _missing_rows(_missing_query(user, period, unit_id)), "late": late_rows,
            "expected": expected.with_entities(sa.func.count()).scalar(),
            "window_end": report_window_end(period)}


def dormant_accounts(user, today: dt.date | None = None, limit: int | None = None) -> list[dict]:
    """疑似僵尸号: registered accounts with no posts in the last N reported months, or no report for the
    last M months (settings DORMANT_NO_POSTS_MONTHS, DORMANT_NO_REPORT_MONTHS), by unit and name.

    One aggregate over the window's reports finds them (the database does the counting); only when M > N
    are the candidates' months read to find their last N reported ones."""
    no_posts = current_app.config["DORMANT_NO_POSTS_MONTHS"]
    no_report = current_app.config["DORMANT_NO_REPORT_MONTHS"]
    last = reporting_period(today)
    window = max(no_posts, no_report)
    first = add_months(last, -(window - 1))
    recent_first = add_months(last, -(no_report - 1))
    report = MonthlyReport
    counts = policy.scope(user, MonthlyReport, sa.select(
        report.account_id, sa.func.count().filter(report.period >= recent_first).label("recent"),
        sa.func.count().filter(report.post_count == 0).label("zeros"))
        .where(report.period.between(first, last), report.submitted_at.is_not(None))
        .group_by(report.account_id)).subquery()  # a unit's home counts only its own reports
    recent, zeros = sa.func.coalesce(counts.c.recent, 0), sa.func.coalesce(counts.c.zeros, 0)
    query = (active_accounts_query(user, recent_first)
             .outerjoin(counts, counts.c.account_id == Account.id)
             .join(Unit, Account.unit_id == Unit.id).options(sa.orm.contains_eager(Account.unit))
             .filter(sa.or_(recent == 0, zeros >= no_posts))
             .add_columns(recent, zeros).order_by(Unit.name, Account.name))
    # With N >= the window, "zero posts in N reported months" is exactly "N zero-post reports in the window".
    exact = no_posts >= window
    if limit is not None and exact:
        query = query.limit(limit)
    candidates = query.all()
    last_reported: dict[int, list[int]] = {}
    if not exact:
        ids = [account.id for account, _recent, zero in candidates if zero >= no_posts]
        for account_id, posts in db.session.execute(
                sa.select(report.account_id, report.post_count)
                .where(report.period.between(first, last), report.submitted_at.is_not(None),
                       report.account_id.in_(ids)).order_by(report.account_id, report.period.desc())) if ids else ():
            last_reported.setdefault(account_id, []).append(posts)
    result = []
    for account, recent_count, zero_count in candidates:
        reasons = []
        if recent_count == 0:
            reasons.append(gettext("no report for %(n)s months", n=no_report))
        if zero_count >= no_posts and (exact or not any(last_reported.get(account.id, [])[:no_posts])):
            reasons.append(gettext("no posts in the last %(n)s reported months", n=no_posts))
        if reasons:
            result.append({"account": account, "reasons": reasons})
            if limit is not None and len(result) >= limit:
                break
    return result


def month_stamp(period: dt.date) -> tuple:
    """Count and newest change of a month's reports: changes whenever the month's summary may change."""
    count, newest = db.session.execute(sa.select(sa.func.count(MonthlyReport.id), sa.func.max(MonthlyReport.updated_at))
                                       .where(MonthlyReport.period == month_start(period))).one()
    return count, str(newest)


def summary_table(period: dt.date) -> tuple[list, list[list]]:
    """One row per report of the month with the 管理月报表 fields, read as plain columns (fast)."""
    from models.base import YES_NO
    from services.text import export_cell_function, platform_text, text

    headers = [gettext("Building unit"), gettext("Media platform"), gettext("Account name"), gettext("Account ID"),
               gettext("Month"), gettext("Submitted at"), gettext("Number of posts"), gettext("Topics and content"),
               gettext("Involves classified information"), gettext("Management staff"), gettext("Status"),
               gettext("Late")]
    rows = db.session.execute(
        sa.select(MonthlyReport.snapshot_unit_name, MonthlyReport.snapshot_platform,
                  MonthlyReport.snapshot_account_name, MonthlyReport.snapshot_account_id, MonthlyReport.submitted_at,
                  MonthlyReport.post_count, MonthlyReport.topics, MonthlyReport.involves_classified,
                  MonthlyReport.snapshot_staff, MonthlyReport.status, MonthlyReport.is_late)
        .where(MonthlyReport.period == month_start(period))
        .order_by(MonthlyReport.snapshot_unit_name, MonthlyReport.snapshot_account_name))
    month = period.strftime("%Y-%m")
    yes_no = {flag: text(YES_NO[flag]) for flag in (True, False)}
    statuses = {status: text(status) for status in ReviewStatus}
    platforms: dict[str, str] = {}
    local_time = export_cell_function(MonthlyReport.submitted_at)
    table = []
    for unit, platform, name, account_id, submitted, posts, topics, classified, staff, status, late in rows:
        if platform not in platforms:
            platforms[platform] = platform_text(platform)
        table.append([unit, platforms[platform], name, account_id or "", month, local_time(submitted), posts,
                      topics or "", yes_no[bool(classified)], "、".join(p.get("name", "") for p in (staff or [])),
                      statuses[status], yes_no[bool(late)]])
    return headers, table
