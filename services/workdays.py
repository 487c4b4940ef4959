"""Working days of the Chinese calendar: holidays and 调休 make-up days from the WorkCalendar table.

Deadlines of the regulation (第六条, 第八条) are "five working days": the starting day is not
counted, holidays are skipped and make-up working days (调休, often a Sunday) count.
A year without entries in the table falls back to Monday–Friday; :func:`year_has_schedule`
tells the pages that show such a deadline to warn about it.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from models import DayKind, WorkCalendar, db

from .table_cache import TableCache


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, DayKind]:
    with db.session.no_autoflush:  # called while a form's changes are pending: one audit entry, not two
        rows = db.session.execute(
            sa.select(WorkCalendar.day, WorkCalendar.kind).where(WorkCalendar.day.between(start, end))
        ).all()
    return {day: kind for day, kind in rows}


def is_working_day(day: dt.date, overrides: dict[dt.date, DayKind] | None = None) -> bool:
    if overrides is None:
        overrides = _overrides(day, day)
    kind = overrides.get(day)
    if kind is DayKind.holiday:
        return False
    if kind is DayKind.workday:
        return True
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    # Longest holiday run (Spring Festival + weekends) is under 12 days; read a generous window once.
    window_end = start + dt.timedelta(days=days * 3 + 30)
    overrides = _overrides(start, window_end)
    current, left = start, days
    while left:
        current += dt.timedelta(days=1)
        if current > window_end:
            window_end = current + dt.timedelta(days=60)
            overrides.update(_overrides(current, window_end))
        if is_working_day(current, overrides):
            left -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """The working days after ``start`` up to and including ``end`` (0 when ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    overrides = _year_overrides(start.year, end.year)
    return sum(is_working_day(start + dt.timedelta(days=n), overrides) for n in range(1, (end - start).days + 1))


def _year_overrides(first: int, last: int) -> dict[dt.date, DayKind]:
    """The overrides of whole years, read once per request (a list counts working days on every row)."""
    from flask import g, has_app_context

    memo = g.setdefault("workday_years", {}) if has_app_context() else {}
    key = (first, last)
    if key not in memo:
        memo[key] = _overrides(dt.date(first, 1, 1), dt.date(last, 12, 31))
    return memo[key]


def year_has_schedule(year: int) -> bool:
    """Whether the holiday schedule of ``year`` has been entered (else Monday–Friday is assumed)."""
    return year in scheduled_years()


def scheduled_years_select() -> sa.Select:
    """The years whose holiday schedule has been entered (one column, one row a year), for a statement to
    include (the home page folds it into its summary)."""
    return sa.select(sa.cast(sa.extract("year", WorkCalendar.day), sa.Integer).label("year")).distinct()


def scheduled_years() -> frozenset[int]:
    """The years whose holiday schedule has been entered. Kept between requests (services/table_cache.py: in
    Redis for every server, or in this process) and dropped when a change of the calendar is committed."""
    return _SCHEDULED_YEARS.get()


def _read_scheduled_years() -> list[int]:
    """The years of the calendar's rows, in one query (a few hundred rows)."""
    return sorted(int(y) for (y,) in db.session.execute(scheduled_years_select()))


_SCHEDULED_YEARS = TableCache("scheduled_years", (WorkCalendar.__tablename__,), _read_scheduled_years, frozenset)


def is_provisional(day: dt.date | None, years: frozenset[int] | None = None) -> bool:
    """Whether a deadline falls in a year whose schedule has not been entered: it is then provisional
    (暂定, counted Monday to Friday). ``years``: :func:`scheduled_years`, when the caller has it already."""
    if day is None:
        return False
    return day.year not in (scheduled_years() if years is None else years)


def provisional_note() -> str:
    """What follows a provisional deadline wherever a person reads it (lists, details, home, e-mails)."""
    return gettext("(provisional, counted Monday to Friday)")


def missing_next_year(today: dt.date, years: frozenset[int] | None = None) -> int | None:
    """Next year, when its schedule must now be entered and has not been (from the month
    CALENDAR_WARN_FROM_MONTH, November by default); else None."""
    if today.month < current_app.config.get("CALENDAR_WARN_FROM_MONTH", 11):
        return None
    return today.year + 1 if is_provisional(dt.date(today.year + 1, 1, 1), years) else None


def sync_from_chinese_calendar() -> tuple[int, int]:
    """Load every holiday and make-up working day that chinese-calendar knows; returns (added, updated)."""
    import chinese_calendar

    wanted: dict[dt.date, tuple[DayKind, str | None]] = {}
    for day, name in chinese_calendar.holidays.items():
        wanted[day] = (DayKind.holiday, _name(name))
    for day, name in chinese_calendar.workdays.items():
        wanted[day] = (DayKind.workday, _name(name))
    existing = {row.day: row for row in db.session.query(WorkCalendar).filter(WorkCalendar.day.in_(list(wanted)))}
    added = updated = 0
    for day, (kind, name) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            db.session.add(WorkCalendar(day=day, kind=kind, name=name, source="chinese-calendar"))
            added += 1
        elif row.source == "chinese-calendar" and (row.kind, row.name) != (kind, name):
            row.kind, row.name = kind, name
            updated += 1
    return added, updated


HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _name(value) -> str | None:
    text = getattr(value, "value", value)
    if isinstance(text, tuple):
        text = text[0]
    return HOLIDAY_NAMES.get(str(text), str(text)) if text else None
