"""The department's bulk actions: publish, move to another unit, replace a manager — counted and audited."""
import datetime as dt

import pytest

from models import (Account, AccountStatus, AuditLog, EmploymentStatus, Manager, MonthlyReport, Unit, db)

from .conftest import make_manager


@pytest.fixture
def registered(app, world):
    with app.app_context():
        for key in ("own_account", "other_account"):
            account = db.session.get(Account, world[key])
            account.status, account.approved_at = AccountStatus.approved, dt.datetime(2026, 9, 5)
        db.session.commit()
    return world


def test_publish_and_unpublish(app, registered, login_as):
    dept = login_as("dept_admin")
    ids = [str(registered["own_account"]), str(registered["other_account"])]
    dept.post("/admin/accounts/action/", data={"action": "set_in_matrix", "rowid": ids})
    with app.app_context():
        assert all(db.session.get(Account, int(i)).in_matrix for i in ids)
    html = dept.get("/admin/accounts/").get_data(as_text=True)
    assert "2 条记录已修改" in html or "2 条" in html
    dept.post("/admin/accounts/action/", data={"action": "clear_in_matrix", "rowid": ids[:1]})
    with app.app_context():
        assert not db.session.get(Account, int(ids[0])).in_matrix


def test_draft_is_not_published(app, world, login_as):
    login_as("dept_admin").post("/admin/accounts/action/", data={"action": "set_in_matrix",
                                                                 "rowid": [str(world["own_account"])]})
    with app.app_context():
        assert not db.session.get(Account, world["own_account"]).in_matrix


def test_move_to_another_unit_takes_the_history(app, registered, login_as):
    dept = login_as("dept_admin")
    response = dept.post("/admin/accounts/action/", data={"action": "move", "rowid": [str(registered["own_account"])]})
    assert response.status_code == 302 and "/admin/accounts/move/" in response.headers["Location"]
    assert "本单位帐号" in dept.get(response.headers["Location"]).get_data(as_text=True)
    dept.post("/admin/accounts/move/", data={"ids": str(registered["own_account"]), "unit": registered["other_unit"]})
    with app.app_context():
        account = db.session.get(Account, registered["own_account"])
        assert account.unit_id == registered["other_unit"]
        assert db.session.get(MonthlyReport, registered["own_report"]).unit_id == registered["other_unit"]
        assert db.session.query(AuditLog).filter(AuditLog.object_type == "Account",
                                                 AuditLog.note.like("%校团委%")).count() == 1
    assert login_as("unit_editor").get(f"/admin/accounts/details/?id={registered['own_account']}").status_code == 404
    assert login_as("other_editor").get(f"/admin/reports/details/?id={registered['own_report']}").status_code == 200


def test_replace_a_manager_across_accounts(app, registered, login_as):
    with app.app_context():
        unit = db.session.get(Unit, registered["own_unit"])
        new = make_manager(unit, "接替人", staff_no="N1")
        student = make_manager(unit, "学生接替", EmploymentStatus.student, staff_no="N2")
        account = db.session.get(Account, registered["own_account"])
        account.verified = True
        db.session.commit()
        new_id, student_id, old_id = new.id, student.id, registered["own_admin"]
    dept = login_as("dept_admin")
    ids = f"{registered['own_account']},{registered['other_account']}"
    assert dept.get(f"/admin/accounts/replace-manager/?ids={ids}").status_code == 200
    dept.post("/admin/accounts/replace-manager/", data={"ids": ids, "old": old_id, "new": student_id})
    with app.app_context():  # 第八条: a student cannot be 管理员 of a verified account
        assert {m.manager_id for m in db.session.get(Account, registered["own_account"]).team} >= {old_id}
    dept.post("/admin/accounts/replace-manager/", data={"ids": ids, "old": old_id, "new": new_id})
    with app.app_context():
        team = {m.manager_id: m.role.name for m in db.session.get(Account, registered["own_account"]).team}
        assert team.get(new_id) == "admin" and old_id not in team
        other_team = {m.manager_id for m in db.session.get(Account, registered["other_account"]).team}
        assert new_id not in other_team  # the other account had neither person


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader", "auditor"])
def test_bulk_edits_are_the_departments(app, registered, login_as, role):
    client = login_as(role)
    ids = str(registered["own_account"])
    assert client.get(f"/admin/accounts/move/?ids={ids}").status_code == 403
    assert client.post("/admin/accounts/move/", data={"ids": ids, "unit": registered["other_unit"]}).status_code == 403
    assert client.get(f"/admin/accounts/replace-manager/?ids={ids}").status_code == 403
    client.post("/admin/accounts/action/", data={"action": "clear_in_matrix", "rowid": [ids]})
    with app.app_context():
        assert db.session.get(Account, registered["own_account"]).unit_id == registered["own_unit"]


