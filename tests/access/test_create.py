"""Who may create what, forged units and foreign references in new/ forms."""
from __future__ import annotations

import pytest

from models import ChangeRecord, Manager, TeamMember, db

from .matrix import (CREATORS, ROLES, UNIT_ROLES, VIEWS, VIEW_NAMES, body, count, create_payload, leaks, max_id,
                     may_open, new_rows)


@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_create(app, access_world, login_as, role, view):
    """Who may create what; the department's success is the positive control for every refusal."""
    model = VIEWS[view].model
    client = login_as(role)
    before = count(app, model)
    response = client.post(f"/admin/{view}/new/?url=/admin/{view}/", create_payload(view, access_world))
    after = count(app, model)
    if role in CREATORS[view]:
        assert response.status_code == 302 and after == before + 1, body(response)[-2000:]
    else:
        assert after == before, f"{role} created a row in {view}"
        assert response.status_code == (403 if not may_open(role, view) else 302)


#: (view, forged fields, must be refused): a unit user names the other unit, one of its accounts or people.
#: A forged unit may be ignored (the row lands in the own unit); a foreign account or person must be refused.
FORGED_CREATES = [
    ("accounts", {"unit": "other_unit"}, False),
    ("accounts", {"unit_id": "other_unit"}, False),
    ("accounts", {"team-0-manager": "other_manager"}, True),
    ("accounts", {"team-2-manager": "other_manager", "team-2-role": "admin"}, True),
    ("managers", {"unit": "other_unit"}, False),
    ("managers", {"unit_id": "other_unit"}, False),
    ("reports", {"account": "other_account"}, True),
    ("reports", {"unit": "other_unit"}, False),
    ("changes", {"account": "other_account"}, True),
    ("changes", {"unit": "other_unit"}, False),
    ("changes", {"kind": "managers", "new_head": "other_manager", "new_admins": "own_admin"}, True),
    ("changes", {"kind": "managers", "new_head": "own_manager", "new_admins": "other_manager"}, True),
    ("incidents", {"account": "other_account"}, True),
    ("incidents", {"unit": "other_unit"}, False),
    ("publications", {"accounts": "other_account"}, True),
    ("publications", {"unit": "other_unit"}, False),
]


def assert_all_own(app, world, model, since: int, team_since: int) -> None:
    """Every row created since ``since`` is the own unit's, and so is everything it refers to."""
    own = world["own_unit"]
    with app.app_context():
        for row in db.session.query(model).filter(model.id > since):
            assert row.unit_id == own, f"{model.__name__} #{row.id} created in the other unit"
            account = getattr(row, "account", None)
            assert account is None or account.unit_id == own, "a new row refers to a foreign account"
            assert all(a.unit_id == own for a in getattr(row, "accounts", ())), "a request names a foreign account"
            for entry in ((row.after or {}).get("team") or []) if isinstance(row, ChangeRecord) else []:
                assert db.session.get(Manager, int(entry["manager_id"])).unit_id == own, "a foreign person proposed"
        for member in db.session.query(TeamMember).filter(TeamMember.id > team_since):
            assert member.manager.unit_id == own, "a foreign person on a new team"


@pytest.mark.parametrize("view, forged, must_refuse", FORGED_CREATES,
                         ids=[f"{v}-{'-'.join(f)}" for v, f, _ in FORGED_CREATES])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_create_with_forged_unit_or_foreign_reference(app, access_world, login_as, role, view, forged,
                                                      must_refuse):
    """The new row belongs to the editor's unit, or the POST is refused; never a row of the other unit."""
    model = VIEWS[view].model
    payload = create_payload(view, access_world)
    payload.update({k: access_world.get(v, v) for k, v in forged.items()})
    since, team_since = max_id(app, model), max_id(app, TeamMember)
    response = login_as(role).post(f"/admin/{view}/new/", payload)
    assert response.status_code in (200, 302, 403, 404)
    assert_all_own(app, access_world, model, since, team_since)
    if must_refuse:
        assert not new_rows(app, model, since), "a reference to the other unit was accepted"
        assert response.status_code in (200, 403, 404) and not leaks(body(response))


UNFORGED_CREATES = [("accounts", {}), ("managers", {}), ("reports", {}), ("changes", {}), ("incidents", {}),
                    ("publications", {}),
                    ("changes", {"kind": "managers", "new_head": "own_manager", "new_admins": "own_admin"})]


@pytest.mark.parametrize("view, extra", UNFORGED_CREATES, ids=[f"{v}-{'-'.join(e) or 'plain'}"
                                                               for v, e in UNFORGED_CREATES])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_create_without_forgery(app, access_world, login_as, role, view, extra):
    """Positive control for the test above: the same form, unforged, creates an own-unit row."""
    model = VIEWS[view].model
    since = max_id(app, model)
    payload = {**create_payload(view, access_world), **{k: access_world.get(v, v) for k, v in extra.items()}}
    response = login_as(role).post(f"/admin/{view}/new/", payload)
    assert response.status_code == 302, body(response)[-2000:]
    rows = new_rows(app, model, since)
    assert len(rows) == 1 and rows[0].unit_id == access_world["own_unit"]


#: New forms started from a record's page with the account chosen (admin/record_pages.py): 填报月报 and
#: 申请变更 / 办理注销. A foreign account id chooses nothing and reveals nothing: the report form opens empty,
#: the change form (whose fields are the account's current values) answers 404, as for any record one may not know.
PRESELECTING_FORMS = ["/admin/reports/new/?account_id={id}&month=2026-10",
                      "/admin/changes/new/?account_id={id}&kind=name",
                      "/admin/changes/new/?account_id={id}&kind=closure"]


@pytest.mark.parametrize("url", PRESELECTING_FORMS)
@pytest.mark.parametrize("role", ROLES)
def test_a_form_started_with_a_foreign_account(access_world, login_as, role, url):
    response = login_as(role).get(url.format(id=access_world["other_account"]))
    if role not in CREATORS["reports"]:
        assert response.status_code == 302 and "/new/" not in response.headers["Location"]  # back to the list
    elif role in UNIT_ROLES:  # the change form refuses another unit's account outright (tests/test_change_form.py)
        expected = 404 if url.startswith("/admin/changes/") else 200
        assert response.status_code == expected and not leaks(body(response))
    else:  # positive control: the department may choose any unit's account
        assert response.status_code == 200
        if url.startswith("/admin/reports/"):
            assert VIEWS["reports"].foreign in body(response)


@pytest.mark.parametrize("role", UNIT_ROLES)
def test_the_report_form_started_with_an_own_account(access_world, login_as, role):
    """Positive control for the test above: the own account is chosen on the form."""
    response = login_as(role).get(PRESELECTING_FORMS[0].format(id=access_world["own_account"]))
    assert response.status_code == 200 and VIEWS["reports"].own in body(response)
    assert not leaks(body(response))
