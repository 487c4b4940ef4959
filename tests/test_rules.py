"""Rules on the account form (第七条, 第八条) and the staff check."""
import pytest

from models import Account, EmploymentStatus, Manager, Unit, db

from .conftest import make_manager
from .test_admin_crud import account_form


@pytest.fixture
def people(app, world):
    with app.app_context():
        unit = db.session.get(Unit, world["own_unit"])
        ids = {
            "student": make_manager(unit, "学生甲", EmploymentStatus.student).id,
            "non_staff": make_manager(unit, "聘用乙", EmploymentStatus.non_staff).id,
            "silent": make_manager(unit, "无联系丙").id,
        }
        db.session.get(Manager, ids["silent"]).phone = None
        db.session.commit()
    return ids


def _create(login_as, world, **overrides):
    return login_as("unit_editor").post("/admin/accounts/new/", data=account_form(world, **overrides))


def _created(app):
    with app.app_context():
        return db.session.query(Account).filter_by(name="新建帐号").one_or_none()


@pytest.mark.parametrize("team, message", [
    ({"team-1-role": "head"}, "一名负责人"),  # two heads
    ({"team-0-role": "admin"}, "一名负责人"),  # no head
    ({"team-1-manager": "", "team-1-role": ""}, "管理员"),  # no administrator
])
def test_team_needs_one_head_and_an_administrator(app, world, login_as, team, message):
    response = _create(login_as, world, **team)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _created(app) is None


def test_team_member_needs_phone_or_email(app, world, login_as, people):
    response = _create(login_as, world, **{"team-1-manager": str(people["silent"])})
    assert "无联系丙" in response.get_data(as_text=True)
    assert _created(app) is None


@pytest.mark.parametrize("who", ["student", "non_staff"])
def test_verified_account_administrators_must_be_on_staff(app, world, login_as, people, who):
    response = _create(login_as, world, verified="y", **{"team-1-manager": str(people[who])})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "第八条" in html
    assert ("学生甲" if who == "student" else "聘用乙") in html
    assert _created(app) is None


def test_unverified_account_may_have_a_student_administrator(app, world, login_as, people):
    response = _create(login_as, world, **{"team-1-manager": str(people["student"])})
    assert response.status_code == 302
    assert _created(app) is not None


def test_likely_duplicate_name_is_warned_not_refused(app, world, login_as):
    client = login_as("unit_editor")
    client.post("/admin/accounts/new/", data=account_form(world, name="本单位帐号", platform_account_id="x-2"))
    html = client.get("/admin/accounts/").get_data(as_text=True)
    assert "不是同一个帐号" in html or "同一帐号" in html or "同名" in html
    with app.app_context():
        assert db.session.query(Account).filter_by(name="本单位帐号").count() == 2


def test_manager_leaving_lists_their_accounts(app, world, login_as):
    client = login_as("unit_editor")
    with app.app_context():
        manager = db.session.get(Manager, world["own_admin"])
        form = {"name": manager.name, "staff_no": "", "title": "", "phone": manager.phone, "email": "",
                "employment_status": "left", "row_version": str(manager.version)}
    response = client.post(f"/admin/managers/edit/?id={world['own_admin']}", data=form, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "本单位帐号" in html
    home = client.get("/admin/").get_data(as_text=True)
    assert "本单位帐号" in home and manager.name in home
    assert "外单位帐号" not in home


def test_department_home_flags_verified_breach(app, world, login_as):
    with app.app_context():
        account = db.session.get(Account, world["other_account"])
        account.verified = True
        account.team[1].manager.employment_status = EmploymentStatus.left
        db.session.commit()
    home = login_as("dept_admin").get("/admin/").get_data(as_text=True)
    assert "外单位帐号" in home and "第八条" in home