def test_move_with_nothing_selected_or_foreign_ids(app, registered, login_as):
    dept = login_as("dept_admin")
    assert dept.get("/admin/accounts/move/?ids=").status_code == 404
    assert dept.get("/admin/accounts/move/?ids=abc,99999999999").status_code == 404
    response = dept.post("/admin/accounts/move/", data={"ids": str(registered["own_account"]), "unit": "abc"})
    assert response.status_code == 200


def _second_account_sharing_the_head(app, world):
    """A second account of the own unit whose team has the own account's 负责人 (but not its 管理员)."""
    from models import TeamMember, TeamRole

    from .conftest import make_account

    with app.app_context():
        unit = db.session.get(Unit, world["own_unit"])
        second = make_account(unit, "本单位第二帐号")
        second.team[0].manager = db.session.get(Manager, world["own_manager"])
        db.session.commit()
        return second.id


def test_moving_offers_to_move_the_people_who_serve_only_these_accounts(app, registered, login_as):
    _second_account_sharing_the_head(app, registered)
    dept = login_as("dept_admin")
    html = dept.get(f"/admin/accounts/move/?ids={registered['own_account']}").get_data(as_text=True)
    assert "同时调动只服务于这些帐号的管理人员" in html
    offered = html[html.index("move-people"):html.index("</label>", html.index("move-people"))]
    staying = html[html.index("move-staying"):]
    assert "本单位帐号管理员" in offered and "本单位帐号负责人" not in offered
    assert "本单位帐号负责人" in staying and "管理人员变更" in staying
    with app.app_context():
        admin_version = db.session.get(Manager, registered["own_admin"]).version
    dept.post("/admin/accounts/move/", data={
        "ids": str(registered["own_account"]), "unit": registered["other_unit"], "move_people": "1",
        "people": [registered["own_admin"]], f"version_{registered['own_admin']}": admin_version})
    with app.app_context():
        assert db.session.get(Account, registered["own_account"]).unit_id == registered["other_unit"]
        assert db.session.get(Manager, registered["own_admin"]).unit_id == registered["other_unit"]
        assert db.session.get(Manager, registered["own_manager"]).unit_id == registered["own_unit"]
        assert db.session.query(AuditLog).filter(AuditLog.object_type == "Manager",
                                                 AuditLog.object_id == registered["own_admin"],
                                                 AuditLog.note.like("%校团委%")).count() == 1


def test_moving_without_the_box_leaves_the_people(app, registered, login_as):
    login_as("dept_admin").post("/admin/accounts/move/", data={
        "ids": str(registered["own_account"]), "unit": registered["other_unit"],
        "people": [registered["own_admin"]], f"version_{registered['own_admin']}": "1"})
    with app.app_context():
        assert db.session.get(Account, registered["own_account"]).unit_id == registered["other_unit"]
        assert db.session.get(Manager, registered["own_admin"]).unit_id == registered["own_unit"]


def test_moving_people_checks_their_version(app, registered, login_as):
    dept = login_as("dept_admin")
    with app.app_context():
        person = db.session.get(Manager, registered["own_admin"])
        stale = person.version
        person.title = "改过的职务"
        db.session.commit()
    html = dept.post("/admin/accounts/move/", data={
        "ids": str(registered["own_account"]), "unit": registered["other_unit"], "move_people": "1",
        "people": [registered["own_admin"]], f"version_{registered['own_admin']}": stale},
        follow_redirects=True).get_data(as_text=True)
    assert "“本单位帐号管理员”在您打开后已被他人修改" in html
    with app.app_context():
        assert db.session.get(Account, registered["own_account"]).unit_id == registered["own_unit"]
        assert db.session.get(Manager, registered["own_admin"]).unit_id == registered["own_unit"]


def test_the_service_refuses_to_take_a_person_who_serves_another_account(app, registered, ctx):
    """Checked again when the move is made (the team may have changed since the page was shown): the
    account stays where it was, and so does everybody."""
    from services import bulk
    from services.workflow import TransitionError

    _second_account_sharing_the_head(app, registered)
    account = db.session.get(Account, registered["own_account"])
    head = db.session.get(Manager, registered["own_manager"])
    dept = db.session.get(__import__("models").User, registered["users"]["dept_admin"])
    with pytest.raises(TransitionError, match="其他帐号|another account"):
        bulk.move_to_unit(account, db.session.get(Unit, registered["other_unit"]), dept, [head], [account.id])
    assert account.unit_id == registered["own_unit"] and head.unit_id == registered["own_unit"]
    db.session.rollback()
