"""A new person from an account's team row without leaving the account form (issue 15, "Shaped by the tasks" 6):
the dialog posts to /admin/managers/team-person/, which makes the person with the manager form's own checks and
answers JSON; the person is then chosen in the row and saved with the account."""
from __future__ import annotations

import re

import pytest

from models import AuditAction, AuditLog, EmploymentStatus, Manager, db

from .access.matrix import body, form_fields

URL = "/admin/managers/team-person/"
PERSON = {"name": "新来的管理员", "staff_no": "N001", "title": "干事", "phone": "13900001234",
          "email": "new@example.edu.cn", "employment_status": "staff", "team_role": "admin", "account_verified": ""}


def people(app, name="新来的管理员"):
    with app.app_context():
        return [(m.unit_id, m.employment_status) for m in db.session.query(Manager).filter_by(name=name)]


def test_unit_editor_adds_a_person_of_their_unit(app, world, login_as):
    response = login_as("unit_editor").post(URL, PERSON)
    assert response.status_code == 200 and response.json["ok"], response.get_data(as_text=True)
    assert response.json["text"] == "新来的管理员（N001）"
    assert people(app) == [(world["own_unit"], EmploymentStatus.staff)]
    with app.app_context():  # 第十条: written to the audit log as a person made on the manager form
        entry = db.session.query(AuditLog).filter_by(object_type="Manager", object_id=response.json["id"]).one()
        assert entry.action == AuditAction.create and entry.username == "editor"
        assert entry.unit_id == world["own_unit"]


@pytest.mark.parametrize("changes, field, words", [
    ({"name": ""}, "name", "必填"),
    ({"phone": "12345"}, "phone", "手机"),
    ({"email": "not-an-address"}, "email", "邮"),
    ({"phone": "", "email": ""}, "phone", "既无联系电话"),
    ({"employment_status": ""}, "employment_status", ""),
    ({"employment_status": "student", "account_verified": "y"}, "employment_status", "第八条"),
])
def test_the_checks_of_the_manager_form_and_the_team_row(app, world, login_as, changes, field, words):
    response = login_as("unit_editor").post(URL, {**PERSON, **changes})
    assert response.status_code == 400 and not response.json["ok"]
    assert field in response.json["errors"], response.json
    assert words in " ".join(response.json["errors"][field])
    assert people(app) == [] and people(app, "") == []


def test_a_student_may_head_a_verified_account_or_administer_an_unverified_one(app, world, login_as):
    client = login_as("unit_editor")
    head = client.post(URL, {**PERSON, "employment_status": "student", "account_verified": "y", "team_role": "head"})
    admin = client.post(URL, {**PERSON, "staff_no": "N002", "employment_status": "student"})
    assert head.status_code == admin.status_code == 200
    assert len(people(app)) == 2


def test_a_staff_number_already_listed_is_refused_with_the_manager_form_words(app, world, login_as):
    client = login_as("unit_editor")
    assert client.post(URL, PERSON).status_code == 200
    again = client.post(URL, {**PERSON, "name": "另一人"})
    assert again.status_code == 400 and "工号" in " ".join(again.json["errors"][""])
    assert people(app, "另一人") == []


def test_without_the_csrf_token_nothing_is_made(app, world, login_as):
    client = login_as("unit_editor")
    response = client.client.post(URL, data=PERSON)
    assert response.status_code == 400
    assert people(app) == []


def test_the_account_form_offers_the_dialog_and_saves_the_new_person_on_the_team(app, world, login_as):
    client = login_as("unit_editor")
    page = body(client.get(f"/admin/accounts/edit/?id={world['own_account']}"))
    assert page.count("data-new-person ") >= 3  # each team row and the template of a new row
    dialog = re.search(r'<dialog id="new-person-dialog".*?</dialog>', page, re.S).group(0)
    assert f'action="{URL}"' in dialog and 'name="csrf_token"' in dialog
    assert 'id="person-name"' in dialog and 'name="unit"' not in dialog  # a unit user's person is of their unit
    assert 'data-role="select2' not in dialog
    made = client.post(URL, PERSON).json
    fields = form_fields(page)
    fields["team-1-manager"] = [str(made["id"])]
    saved = client.post(f"/admin/accounts/edit/?id={world['own_account']}", fields)
    assert saved.status_code == 302, body(saved)[-1500:]
    with app.app_context():
        from models import Account

        account = db.session.get(Account, world["own_account"])
        assert [m.manager.name for m in account.admins] == ["新来的管理员"]


def test_the_department_chooses_the_unit(app, world, login_as):
    client = login_as("dept_admin")
    page = body(client.get(f"/admin/accounts/edit/?id={world['own_account']}"))
    dialog = re.search(r'<dialog id="new-person-dialog".*?</dialog>', page, re.S).group(0)
    assert 'name="unit"' in dialog
    response = client.post(URL, {**PERSON, "unit": str(world["other_unit"])})
    assert response.status_code == 200
    assert people(app) == [(world["other_unit"], EmploymentStatus.staff)]
