"""Monthly reports (第十五条): preparing the drafts, who has not reported, dormant accounts."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from admin import policy
from admin.snapshots import platform_code, staff_snapshot
from models import Account, AccountStatus, MonthlyReport, ReviewStatus, Unit, db


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def reporting_period(today: dt.date | None = None) -> dt.date:
    """The month whose report is due now: last month (its window is the 1st–5th of this month)."""
    return add_months(month_start(today or dt.date.today()), -1)


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
    if not policy.can_create(user, MonthlyReport):
        raise PermissionError(gettext("You may not prepare monthly reports."))
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


def missing_and_late(user, period: dt.date, unit_id: int | None = None) -> dict:
    """For one month: active accounts with no submitted report, and reports submitted late."""
    period = month_start(period)
    submitted = sa.select(MonthlyReport.account_id).where(
        MonthlyReport.period == period, MonthlyReport.submitted_at.is_not(None))
    accounts = active_accounts_query(user, period).options(sa.orm.joinedload(Account.unit))
    late = policy.scope(user, MonthlyReport, db.session.query(MonthlyReport)).options(
        sa.orm.joinedload(MonthlyReport.unit)).filter(MonthlyReport.period == period, MonthlyReport.is_late.is_(True))
    if unit_id:
        accounts = accounts.filter(Account.unit_id == unit_id)
        late = late.filter(MonthlyReport.unit_id == unit_id)
    missing = accounts.filter(Account.id.not_in(submitted)).join(Unit).order_by(Unit.name, Account.name).all()
    expected = accounts.count()
    return {"period": period, "missing": missing, "late": late.order_by(MonthlyReport.submitted_at).all(),
            "expected": expected, "window_end": add_months(period, 1).replace(
                day=current_app.config["REPORT_WINDOW_LAST_DAY"])}


def dormant_accounts(user, today: dt.date | None = None) -> list[dict]:
    """疑似僵尸号: registered accounts with no posts in the last N reported months, or no report for the
    last M months (settings DORMANT_NO_POSTS_MONTHS, DORMANT_NO_REPORT_MONTHS)."""
    no_posts = current_app.config["DORMANT_NO_POSTS_MONTHS"]
    no_report = current_app.config["DORMANT_NO_REPORT_MONTHS"]
    last = reporting_period(today)
    window = max(no_posts, no_report)
    first = add_months(last, -(window - 1))
    accounts = active_accounts_query(user, add_months(last, -(no_report - 1))).options(
        sa.orm.joinedload(Account.unit)).all()
    if not accounts:
        return []
    rows = db.session.execute(
        sa.select(MonthlyReport.account_id, MonthlyReport.period, MonthlyReport.post_count)
        .where(MonthlyReport.period.between(first, last), MonthlyReport.submitted_at.is_not(None),
               MonthlyReport.account_id.in_([a.id for a in accounts]))).all()
    by_account: dict[int, dict[dt.date, int]] = {}
    for account_id, period, posts in rows:
        by_account.setdefault(account_id, {})[period] = posts
    recent_report_months = [add_months(last, -i) for i in range(no_report)]
    result = []
    for account in accounts:
        reports = by_account.get(account.id, {})
        reasons = []
        if not any(month in reports for month in recent_report_months):
            reasons.append(gettext("no report for %(n)s months", n=no_report))
        reported = sorted(reports.items(), reverse=True)[:no_posts]
        if len(reported) == no_posts and all(posts == 0 for _month, posts in reported):
            reasons.append(gettext("no posts in the last %(n)s reported months", n=no_posts))
        if reasons:
            result.append({"account": account, "reasons": reasons})
    return result


def summary_table(period: dt.date) -> tuple[list, list[list]]:
    """One row per report of the month with the 管理月报表 fields, read as plain columns (fast)."""
    from admin.formatters import platform_text
    from models.base import YES_NO

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
    table = []
    for unit, platform, name, account_id, submitted, posts, topics, classified, staff, status, late in rows:
        table.append([unit, platform_text(platform), name, account_id or "", month,
                      submitted.strftime("%Y-%m-%d %H:%M") if submitted else "", posts, topics or "",
                      str(YES_NO[bool(classified)]), "、".join(p.get("name", "") for p in (staff or [])),
                      str(status.label), str(YES_NO[bool(late)])])
    return headers, table
