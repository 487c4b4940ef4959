"""Violations (第十一~十三条): suspension, the unit's rectification, reinstatement, lateness in bulk."""
import datetime as dt

import pytest

from models import Account, AccountStatus, AuditAction, AuditLog, Measure, MonthlyReport, Violation, db

from .conftest import make_account


@pytest.fixture
def registered(app, world):
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status, account.approved_at, account.in_matrix = AccountStatus.approved, dt.datetime(2026, 9, 5), True
        db.session.commit()
    return world


def _record(client, world, measure="suspend"):
    return client.post("/admin/violations/new/", data={
        "account": str(world["own_account"]), "occurred_on": "2026-11-20", "kind": "unauthorised_sensitive",
        "description": "擅自发布突发事件信息", "measure": measure, "responsible_persons": "张伟"})


def test_order_to_stop_suspends_the_account(app, registered, login_as):
    assert _record(login_as("dept_admin"), registered).status_code == 302
    with app.app_context():
        account = db.session.get(Account, registered["own_account"])
        assert account.status == AccountStatus.suspended and not account.in_matrix
        violation = db.session.query(Violation).one()
        assert violation.unit_id == registered["own_unit"]
        assert db.session.query(AuditLog).filter_by(object_type="Account", action=AuditAction.suspend).count() == 1


def test_rectification_then_reinstatement(app, registered, login_as):
    dept, editor = login_as("dept_admin"), login_as("unit_editor")
    _record(dept, registered)
    with app.app_context():
        violation = db.session.query(Violation).one()
        violation_id, version = violation.id, violation.version
    # Not reinstated before the unit recorded its rectification.
    dept.post("/admin/accounts/action/", data={"action": "reinstate", "rowid": str(registered["own_account"])})
    with app.app_context():
        assert db.session.get(Account, registered["own_account"]).status == AccountStatus.suspended
    # The unit records its rectification; a forged change of the measure is ignored.
    response = editor.post(f"/admin/violations/edit/?id={violation_id}", data={
        "rectification": "已删除相关信息，并组织管理员学习有关规定。", "measure": "rectify", "description": "改掉",
        "row_version": str(version)})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        violation = db.session.get(Violation, violation_id)
        assert violation.rectification.startswith("已删除") and violation.measure == Measure.suspend
        assert violation.description == "擅自发布突发事件信息"
    dept.post("/admin/accounts/action/", data={"action": "reinstate", "rowid": str(registered["own_account"]),
                                               "opinion": "整改到位"})
    with app.app_context():
        account = db.session.get(Account, registered["own_account"])
        assert account.status == AccountStatus.approved and account.in_matrix
        assert db.session.get(Violation, violation_id).resolved_on == dt.date.today()


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader", "auditor"])
def test_only_the_department_records_or_deletes_violations(app, registered, login_as, role):
    client = login_as(role)
    _record(client, registered)
    with app.app_context():
        assert db.session.query(Violation).count() == 0
    _record(login_as("dept_admin"), registered)
    with app.app_context():
        violation_id = db.session.query(Violation.id).scalar()
    client.post("/admin/violations/delete/", data={"id": violation_id})
    with app.app_context():
        assert db.session.query(Violation).count() == 1


def test_unit_edit_form_has_only_rectification(app, registered, login_as):
    _record(login_as("dept_admin"), registered)
    with app.app_context():
        violation_id = db.session.query(Violation.id).scalar()
    html = login_as("unit_editor").get(f"/admin/violations/edit/?id={violation_id}").get_data(as_text=True)
    assert 'id="rectification"' in html and 'id="measure"' not in html and 'id="description"' not in html
    assert login_as("other_editor").get(f"/admin/violations/edit/?id={violation_id}").status_code == 404


def test_late_records_become_violations_in_bulk(app, registered, login_as):
    with app.app_context():
        from models import Unit

        late = db.session.get(Account, registered["own_account"])
        late.is_late, late.submitted_at = True, dt.datetime(2026, 9, 20, 10)
        on_time = make_account(db.session.get(Unit, registered["own_unit"]), "按时帐号", account_id="ontime")
        report = db.session.get(MonthlyReport, registered["own_report"])
        report.is_late, report.submitted_at = True, dt.datetime(2026, 11, 9, 10)
        db.session.commit()
        ids = [str(late.id), str(on_time.id), str(registered["other_account"])]
    dept = login_as("dept_admin")
    dept.post("/admin/accounts/action/", data={"action": "record_late", "rowid": ids})
    dept.post("/admin/accounts/action/", data={"action": "record_late", "rowid": ids})  # twice: no duplicate
    dept.post("/admin/reports/action/", data={"action": "record_late", "rowid": [str(registered["own_report"])]})
    with app.app_context():
        kinds = sorted(v.kind.name for v in db.session.query(Violation))
        assert kinds == ["late_registration", "late_report"]


def test_unit_users_cannot_record_lateness(app, registered, login_as):
    with app.app_context():
        account = db.session.get(Account, registered["own_account"])
        account.is_late, account.submitted_at = True, dt.datetime(2026, 9, 20)
        db.session.commit()
    login_as("unit_leader").post("/admin/accounts/action/", data={"action": "record_late",
                                                                  "rowid": [str(registered["own_account"])]})
    with app.app_context():
        assert db.session.query(Violation).count() == 0
