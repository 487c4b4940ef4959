"""A new person from an account's team row (POST /admin/managers/team-person/, JSON): who may make one, and in
which unit. A unit user's person is always of their own unit, whatever unit the POST names; the department's
goes to the unit it chooses (the positive control that the forged field is read at all); the auditor and the
anonymous make nobody."""
from __future__ import annotations

import pytest

from models import Manager, db

from .matrix import ROLES, UNIT_ROLES, body, leaks, max_id, new_rows

URL = "/admin/managers/team-person/"
PERSON = {"name": "对话框新增人员", "phone": "13900005678", "employment_status": "staff", "team_role": "admin"}
#: The unit a POST names: none, the own unit, the other unit by the form's field or by the column's name.
UNITS = {"none": {}, "own": {"unit": "own_unit"}, "forged": {"unit": "other_unit"},
         "forged-id": {"unit_id": "other_unit"}}


@pytest.mark.parametrize("unit", list(UNITS))
@pytest.mark.parametrize("role", ROLES)
def test_who_makes_a_person_and_in_which_unit(app, access_world, login_as, role, unit):
    payload = {**PERSON, **{field: access_world[key] for field, key in UNITS[unit].items()}}
    since = max_id(app, Manager)
    response = login_as(role).post(URL, payload)
    made = new_rows(app, Manager, since)
    if role == "auditor":
        assert response.status_code == 403 and not made
        return
    if role == "dept_admin" and unit in ("none", "forged-id"):
        # The department names the unit in the form's own field: without it the form refuses (positive control:
        # the same POST with a unit succeeds, below).
        assert response.status_code == 400 and not made
        return
    assert response.status_code == 200, body(response)
    assert len(made) == 1
    with app.app_context():
        person = db.session.get(Manager, made[0].id)
        expected = access_world["other_unit"] if role == "dept_admin" and unit == "forged" else access_world["own_unit"]
        assert person.unit_id == expected
    if role in UNIT_ROLES:
        assert not leaks(body(response))


@pytest.mark.parametrize("role", UNIT_ROLES)
def test_a_unit_user_never_makes_a_person_of_another_unit(app, access_world, login_as, role):
    """Every way of naming the other unit at once: the person is still of the own unit."""
    payload = {**PERSON, "unit": access_world["other_unit"], "unit_id": access_world["other_unit"],
               "unit-id": access_world["other_unit"]}
    since = max_id(app, Manager)
    response = login_as(role).post(URL, payload)
    assert response.status_code == 200
    assert [m.unit_id for m in new_rows(app, Manager, since)] == [access_world["own_unit"]]


def test_the_anonymous_go_to_login_and_make_nobody(app, access_world):
    from ..conftest import csrf_from

    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))  # a valid token: the login check answers
    since = max_id(app, Manager)
    response = client.post(URL, data={**PERSON, "csrf_token": token})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not new_rows(app, Manager, since)


@pytest.mark.parametrize("role", ROLES)
def test_get_is_not_allowed(app, access_world, login_as, role):
    assert login_as(role).get(URL).status_code in (403, 405)
