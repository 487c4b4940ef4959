"""Monthly reports (第十五条): preparing the drafts, who has not reported, dormant accounts."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from models import Account, AccountStatus, MonthlyReport, Platform, ReviewStatus, Unit, db, policy
from services import settings
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


def must_report(period: dt.date) -> sa.ColumnElement:
    """The accounts that must report for ``period``: registered, and existing during that month."""
    return (Account.status == AccountStatus.approved) & (Account.created_on <= month_end(period))


def not_reported(period: dt.date, user=None, per_account: bool = False) -> sa.ColumnElement:
    """The accounts among :func:`must_report` with no submitted report for ``period`` (未报送). Given the ``user``
    whose accounts are asked, only their scope's reports are looked at (a report belongs to its account's unit:
    services.bulk.move_to_unit carries it along), so a unit's count reads its own reports, not the month's.

    ``per_account``: the same condition asked of each account (NOT EXISTS its report), for a query that stops
    after its first rows (the home page's five): those accounts' reports are looked up by the (account, month)
    index instead of every report of the month read first (30 → 0.3 ms at 30,000 accounts). The subquery's
    OFFSET 0 keeps PostgreSQL from turning it into an anti-join, which hashes every report of the month (2,600 at
    scale 1) even for one unit's few accounts."""
    submitted = sa.select(MonthlyReport.account_id).where(
        MonthlyReport.period == month_start(period), MonthlyReport.submitted_at.is_not(None))
    if user is not None:
        submitted = policy.scope(user, MonthlyReport, submitted)
    if per_account:
        return must_report(period) & ~submitted.where(MonthlyReport.account_id == Account.id).offset(0).exists()
    return must_report(period) & Account.id.not_in(submitted)


def active_accounts_query(user, period: dt.date):
    """Registered accounts that existed during ``period`` and must report for it, in the user's scope."""
    return policy.scope(user, Account, db.session.query(Account).filter(must_report(period)))


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
    accounts = policy.scope(user, Account, db.session.query(Account).filter(not_reported(period, user)))
    if unit_id:
        accounts = accounts.filter(Account.unit_id == unit_id)
    return accounts.join(Unit, Account.unit_id == Unit.id) \
        .with_entities(Account.id, Account.name, Account.platform, Account.platform_other, Unit.name) \
        .order_by(Unit.name, Account.name)


def units_missing(user, period: dt.date, unit_id: int | None = None,
                  account_ids: list[int] | None = None) -> list[int]:
    """The units (ids) with an account not reported for ``period`` in the user's scope (of ``account_ids``
    only, when given), as the missing-reports list shows them."""
    query = _missing_query(user, month_start(period), unit_id)
    if account_ids is not None:
        query = query.filter(Account.id.in_(account_ids))
    return list(dict.fromkeys(unit for (unit,) in query.with_entities(Account.unit_id)))


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


def missing_and_late(user, period: dt.date, unit_id: int | None = None, limit: int | None = None) -> dict:
    """For one month: active accounts with no submitted report, and reports submitted late.

    With ``limit``: a list longer than that is given as counts per unit instead (``missing_units`` /
    ``late_units``: (unit id, unit name, count), by name), its rows left empty — at province scale a month's
    list is thousands of accounts (3,672 without a report in the benchmark's month at scale 10), one page of
    them per unit. ``missing_count`` and ``late_count`` are the whole lists' lengths either way."""
    period = month_start(period)
    late = policy.scope(user, MonthlyReport, db.session.query(MonthlyReport)) \
        .join(Unit, MonthlyReport.unit_id == Unit.id) \
        .filter(MonthlyReport.period == period, MonthlyReport.is_late.is_(True))
    missing = _missing_query(user, period, unit_id)
    expected = active_accounts_query(user, period)
    if unit_id:
        late = late.filter(MonthlyReport.unit_id == unit_id)
        expected = expected.filter(Account.unit_id == unit_id)
    late_list = late.with_entities(MonthlyReport.id, MonthlyReport.snapshot_account_name,
                                   MonthlyReport.snapshot_platform, MonthlyReport.period, MonthlyReport.submitted_at,
                                   Unit.name).order_by(MonthlyReport.submitted_at)
    late_rows = [Row(id=report_id, name=name, unit=UnitName(unit_name), snapshot_account_name=name,
                     snapshot_platform=platform, period=month, submitted_at=submitted)
                 for report_id, name, platform, month, submitted, unit_name
                 in (late_list.limit(limit + 1) if limit is not None else late_list)]
    # With a limit, the counts per unit first (one pass over the accounts); the rows only when they are few.
    missing_units = _per_unit(missing.order_by(None), Account.unit_id) if limit is not None else None
    missing_count = sum(n for _id, _name, n in missing_units) if missing_units is not None else None
    summarised = missing_count is not None and missing_count > limit
    missing_rows = [] if summarised else _missing_rows(missing)
    result = {"period": period, "missing": missing_rows, "late": late_rows,
              "missing_units": missing_units if summarised else None, "late_units": None,
              "missing_count": len(missing_rows) if missing_count is None else missing_count,
              "late_count": len(late_rows), "expected": expected.with_entities(sa.func.count()).scalar(),
              "window_end": report_window_end(period)}
    if limit is not None and len(late_rows) > limit:
        result["late"], result["late_units"] = [], _per_unit(late, MonthlyReport.unit_id)
        result["late_count"] = sum(n for _id, _name, n in result["late_units"])
    return result


def _per_unit(query, unit_column) -> list[tuple[int, str, int]]:
    """(unit id, unit name, rows) of a query joined to its units, by unit name."""
    return [tuple(row) for row in query.with_entities(unit_column, Unit.name, sa.func.count())
            .group_by(unit_column, Unit.name).order_by(Unit.name)]


@dataclass(frozen=True)
class DormantRule:
    """疑似僵尸号 as SQL (系统设置 dormant_no_posts_months = N, dormant_no_report_months = M, services/settings.py): a
    registered account that existed in the first of the last M months, with no submitted report in those M months (``no_report``)
    or with zero posts in each of its last N reported months of the window (``no_posts``). ``figures`` is the
    per-account subquery (:meth:`join` joins it); the list and the home page count both ask it (one rule)."""

    figures: sa.Subquery
    no_report: sa.ColumnElement
    no_posts: sa.ColumnElement
    condition: sa.ColumnElement
    no_posts_months: int
    no_report_months: int
    #: How ``figures`` joins the accounts of the query (by account, or a LATERAL subquery: always).
    on: sa.ColumnElement

    def join(self, query):
        """``query`` (over Account) with each account's figures (none: no report in the window)."""
        return query.outerjoin(self.figures, self.on)


def dormant_rule(user, today: dt.date | None = None, per_account: bool = False, accounts=None) -> DormantRule:
    """The rule for ``user``'s accounts on ``today``. ``per_account`` (PostgreSQL): the figures as a LATERAL
    subquery of each account of the query, for a query that stops after its first rows (the home page's five): it
    reads those accounts' reports by the (account, month) index instead of grouping every report of the window
    first (74 → 1 ms at 30,000 accounts). Elsewhere (SQLite has no LATERAL) the grouped subquery; ``accounts`` (a
    select of account ids, for a query over those accounts only) then groups only their reports."""
    per_account = per_account and db.engine.dialect.name == "postgresql"
    no_posts = settings.value("dormant_no_posts_months")
    no_report = settings.value("dormant_no_report_months")
    last = reporting_period(today)
    first = add_months(last, -(max(no_posts, no_report) - 1))
    recent_first = add_months(last, -(no_report - 1))
    report = MonthlyReport
    columns = [report.account_id, report.period, report.post_count]
    if no_posts < no_report:
        # The window is longer than N months: rank each account's reports, newest first (1 = last reported).
        columns.append(sa.func.row_number().over(partition_by=report.account_id, order_by=report.period.desc())
                       .label("rank"))
    # Each submitted report of the window (a unit: its own).
    reported = policy.scope(user, MonthlyReport, sa.select(*columns).where(
        report.period.between(first, last), report.submitted_at.is_not(None)))
    if per_account:  # the reports of the outer query's account only
        reported = reported.where(report.account_id == Account.id).correlate(Account)
    elif accounts is not None:
        reported = reported.where(report.account_id.in_(accounts))
    reported = reported.subquery()
    # With N >= the window, "zero posts in the last N reported months" is "N zero-post reports in the window".
    in_last_n = reported.c.rank <= no_posts if no_posts < no_report else sa.true()
    counts = (sa.func.count().filter(reported.c.period >= recent_first).label("recent"),
              sa.func.count().filter(in_last_n, reported.c.post_count == 0).label("zeros"))
    if per_account:
        figures, on = sa.select(*counts).lateral("dormant_figures"), sa.true()
    else:
        figures = sa.select(reported.c.account_id, *counts).group_by(reported.c.account_id) \
            .subquery("dormant_figures")
        on = figures.c.account_id == Account.id
    no_report_cond = sa.func.coalesce(figures.c.recent, 0) == 0
    no_posts_cond = sa.func.coalesce(figures.c.zeros, 0) >= no_posts
    active = (Account.status == AccountStatus.approved) & (Account.created_on <= month_end(recent_first))
    return DormantRule(figures, no_report_cond, no_posts_cond, active & (no_report_cond | no_posts_cond),
                       no_posts, no_report, on)


def dormant_reasons(rule: DormantRule, no_report: bool, no_posts: bool) -> list[str]:
    reasons = []
    if no_report:
        reasons.append(gettext("no report for %(n)s months", n=rule.no_report_months))
    if no_posts:
        reasons.append(gettext("no posts in the last %(n)s reported months", n=rule.no_posts_months))
    return reasons


def dormant_accounts(user, today: dt.date | None = None, limit: int | None = None) -> list[dict]:
    """疑似僵尸号 (:func:`dormant_rule`), by unit and name, each with its reasons; one query."""
    rule = dormant_rule(user, today)
    query = (rule.join(policy.scope(user, Account, db.session.query(Account)))
             .join(Unit, Account.unit_id == Unit.id).options(sa.orm.contains_eager(Account.unit))
             .filter(rule.condition).add_columns(rule.no_report, rule.no_posts).order_by(Unit.name, Account.name))
    if limit is not None:
        query = query.limit(limit)
    return [{"account": account, "reasons": dormant_reasons(rule, no_report, no_posts)}
            for account, no_report, no_posts in query]


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
