"""Next year's holiday schedule (调休): from November the department's home asks for it, and a deadline in a
year without a schedule is marked provisional (暂定, counted Monday to Friday) wherever it is shown."""
import datetime as dt
import types

import pytest

from models import Account, AccountStatus, DayKind, User, WorkCalendar, db


def _schedule(*years):
    for year in years:
        db.session.add(WorkCalendar(day=dt.date(year, 1, 1), kind=DayKind.holiday, name="元旦"))


def _today(monkeypatch, day):
    """The home page's today (admin.dashboard reads dt.date.today())."""
    import admin.dashboard

    class Frozen(dt.date):
        @classmethod
        def today(cls):
            return day

    monkeypatch.setattr(admin.dashboard, "dt", types.SimpleNamespace(date=Frozen, timedelta=dt.timedelta))


@pytest.fixture
def scheduled_2026(app, world):
    with app.app_context():
        _schedule(2026)
        db.session.commit()
    return world


@pytest.mark.parametrize("today, role, expected", [
    (dt.date(2026, 12, 1), "dept_admin", 2027),
    (dt.date(2026, 11, 1), "dept_admin", 2027),
    (dt.date(2026, 10, 31), "dept_admin", None),  # before November: not yet
    (dt.date(2026, 12, 1), "unit_editor", None),  # the department's job, not the units'
    (dt.date(2026, 12, 1), "auditor", None),
])
def test_home_asks_for_next_years_schedule_from_november(app, scheduled_2026, today, role, expected):
    from admin.dashboard import home_context

    with app.test_request_context():
        user = db.session.get(User, scheduled_2026["users"][role])
        needed = home_context(user, today)["schedule_needed"]
        assert (needed and needed["year"]) == expected
        if expected:
            assert needed["url"] == "/admin/calendar/batch/" and "2027" in needed["text"]


def test_no_request_once_next_year_is_entered_and_the_month_is_a_setting(app, scheduled_2026, monkeypatch):
    from admin.dashboard import home_context

    with app.test_request_context():
        dept = db.session.get(User, scheduled_2026["users"]["dept_admin"])
        monkeypatch.setitem(app.config, "CALENDAR_WARN_FROM_MONTH", 10)
        assert home_context(dept, dt.date(2026, 10, 15))["schedule_needed"]["year"] == 2027
        _schedule(2027)
        db.session.commit()  # (a change of the calendar: the years kept under the data version are read again)
        assert home_context(dept, dt.date(2026, 12, 1))["schedule_needed"] is None


def test_the_home_page_shows_the_request_with_a_link(app, scheduled_2026, login_as, monkeypatch):
    _today(monkeypatch, dt.date(2026, 12, 1))
    html = login_as("dept_admin").get("/admin/").get_data(as_text=True)
    assert 'id="todo-calendar"' in html and "请录入 2027 年的节假日及调休安排" in html
    assert 'href="/admin/calendar/batch/"' in html
    assert 'id="todo-calendar"' not in login_as("unit_editor").get("/admin/").get_data(as_text=True)
    _today(monkeypatch, dt.date(2026, 10, 1))
    assert 'id="todo-calendar"' not in login_as("dept_admin").get("/admin/").get_data(as_text=True)


@pytest.fixture
def due_next_year(app, scheduled_2026):
    """The own account (a draft) is due on 8 January 2027, a year without a schedule; the other account
    on 7 December 2026, a year with one."""
    with app.app_context():
        db.session.get(Account, scheduled_2026["own_account"]).registration_due = dt.date(2027, 1, 8)
        other = db.session.get(Account, scheduled_2026["other_account"])
        other.registration_due, other.status = dt.date(2026, 12, 7), AccountStatus.draft
        db.session.commit()
    return scheduled_2026


def test_lists_and_details_mark_the_deadline_provisional(app, due_next_year, login_as):
    dept = login_as("dept_admin")
    html = dept.get("/admin/accounts/").get_data(as_text=True)
    own_row = html[html.index("本单位帐号"):]
    own_row = own_row[:own_row.index("</tr>")]
    other_row = html[html.index("外单位帐号"):]
    other_row = other_row[:other_row.index("</tr>")]
    assert "2027年1月8日" in own_row and "暂定" in own_row and "按周一至周五推算" in own_row
    assert "2026年12月7日" in other_row and "暂定" not in other_row
    details = dept.get(f"/admin/accounts/details/?id={due_next_year['own_account']}").get_data(as_text=True)
    assert "2027年1月8日" in details and 'class="badge badge-warning provisional"' in details
    export = dept.get("/admin/accounts/export/csv/").get_data(as_text=True)
    assert ",2027-01-08," in export and "暂定" not in export and "provisional" not in export


def test_the_home_to_do_and_the_reminders_mark_it_provisional(app, due_next_year):
    from admin.dashboard import home_context
    from services.reminders import items_for

    with app.test_request_context():
        dept = db.session.get(User, due_next_year["users"]["dept_admin"])
        cards = home_context(dept, dt.date(2027, 1, 20))["cards"]
        notes = {row["name"]: row["note"] for row in cards["overdue_accounts"].rows}
        assert "（暂定，按周一至周五推算）" in notes["本单位帐号"]
        assert "暂定" not in notes["外单位帐号"]
        editor = db.session.get(User, due_next_year["users"]["unit_editor"])
        lines = items_for(editor, dt.date(2027, 1, 7))
        line = next(line for line in lines if "本单位帐号" in line)
        assert line.endswith("（暂定，按周一至周五推算）")
