"""The department's action on late records, and the monthly-report and calendar chores."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models import Account, AccountStatus, AuditLog, MonthlyReport, ReminderLog, User, Violation, WorkCalendar, db

from ..conftest import csrf_from
from ..test_reminders import smtp  # noqa: F401 (the loopback SMTP server fixture)

from .matrix import ALL_SEEING, ROLES, UNIT_ROLES, VIEWS, body, count, fetch, leaks, xlsx_text


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("view", ["accounts", "changes", "reports"])
@pytest.mark.parametrize("role", ROLES)
def test_record_late_is_the_departments(app, access_world, login_as, role, view, which):
    """Recording a late record as a violation writes a Violation: the department's only."""
    model, row_id = VIEWS[view].model, access_world["rows"][view][which]
    with app.app_context():
        row = db.session.get(model, row_id)
        row.is_late = True
        db.session.commit()
    before = count(app, Violation)
    response = login_as(role).post(f"/admin/{view}/action/", {"action": "record_late", "rowid": row_id,
                                                               "url": f"/admin/{view}/"})
    assert response.status_code in (302, 403, 404)
    assert count(app, Violation) == before + (1 if role == "dept_admin" else 0)


def register_both_accounts(app, world) -> None:
    """Both units' accounts registered (active: they must report), without any report."""
    with app.app_context():
        for key in ("own_report", "other_report"):
            db.session.delete(db.session.get(MonthlyReport, world[key]))
        for key in ("own_account", "other_account"):
            account = db.session.get(Account, world[key])
            account.status, account.approved_at = AccountStatus.approved, dt.datetime(2026, 9, 5, 10)
        db.session.commit()


@pytest.mark.parametrize("query", ["", "&unit={other_unit}", "&format=csv", "&format=xlsx",
                                   "&format=csv&unit={other_unit}"])
@pytest.mark.parametrize("role", ROLES)
def test_missing_reports_page_is_scoped(app, access_world, login_as, role, query):
    register_both_accounts(app, access_world)
    response = fetch(login_as(role), "/admin/reports/missing/?month=2026-10" + query.format(**access_world))
    assert response.status_code == 200
    text = xlsx_text(response.data) if "xlsx" in query else body(response)
    if role in ALL_SEEING:
        assert "外单位帐号" in text  # positive control
    else:
        assert not leaks(text), f"missing-reports{query} shows {role} the other unit"
        assert "本单位帐号" in text


def give_emails(app) -> None:
    with app.app_context():
        for username in ("editor", "leader", "other_editor"):
            db.session.query(User).filter_by(username=username).one().email = f"{username}@example.edu.cn"
        db.session.commit()


@pytest.mark.parametrize("which", ["all", "own", "other"])
@pytest.mark.parametrize("step", ["confirm", "send"])
@pytest.mark.parametrize("role", ROLES)
def test_remind_from_the_missing_list_is_the_departments(app, access_world, login_as, smtp, role, step,  # noqa: F811
                                                         which):
    """提醒未报送单位: a forged POST (with the session's CSRF token) as a unit user or the auditor is 403 and
    sends, logs and audits nothing; the department's sends (positive control)."""
    register_both_accounts(app, access_world)
    give_emails(app)
    data = {"month": "2026-10", **({"confirm": "1"} if step == "send" else {})}
    if which != "all":
        data["account_id"] = access_world["rows"]["accounts"][which]
    response = login_as(role).post("/admin/reports/missing/remind/", data)
    with app.app_context():
        logged = db.session.query(ReminderLog).count()
        audited = db.session.query(AuditLog).filter(AuditLog.object_type == "ReminderLog").count()
    if role == "dept_admin":
        expected = {"all": 3, "own": 2, "other": 1}[which] if step == "send" else 0
        assert response.status_code == (302 if step == "send" else 200)
        assert len(smtp.messages) == logged == audited == expected
    else:
        assert response.status_code == 403
        assert smtp.messages == [] and logged == 0 and audited == 0


@pytest.mark.parametrize("step", ["confirm", "send"])
def test_remind_from_the_missing_list_sends_the_anonymous_to_the_login_page(app, access_world, smtp, step):  # noqa: F811
    register_both_accounts(app, access_world)
    give_emails(app)  # the department would reach them
    client = app.test_client()
    token = csrf_from(body(client.get("/login")))
    response = client.post("/admin/reports/missing/remind/", data={
        "month": "2026-10", "csrf_token": token, **({"confirm": "1"} if step == "send" else {})})
    assert response.status_code == 302 and response.headers["Location"].split("?")[0].endswith("/login")
    assert smtp.messages == [] and count(app, ReminderLog) == 0


@pytest.mark.parametrize("role", ROLES)
def test_only_the_department_is_offered_the_remind_button(app, access_world, login_as, role):
    register_both_accounts(app, access_world)
    html = body(login_as(role).get("/admin/reports/missing/?month=2026-10"))
    assert ("提醒未报送单位" in html) == (role == "dept_admin")
    assert ("/admin/reports/missing/remind/" in html) == (role == "dept_admin")


@pytest.mark.parametrize("role", ROLES)
def test_dormant_accounts_page_is_scoped(app, access_world, login_as, role):
    register_both_accounts(app, access_world)
    html = body(login_as(role).get("/admin/reports/dormant/"))
    if role in ALL_SEEING:
        assert "外单位帐号" in html  # positive control
    else:
        assert not leaks(html) and "本单位帐号" in html


@pytest.mark.parametrize("role", ROLES)
def test_prepare_drafts_only_for_the_own_unit(app, access_world, login_as, role):
    register_both_accounts(app, access_world)
    response = login_as(role).post("/admin/reports/prepare/", {})
    with app.app_context():
        by_unit = dict(db.session.query(MonthlyReport.unit_id, sa.func.count()).group_by(MonthlyReport.unit_id).all())
    assert access_world["other_unit"] not in by_unit, f"{role} prepared the other unit's reports"
    if role in UNIT_ROLES:
        assert by_unit.get(access_world["own_unit"]) == 1  # positive control
    else:
        assert response.status_code == 403 and not by_unit


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", ROLES)
def test_calendar_batch_is_the_departments(app, access_world, login_as, role, method):
    before = count(app, WorkCalendar)
    client = login_as(role)
    response = client.get("/admin/calendar/batch/") if method == "get" else client.post(
        "/admin/calendar/batch/", {"start": "2031-02-01", "end": "2031-02-03", "kind": "holiday", "name": "春节"})
    if role == "dept_admin":
        assert response.status_code == (200 if method == "get" else 302)
        assert count(app, WorkCalendar) == before + (3 if method == "post" else 0)  # positive control
    else:
        assert response.status_code == 403 and count(app, WorkCalendar) == before
