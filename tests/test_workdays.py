"""Working days of the Chinese calendar (第六条, 第八条: five working days)."""
import datetime as dt

import chinese_calendar
import pytest

from models import DayKind, WorkCalendar, db
from services.workdays import add_working_days, is_working_day, sync_from_chinese_calendar, year_has_schedule


@pytest.fixture
def calendar(app, ctx):
    sync_from_chinese_calendar()
    db.session.commit()


@pytest.mark.parametrize("start, due", [
    ("2026-09-25", "2026-10-09"),  # 中秋节 + 国庆节 skipped
    ("2026-09-14", "2026-09-20"),  # ends on a Sunday that is a 调休 make-up working day
    ("2026-11-02", "2026-11-09"),  # an ordinary week: Monday → next Monday
    ("2026-11-06", "2026-11-13"),  # Friday → next Friday, the weekend skipped
    ("2025-12-29", "2026-01-06"),  # year end: 元旦 1–3 January skipped, make-up Sunday 4 January counts
    ("2026-02-12", "2026-02-26"),  # Spring Festival 2026 (15–23 February), make-up days 14 and 28 February
])
def test_add_five_working_days(calendar, start, due):
    assert add_working_days(dt.date.fromisoformat(start), 5) == dt.date.fromisoformat(due)


def test_whole_year_agrees_with_chinese_calendar(calendar):
    day = dt.date(2025, 1, 1)
    while day.year == 2025:
        assert is_working_day(day) == chinese_calendar.is_workday(day), day
        expected, left = day, 5
        while left:
            expected += dt.timedelta(days=1)
            if chinese_calendar.is_workday(expected):
                left -= 1
        assert add_working_days(day, 5) == expected, day
        day += dt.timedelta(days=1)


def test_year_without_schedule_falls_back_to_weekdays(calendar):
    assert not year_has_schedule(2031)
    assert add_working_days(dt.date(2031, 10, 1), 5) == dt.date(2031, 10, 8)  # plain Monday–Friday
    assert year_has_schedule(2026)


def test_department_entry_overrides_the_week(calendar):
    db.session.add(WorkCalendar(day=dt.date(2031, 10, 2), kind=DayKind.holiday, name="国庆节", source="manual"))
    db.session.add(WorkCalendar(day=dt.date(2031, 10, 4), kind=DayKind.workday, name="国庆节", source="manual"))
    db.session.commit()
    assert add_working_days(dt.date(2031, 10, 1), 5) == dt.date(2031, 10, 8)
    assert not is_working_day(dt.date(2031, 10, 2)) and is_working_day(dt.date(2031, 10, 4))


def test_zero_days_is_the_same_day(calendar):
    assert add_working_days(dt.date(2026, 10, 1), 0) == dt.date(2026, 10, 1)


def test_deadline_in_a_year_without_schedule_shows_a_warning(app, world, login_as):
    with app.app_context():
        from models import Account

        sync_from_chinese_calendar()
        account = db.session.get(Account, world["own_account"])
        account.registration_due = dt.date(2031, 3, 10)
        db.session.commit()
    client = login_as("unit_editor")
    for url in (f"/admin/accounts/details/?id={world['own_account']}", "/admin/accounts/"):
        assert "尚未录入 2031 年的节假日安排" in client.get(url).get_data(as_text=True)
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.registration_due = dt.date(2026, 3, 10)
        db.session.commit()
    assert "节假日安排" not in client.get("/admin/accounts/").get_data(as_text=True)


def test_department_enters_a_holiday_period(app, world, login_as):
    client = login_as("dept_admin")
    assert client.get("/admin/calendar/batch/").status_code == 200
    response = client.post("/admin/calendar/batch/", data={"start": "2031-10-01", "end": "2031-10-07",
                                                           "kind": "holiday", "name": "国庆节"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(WorkCalendar).filter(WorkCalendar.day.between(
            dt.date(2031, 10, 1), dt.date(2031, 10, 7))).count() == 7
        assert add_working_days(dt.date(2031, 9, 30), 1) == dt.date(2031, 10, 8)


@pytest.mark.parametrize("data", [{"start": "2031-10-07", "end": "2031-10-01"},
                                  {"start": "2031-01-01", "end": "2031-12-31"},
                                  {"start": "not a date", "end": "2031-10-01"}])
def test_bad_holiday_period_is_refused(app, world, login_as, data):
    response = login_as("dept_admin").post("/admin/calendar/batch/", data={**data, "kind": "holiday"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(WorkCalendar).count() == 0


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader", "auditor"])
def test_only_the_department_enters_the_calendar(app, world, login_as, role):
    client = login_as(role)
    assert client.get("/admin/calendar/batch/").status_code == 403
    assert client.post("/admin/calendar/batch/", data={"start": "2031-10-01", "end": "2031-10-02",
                                                       "kind": "holiday"}).status_code == 403
