"""The change form started from an account's page (/admin/changes/new/?account_id=<id>&kind=<kind>, issue 15):
a unit user naming another unit's account gets a 404 and none of its values; the own account (positive
control) is chosen and its current values shown; a malformed id is a 404, never a 500."""
from __future__ import annotations

import io

import pytest

from models import ChangeKind

from .matrix import BAD_IDS, CREATORS, ROLES, UNIT_ROLES, body, leaks, refused

KINDS = [kind.name for kind in ChangeKind]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_change_form_for_an_account(access_world, login_as, role, which, kind):
    account_id = access_world["rows"]["accounts"][which]
    for parameter in ("account_id", "account"):
        response = login_as(role).get(f"/admin/changes/new/?{parameter}={account_id}&kind={kind}")
        if role not in CREATORS["changes"]:
            assert refused(response), f"{role} opened a new change form"
        elif role in UNIT_ROLES and which == "other":
            assert response.status_code == 404, f"{role} started a change of the other unit's account"
        else:
            assert response.status_code == 200
            assert f'name="account" type="hidden" value="{account_id}"' in body(response)
        if role in UNIT_ROLES:
            assert not leaks(body(response))


@pytest.mark.parametrize("bad", [bad for bad in BAD_IDS if bad])  # an empty one is "no account chosen"
@pytest.mark.parametrize("role", UNIT_ROLES + ("dept_admin",))
def test_change_form_with_a_malformed_account_id(access_world, login_as, role, bad):
    response = login_as(role).get(f"/admin/changes/new/?account_id={bad}&kind=name")
    assert response.status_code == 404


@pytest.mark.parametrize("role", UNIT_ROLES)
def test_qr_code_of_the_other_units_account(access_world, login_as, role):
    """The upload that becomes a public-entry change request is scoped like every upload."""
    response = login_as(role).post(f"/attachments/account/{access_world['rows']['accounts']['other']}",
                                   data={"kind": "qr_code", "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "qr.png")},
                                   content_type="multipart/form-data")
    assert response.status_code == 404 and not leaks(body(response))


@pytest.mark.parametrize("query", ["_scheme=javascript", "_external=1&_scheme=javascript", "endpoint=x",
                                   "_anchor=x", "_method=POST"])
def test_url_building_parameters_in_the_change_form_address(access_world, login_as, query):
    """Review finding: the 变更事项 links rebuilt the address from every query parameter, and url_for's own
    (_scheme, _external, endpoint …) made it a 500 or a javascript: link."""
    account_id = access_world["rows"]["accounts"]["own"]
    response = login_as("unit_editor").get(f"/admin/changes/new/?account_id={account_id}&kind=name&{query}")
    assert response.status_code == 200
    assert "javascript:" not in body(response) and "http://localhost" not in body(response)
