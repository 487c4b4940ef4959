"""年度考核 (第十六条): yearly figures per account and per unit, a score by documented weights, a rank.

Score out of 100 (the weights and the target are 系统设置, services/settings.py; the defaults):
  registered on time ........ 20 points
  on-time monthly reports ... 50 points × (reports on time / reports expected)
  posts ..................... 20 points × min(posts / posts target (120), 1)
  no violation .............. 10 points, minus 10 per violation, never below a total of 0
Deductions outside the four parts (they never change the rule that the parts add up to 100):
  per unauthorised publication  5 points off for each publication on a 第十二条 topic (重大事件、突发事件、社会热点
                                及敏感问题) recorded in the year without the department's authorisation (发布报批: on a
                                request not authorised, before the authorisation came, or with no request at all), never
                                below a total of 0 (counted per publishing account; the unit's row sums them)

A unit's score is the mean of its accounts' scores, minus 5 points (``missing_governance``, a deduction outside the
100) when at the end of the year it had accounts but no 新媒体管理制度 on file or no named 第一责任人/责任领导
(第九条, 第十条; services/governance.py), never below 0: a unit that complies keeps the mean of its accounts.
The department then sets the grade and the commendation (表彰) by hand.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from models import Account, AccountStatus, Assessment, MonthlyReport, Publication, Violation, db
from models.publication import publication_accounts
from services import governance, settings
from services.reports import reporting_period
from services.text import stored_time


def _expected_months(account: Account, year: int, today: dt.date) -> int:
    first = max(dt.date(year, 1, 1), account.created_on.replace(day=1))
    last = min(dt.date(year, 12, 1), reporting_period(today))
    if last < first:
        return 0
    return (last.year - first.year) * 12 + last.month - first.month + 1


def score(figures: dict, weights: dict, posts_target: int) -> Decimal:
    total = 0.0
    if figures["registered_on_time"]:
        total += weights["registered_on_time"]
    if figures["reports_expected"]:
        total += weights["reports_on_time"] * figures["reports_on_time"] / figures["reports_expected"]
    total += weights["posts"] * min(figures["posts"] / posts_target, 1.0) if posts_target else 0
    total += weights["no_violation"] - weights["per_violation"] * figures["violations"]
    total -= weights.get("per_unauthorised_publication", 0) * figures.get("unauthorised_publications", 0)
    return Decimal(str(round(max(total, 0.0), 2)))


def unit_score(mean: float, governance_missing: bool, weights: dict) -> Decimal:
    """The unit's score: its accounts' mean, less the ``missing_governance`` deduction (第九条, 第十条), never below 0."""
    deduction = weights["missing_governance"] if governance_missing else 0
    return Decimal(str(round(max(mean - deduction, 0.0), 2)))


def compute(year: int, today: dt.date | None = None) -> int:
    """Compute (or recompute) the year's rows; grades, commendations and remarks are kept."""
    today = today or dt.date.today()
    weights = settings.weights()
    target = settings.value("assessment_posts_target")
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    accounts = db.session.query(Account).filter(
        Account.created_on <= end, Account.approved_at.is_not(None),
        Account.status.in_([AccountStatus.approved, AccountStatus.suspended, AccountStatus.closed])).all()
    ids = [a.id for a in accounts]
    report_rows = db.session.execute(
        sa.select(MonthlyReport.account_id,
                  sa.func.count().filter(MonthlyReport.is_late.is_(False)),
                  sa.func.coalesce(sa.func.sum(MonthlyReport.post_count), 0))
        .where(MonthlyReport.period.between(start, dt.date(year, 12, 1)), MonthlyReport.submitted_at.is_not(None),
               MonthlyReport.account_id.in_(ids))
        .group_by(MonthlyReport.account_id)).all()
    reports = {account_id: (on_time, posts) for account_id, on_time, posts in report_rows}
    violation_rows = db.session.execute(
        sa.select(Violation.account_id, sa.func.count()).where(
            Violation.occurred_on.between(start, end), Violation.account_id.in_(ids))
        .group_by(Violation.account_id)).all()
    violations = dict(violation_rows)
    # The year in the configured zone, as stored (naive UTC), like published_at.
    start_time, end_time = stored_time(dt.datetime(year, 1, 1)), stored_time(dt.datetime(year + 1, 1, 1))
    unauthorised: dict[int, int] = {}
    for account_id, status, approved_at, published_at in db.session.execute(
            sa.select(publication_accounts.c.account_id, Publication.status, Publication.approved_at,
                      Publication.published_at)
            .join(Publication, Publication.id == publication_accounts.c.publication_id)
            .where(Publication.published_at >= start_time, Publication.published_at < end_time,
                   publication_accounts.c.account_id.in_(ids))):
        if Publication.is_unauthorised(status, approved_at, published_at):  # the rule of models/publication.py
            unauthorised[account_id] = unauthorised.get(account_id, 0) + 1
    existing = {(row.unit_id, row.account_id): row
                for row in db.session.query(Assessment).filter(Assessment.year == year)}
    per_account, per_unit, units = [], {}, {}
    for account in accounts:
        on_time, posts = reports.get(account.id, (0, 0))
        expected = _expected_months(account, year, today)
        figures = {"registered_on_time": not account.is_late, "reports_expected": expected,
                   "reports_on_time": min(on_time, expected), "posts": int(posts),
                   "violations": violations.get(account.id, 0),
                   "unauthorised_publications": unauthorised.get(account.id, 0)}
        # Through the relationships, so that the new row names its account and unit (in the audit log too).
        row = existing.pop((account.unit_id, account.id), None) or Assessment(
            year=year, unit=account.unit, account=account)
        for key, value in figures.items():
            setattr(row, key, value)
        row.score = score(figures, weights, target)
        db.session.add(row)
        per_account.append(row)
        per_unit.setdefault(account.unit_id, []).append(row)
        units[account.unit_id] = account.unit
    _rank(per_account)
    unit_rows = []
    missing = governance.units_missing_at(per_unit, end)
    for unit_id, rows in per_unit.items():
        row = existing.pop((unit_id, None), None) or Assessment(year=year, unit=units[unit_id], account=None)
        row.registered_on_time = all(r.registered_on_time for r in rows)
        row.reports_expected = sum(r.reports_expected for r in rows)
        row.reports_on_time = sum(r.reports_on_time for r in rows)
        row.posts = sum(r.posts for r in rows)
        row.violations = sum(r.violations for r in rows)
        row.unauthorised_publications = sum(r.unauthorised_publications for r in rows)
        row.governance_missing = unit_id in missing
        mean = sum(float(r.score) for r in rows) / len(rows)
        row.score = unit_score(mean, row.governance_missing, weights)
        db.session.add(row)
        unit_rows.append(row)
    _rank(unit_rows)
    for stale in existing.values():  # accounts that no longer qualify
        db.session.delete(stale)
    return len(per_account)


def _rank(rows: list[Assessment]) -> None:
    """Standard competition ranking (1, 2, 2, 4) by score."""
    ordered = sorted(rows, key=lambda r: r.score, reverse=True)
    for index, row in enumerate(ordered):
        row.rank = ordered[index - 1].rank if index and ordered[index - 1].score == row.score else index + 1
