"""提醒未报送单位 (issue 15, "Measured" 3): the department reminds, from the missing-reports list, the units
that have not reported a month — by the service `flask remind` uses, over real SMTP on loopback."""
import datetime as dt
import html

import pytest

from models import Account, AccountStatus, AuditLog, MonthlyReport, ReminderLog, User, db
from services import reports

from .test_reminders import smtp  # noqa: F401 (the loopback SMTP server fixture)

REMIND = "/admin/reports/missing/remind/"


@pytest.fixture
def missing(app, world):
    """Both units' accounts registered and without a report; the unit users have e-mail addresses."""
    with app.app_context():
        db.session.query(MonthlyReport).delete()
        for key in ("own_account", "other_account"):
            account = db.session.get(Account, world[key])
            account.status, account.approved_at = AccountStatus.approved, dt.datetime(2026, 9, 5, 10)
        for username in ("editor", "leader", "other_editor"):
            db.session.query(User).filter_by(username=username).one().email = f"{username}@example.edu.cn"
        db.session.commit()
    return world


def month() -> str:
    return reports.reporting_period().strftime("%Y-%m")


def recipients(inbox) -> list[str]:
    return sorted(rcpt for rcpts, _message in inbox.messages for rcpt in rcpts)


def flashed(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def test_the_list_offers_the_button_and_a_confirmation_before_sending(app, missing, login_as, smtp):  # noqa: F811
    dept = login_as("dept_admin")
    page = dept.get(f"/admin/reports/missing/?month={month()}").get_data(as_text=True)
    assert "提醒未报送单位" in page and 'name="account_id"' in page
    confirm = dept.post(REMIND, {"month": month()})
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "将向以下 3 人发送提醒邮件" in text and "确认发送" in text
    assert all(f"{name}@example.edu.cn" in text for name in ("editor", "leader", "other_editor"))
    assert smtp.messages == []  # nothing sent before the confirmation
    with app.app_context():
        assert db.session.query(ReminderLog).count() == 0


def test_confirmed_reminders_are_sent_logged_and_said(app, missing, login_as, smtp):  # noqa: F811
    dept = login_as("dept_admin")
    text = flashed(dept, dept.post(REMIND, {"month": month(), "confirm": "1"}))
    period = reports.reporting_period()
    assert recipients(smtp) == ["editor@example.edu.cn", "leader@example.edu.cn", "other_editor@example.edu.cn"]
    assert f"已就 {period.year}年{period.month}月 月报表向 3 人发送提醒邮件" in text
    assert "editor（会计学院，editor@example.edu.cn）" in text and "other_editor（校团委" in text
    bodies = {rcpts[0]: message.get_content() for rcpts, message in smtp.messages}
    assert "本单位帐号" in bodies["editor@example.edu.cn"] and "外单位帐号" in bodies["other_editor@example.edu.cn"]
    assert "外单位帐号" not in bodies["editor@example.edu.cn"]  # each unit hears of its own accounts only
    with app.app_context():
        dept_id = db.session.query(User.id).filter_by(username="dept").scalar()
        logged = db.session.query(ReminderLog).filter(ReminderLog.day == dt.date.today()).count()
        audited = db.session.query(AuditLog).filter(AuditLog.object_type == "ReminderLog").all()
        assert logged == 3 and len(audited) == 3
        assert all(entry.user_id == dept_id and entry.note.startswith(f"remind {month()} ") for entry in audited)
    history = html.unescape(dept.get("/admin/audit/").get_data(as_text=True))
    assert "提醒邮件" in history and "已发送待办提醒邮件" in history


def test_ticked_rows_and_the_unit_filter_choose_who_is_reminded(app, missing, login_as, smtp):  # noqa: F811
    dept = login_as("dept_admin")
    flashed(dept, dept.post(REMIND, {"month": month(), "confirm": "1", "account_id": [missing["other_account"]]}))
    assert recipients(smtp) == ["other_editor@example.edu.cn"]
    text = flashed(dept, dept.post(REMIND, {"month": month(), "confirm": "1", "unit": missing["own_unit"]}))
    assert recipients(smtp) == ["editor@example.edu.cn", "leader@example.edu.cn", "other_editor@example.edu.cn"]
    assert "向 2 人发送" in text


def test_a_unit_reminded_today_is_not_reminded_twice(app, missing, login_as, smtp):  # noqa: F811
    assert app.test_cli_runner().invoke(args=["remind"]).exit_code == 0  # the morning's cron run
    assert len(smtp.messages) == 3
    dept = login_as("dept_admin")
    confirm = html.unescape(dept.post(REMIND, {"month": month()}).get_data(as_text=True))
    assert "没有需要提醒的人员" in confirm and "今天已提醒过，不再重复提醒" in confirm and "确认发送" not in confirm
    text = flashed(dept, dept.post(REMIND, {"month": month(), "confirm": "1"}))
    assert len(smtp.messages) == 3
    assert "未发送提醒邮件" in text and "今天已提醒过，不再重复提醒：editor（会计学院）、leader（会计学院）" in text
    with app.app_context():
        assert db.session.query(ReminderLog).count() == 3


def test_users_without_an_email_and_units_without_users_are_reported(app, missing, login_as, smtp):  # noqa: F811
    with app.app_context():
        db.session.query(User).filter_by(username="leader").one().email = None
        db.session.query(User).filter_by(username="other_editor").one().active = False
        db.session.commit()
    dept = login_as("dept_admin")
    text = flashed(dept, dept.post(REMIND, {"month": month(), "confirm": "1"}))
    assert recipients(smtp) == ["editor@example.edu.cn"]
    assert "向 1 人发送" in text
    assert "无法送达（其用户帐号未填写电子邮箱）：leader（会计学院）" in text
    assert "以下单位没有可提醒的用户帐号：校团委" in text


def test_an_earlier_month_is_the_one_reminded_of(app, missing, login_as, smtp):  # noqa: F811
    earlier = reports.add_months(reports.reporting_period(), -1)
    dept = login_as("dept_admin")
    flashed(dept, dept.post(REMIND, {"month": earlier.strftime("%Y-%m"), "confirm": "1", "unit": missing["own_unit"]}))
    body = smtp.messages[0][1].get_content()
    assert f"{earlier.year}年{earlier.month}月" in body and "本单位帐号" in body


def test_a_mail_server_down_is_said_and_logs_nothing(app, missing, login_as):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    try:
        dept = login_as("dept_admin")
        text = flashed(dept, dept.post(REMIND, {"month": month(), "confirm": "1"}))
    finally:
        app.config.update(MAIL_SERVER="localhost", MAIL_PORT=25)
    assert "无法连接邮件服务器" in text and "editor（会计学院）" in text
    with app.app_context():
        assert db.session.query(ReminderLog).count() == 0


def test_the_post_needs_the_csrf_token(app, missing, login_as, smtp):  # noqa: F811
    response = login_as("dept_admin").post(REMIND, {"month": month(), "confirm": "1", "csrf_token": ""})
    assert response.status_code == 400
    assert smtp.messages == []


@pytest.mark.parametrize("bad", ["9999-12", "0001-01", "2026-13", "x"])
def test_a_month_out_of_range_is_a_400_not_a_500(app, missing, login_as, smtp, bad):  # noqa: F811
    """Review finding and issue 16 finding 5: December 9999 passed the month check, and the month after it
    (year 10000) was a 500 on the missing list and on 提醒未报送单位. It is a 400 that says what to write, and
    nobody is reminded."""
    dept = login_as("dept_admin")
    page = dept.get(f"/admin/reports/missing/?month={bad}")
    assert page.status_code == 400 and "月份应写成" in page.get_data(as_text=True)
    for data in ({"month": bad}, {"month": bad, "confirm": "1"}):
        assert dept.post(REMIND, data).status_code == 400
    assert smtp.messages == []


def test_two_runs_that_both_read_nobody_reminded_send_once(app, missing, login_as, smtp, monkeypatch):  # noqa: F811
    """Review finding: two sends at once (two clicks of 确认发送, or the button while `flask remind` runs) both
    read the reminder log before either wrote it; each sent its e-mail, and the second then failed on the log's
    one-row-a-day key (a 500 after the mail had gone out twice). The log's row is now claimed before sending."""
    from services import reminders
    monkeypatch.setattr(reminders, "reminded_today", lambda today: set())  # as both runs read it
    dept = login_as("dept_admin")
    flashed(dept, dept.post(REMIND, {"month": month(), "confirm": "1", "unit": missing["own_unit"]}))
    response = dept.post(REMIND, {"month": month(), "confirm": "1", "unit": missing["own_unit"]})
    assert response.status_code == 302
    assert recipients(smtp) == ["editor@example.edu.cn", "leader@example.edu.cn"]
    with app.app_context():
        assert db.session.query(ReminderLog).count() == 2


def test_a_month_not_yet_due_is_not_reminded_of(app, missing, login_as, smtp):  # noqa: F811
    """Review finding: a forged month=<this month or later> reminded every unit of reports that are not yet due
    (the list's months stop at the month now due)."""
    this_month = reports.add_months(reports.reporting_period(), 1)
    dept = login_as("dept_admin")
    confirm = html.unescape(dept.post(REMIND, {"month": this_month.strftime("%Y-%m")}).get_data(as_text=True))
    period = reports.reporting_period()
    assert f"{period.year}年{period.month}月" in confirm
    assert f"{this_month.year}年{this_month.month}月" not in confirm
    later = reports.add_months(period, 2)  # within the months a request may name (finding 5), not yet due
    flashed(dept, dept.post(REMIND, {"month": later.strftime("%Y-%m"), "confirm": "1", "unit": missing["own_unit"]}))
    body = smtp.messages[0][1].get_content()
    assert f"{later.year}年{later.month}月" not in body and f"{period.year}年{period.month}月" in body
