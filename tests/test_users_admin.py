"""The department manages logins on /admin/users/."""
import re

import pytest

from models import Role, User, db


def _form(**overrides):
    data = {"username": "new_leader", "display_name": "新负责人", "role": "unit_leader", "unit": "",
            "email": "", "active": "y", "new_password": "a-long-password1"}
    data.update(overrides)
    return data


def test_department_creates_a_unit_leader(app, world, login_as):
    response = login_as("dept_admin").post("/admin/users/new/", data=_form(unit=str(world["own_unit"])))
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        user = db.session.query(User).filter_by(username="new_leader").one()
        assert user.role == Role.unit_leader and user.unit_id == world["own_unit"]
        assert user.check_password("a-long-password1")


@pytest.mark.parametrize("overrides", [
    {"unit": ""},  # a unit role needs a unit
    {"new_password": "short"},  # password policy
    {"new_password": ""},  # a new user needs a password
    {"username": "has space"},
    {"username": "editor"},  # taken
])
def test_bad_user_input(app, world, login_as, overrides):
    data = _form(unit=str(world["own_unit"]))
    data.update(overrides)
    response = login_as("dept_admin").post("/admin/users/new/", data=data)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(User).filter_by(username=data["username"]).count() == \
            (1 if data["username"] == "editor" else 0)


def test_department_role_loses_its_unit(app, world, login_as):
    response = login_as("dept_admin").post("/admin/users/new/", data=_form(role="auditor", unit=str(world["own_unit"])))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(User).filter_by(username="new_leader").one().unit_id is None


def test_edit_without_password_keeps_it(app, world, login_as):
    client = login_as("dept_admin")
    with app.app_context():
        user = db.session.query(User).filter_by(username="editor").one()
        old_hash, user_id = user.password_hash, user.id
    response = client.post(f"/admin/users/edit/?id={user_id}", data=_form(
        username="editor", role="unit_editor", unit=str(world["own_unit"]), new_password="", display_name="改名"))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.password_hash == old_hash and user.display_name == "改名"


def test_password_hash_is_never_shown(app, world, login_as):
    client = login_as("auditor")
    with app.app_context():
        user_id = db.session.query(User.id).filter_by(username="editor").scalar()
    for url in ("/admin/users/", f"/admin/users/details/?id={user_id}", "/admin/users/export/csv/"):
        body = client.get(url).get_data(as_text=True)
        assert "pbkdf2" not in body and "scrypt" not in body


def test_the_password_help_says_what_the_form_does(app, world, login_as):
    """"Leave empty to keep the current password" only when there is one; a new user's password is required."""
    client = login_as("dept_admin")
    new = client.get("/admin/users/new/").get_data(as_text=True)
    assert "留空则不修改当前密码" not in new and "必填。至少 10 个字符" in new
    field = re.search(r'<input[^>]*id="new_password"[^>]*>', new).group(0)
    assert " required" in field, field
    with app.app_context():
        user_id = db.session.query(User).filter_by(username="editor").one().id
    edit = client.get(f"/admin/users/edit/?id={user_id}").get_data(as_text=True)
    assert "留空则不修改当前密码" in edit and "必填。至少 10 个字符" not in edit


def test_the_unit_search_box_may_be_left_empty_and_speaks_chinese(app, world, login_as):
    """The unit of a user is a search box (1,500 units at province scale, issue 18), empty for the department's
    own logins: blank allowed, the prompt in Chinese, no "__None" shown."""
    import re

    page = login_as("dept_admin").get("/admin/users/new/").get_data(as_text=True)
    box = re.search(r'<input([^>]*name="unit"[^>]*)>', page).group(1)
    assert 'data-role="select2-ajax"' in box and "data-allow-blank" in box
    assert 'data-placeholder="输入单位名称或代码搜索"' in box and ">__None<" not in page


def test_a_new_password_from_the_department_unlocks_the_login(app, world, login_as):
    """Review finding: a locked user is told to ask the Propaganda Department, which had no way to unlock the login
    (a new password left the lock and the failure count in place)."""
    import datetime as dt
    from models import utcnow
    with app.app_context():
        user = db.session.query(User).filter_by(username="editor").one()
        user.failed_logins, user.locked_until = 5, utcnow() + dt.timedelta(minutes=15)
        db.session.commit()
        user_id = user.id
    response = login_as("dept_admin").post(f"/admin/users/edit/?id={user_id}", data=_form(
        username="editor", role="unit_editor", unit=str(world["own_unit"]), new_password="a-long-password1"))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.locked_until is None and user.failed_logins == 0
