"""Change requests (变更备案, 第八条): proposed values, due date, approval applies them, history."""
import datetime as dt

import pytest

from models import Account, ChangeKind, ChangeRecord, EmploymentStatus, Maintenance, ReviewStatus, Unit, User, db
from services import workflow
from services.workdays import sync_from_chinese_calendar

from .conftest import make_manager


def _new_change(client, world, **fields):
    data = {"account": str(world["own_account"]), "changed_on": "2026-09-25", "reason": "工作调整"}
    data.update(fields)
    return client.post("/admin/changes/new/", data=data)


def test_name_change_keeps_before_and_after_and_due_date(app, world, login_as):
    with app.app_context():
        sync_from_chinese_calendar()
        db.session.commit()
    response = _new_change(login_as("unit_editor"), world, kind="name", new_name="会计学院官方微博")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        change = db.session.query(ChangeRecord).one()
        assert change.before["name"] == "本单位帐号" and change.after == {"name": "会计学院官方微博"}
        assert change.due_on == dt.date(2026, 10, 9) and change.status == ReviewStatus.draft
        assert change.unit_id == world["own_unit"]


@pytest.mark.parametrize("fields, message", [
    ({"kind": "name"}, "新的帐号名称"),
    ({"kind": "maintenance"}, "维护方式"),
    ({"kind": "maintenance", "new_maintenance": "outsourced"}, "第三方"),
    ({"kind": "managers"}, "负责人"),
    ({"kind": "closure"}, "停更公告"),
    ({"kind": "name", "new_name": "x", "changed_on": "2999-01-01"}, "晚于今天"),
])
def test_incomplete_change_is_refused(app, world, login_as, fields, message):
    response = _new_change(login_as("unit_editor"), world, **fields)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ChangeRecord).count() == 0


def test_managers_change_on_a_verified_account_checks_article_8(app, world, login_as):
    with app.app_context():
        db.session.get(Account, world["own_account"]).verified = True
        student = make_manager(db.session.get(Unit, world["own_unit"]), "学生丁", EmploymentStatus.student)
        db.session.commit()
        student_id = student.id
    response = _new_change(login_as("unit_editor"), world, kind="managers", new_head=str(world["own_admin"]),
                           new_admins=str(student_id))
    assert "第八条" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ChangeRecord).count() == 0


def test_managers_change_cannot_name_another_units_person(app, world, login_as):
    response = _new_change(login_as("unit_editor"), world, kind="managers", new_head=str(world["own_admin"]),
                           new_admins=str(world["other_manager"]))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(ChangeRecord).count() == 0


def test_approved_managers_change_replaces_the_team(app, world, login_as):
    client = login_as("unit_editor")
    response = _new_change(client, world, kind="managers", new_head=str(world["own_admin"]),
                           new_admins=str(world["own_manager"]))
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        change = db.session.query(ChangeRecord).one()
        change.status = ReviewStatus.dept_review
        db.session.commit()
        workflow.approve(change, db.session.query(User).filter_by(username="dept").one(), "准予变更")
        db.session.commit()
        account = db.session.get(Account, world["own_account"])
        assert account.head.manager_id == world["own_admin"]
        assert [m.manager_id for m in account.admins] == [world["own_manager"]]


def test_maintenance_change_applies_method_and_vendor(app, world, ctx):
    account = db.session.get(Account, world["own_account"])
    change = ChangeRecord(account=account, unit_id=account.unit_id, kind=ChangeKind.maintenance,
                          changed_on=dt.date(2026, 11, 2), after={"maintenance": "outsourced", "vendor": "某传媒公司"},
                          status=ReviewStatus.dept_review)
    db.session.add(change)
    db.session.flush()
    workflow.approve(change, db.session.query(User).filter_by(username="dept").one())
    db.session.commit()
    assert account.maintenance == Maintenance.outsourced and account.vendor == "某传媒公司"


def test_account_page_shows_its_change_history(app, world, login_as):
    client = login_as("unit_editor")
    _new_change(client, world, kind="name", new_name="新名字")
    html = client.get(f"/admin/accounts/details/?id={world['own_account']}").get_data(as_text=True)
    assert "变更" in html and "/admin/changes/details/?id=" in html


def test_edit_form_shows_the_proposed_values(app, world, login_as):
    client = login_as("unit_editor")
    _new_change(client, world, kind="name", new_name="新名字")
    with app.app_context():
        change_id = db.session.query(ChangeRecord.id).scalar()
    assert 'value="新名字"' in client.get(f"/admin/changes/edit/?id={change_id}").get_data(as_text=True)
