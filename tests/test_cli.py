"""flask CLI commands, configuration checks and the health check."""
import datetime as dt

import pytest

from app import create_app
from models import Account, AuditLog, ChangeRecord, MonthlyReport, Role, Unit, User, Violation, WorkCalendar, db


def test_users_create(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "new_editor", "--role", "unit_editor", "--unit", "kjxy",
                                 "--password", "long-enough-pw1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.query(User).filter_by(username="new_editor").one()
        assert user.role == Role.unit_editor and user.unit.code == "KJXY"
        assert user.check_password("long-enough-pw1")


@pytest.mark.parametrize("args, message", [
    (["x1", "--role", "unit_editor"], "--unit is required"),
    (["x2", "--role", "unit_leader", "--unit", "NOPE"], "No unit"),
    (["x3", "--role", "dept_admin", "--unit", "KJXY"], "do not give --unit"),
    (["editor", "--role", "auditor"], "taken"),
    (["x4", "--role", "auditor", "--password", "short"], "10"),
    (["x5", "--role", "superuser"], "Invalid value"),
])
def test_users_create_refuses_bad_input(app, world, args, message):
    result = app.test_cli_runner().invoke(args=["users", "create", *args])
    assert result.exit_code != 0 and message in result.output


def test_users_create_generates_a_password(app, world):
    result = app.test_cli_runner().invoke(args=["users", "create", "gen", "--role", "auditor"])
    assert result.exit_code == 0 and "Password: " in result.output


def test_seed_demo_is_idempotent_and_complete(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    for username in ("dept", "auditor", "kj_editor", "kj_leader"):
        assert username in first.output
    models = (Unit, User, Account, ChangeRecord, MonthlyReport, Violation, WorkCalendar)
    with app.app_context():
        counts = {m.__name__: db.session.query(m).count() for m in models}
        statuses = {a.status.name for a in db.session.query(Account)}
        assert statuses >= {"draft", "unit_review", "dept_review", "approved", "returned", "suspended", "closed"}
        assert {u.role for u in db.session.query(User)} == set(Role)
        assert db.session.query(MonthlyReport).filter_by(involves_classified=True).count() == 1
        assert db.session.query(MonthlyReport).filter_by(is_late=True).count() >= 1
        assert len({a.platform for a in db.session.query(Account)}) >= 5
    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0
    with app.app_context():
        assert {m.__name__: db.session.query(m).count() for m in models} == counts


def test_calendar_sync(app):
    result = app.test_cli_runner().invoke(args=["calendar", "sync"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.query(WorkCalendar).filter_by(day=dt.date(2026, 10, 1)).one().kind.name == "holiday"
        assert db.session.query(WorkCalendar).filter_by(day=dt.date(2026, 9, 20)).one().kind.name == "workday"
    again = app.test_cli_runner().invoke(args=["calendar", "sync"])
    assert "0 days added" in again.output


def test_healthz(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_healthz_reports_an_unreachable_database(tmp_path):
    broken = create_app({"TESTING": True, "SECRET_KEY": "x",
                         "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": None, "DEBUG": False, "TESTING": False})


def test_error_pages_are_chinese_and_leak_nothing(app, world, login_as):
    response = login_as("unit_editor").get("/admin/accounts/details/?id=999999")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "不存在" in html and "Traceback" not in html


def test_cli_changes_are_audited_as_system(app, world):
    app.test_cli_runner().invoke(args=["users", "create", "sys_made", "--role", "auditor",
                                       "--password", "long-enough-pw1"])
    with app.app_context():
        entry = db.session.query(AuditLog).filter_by(object_type="User", object_label="sys_made (sys_made)").one()
        assert entry.user_id is None and entry.changes["password_hash"] == [None, "***"]  # set, never its value
