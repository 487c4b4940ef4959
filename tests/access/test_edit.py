"""Edit forms and forged edit POSTs; the relationship drop-downs of the forms."""
from __future__ import annotations

import pytest

from models import Account, ChangeRecord, TeamMember, db

from .matrix import (ROLES, UNIT_ROLES, VIEWS, VIEW_NAMES, body, edit_payload, form_fields, leaks, max_id,
                     may_edit, may_open, refused, sees_row, snapshot, unit_may_edit)


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_edit_form(access_world, login_as, role, view, which):
    row_id = access_world["rows"][view][which]
    response = login_as(role).get(f"/admin/{view}/edit/?id={row_id}")
    if not may_open(role, view):
        assert response.status_code == 403
    elif may_edit(role, view, which):
        assert response.status_code == 200 and 'class="admin-form' in body(response)
    elif sees_row(role, view, which):
        assert refused(response), (role, view, which, response.status_code)
    elif unit_may_edit(role, view):
        assert response.status_code in (403, 404), f"{role} opened the edit form of a foreign {view} row"
    else:
        assert refused(response)
    if role in UNIT_ROLES:
        assert not leaks(body(response))


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_edit_post(app, access_world, login_as, role, view, which):
    """A forged edit POST (the department's own form, replayed) changes nothing unless allowed; a unit
    user who may edit a row changes only the fields that are the unit's (violations: rectification)."""
    spec = VIEWS[view]
    row_id = access_world["rows"][view][which]
    value = f"篡改{view}"[:30]
    payload = edit_payload(login_as("dept_admin"), view, row_id, value)
    if spec.unit_field:
        payload[spec.unit_field] = ["整改情况"]
    client = login_as(role)  # (logging in changes the user's own row: snapshot after it)
    before = snapshot(app, spec.model, row_id)
    response = client.post(f"/admin/{view}/edit/?id={row_id}&url=/admin/{view}/", payload)
    after = snapshot(app, spec.model, row_id)
    if may_edit(role, view, which) and role in UNIT_ROLES and spec.unit_field:
        assert response.status_code == 302, body(response)[-1500:]
        assert after[spec.unit_field] == "整改情况"  # positive control
        changed = {k for k in after if after[k] != before[k]} - {spec.unit_field, "version", "updated_at"}
        assert not changed, f"{role} changed the department's fields {changed} of a {view} row"
    elif may_edit(role, view, which):
        assert response.status_code == 302, body(response)[-1500:]
        assert after[spec.edit_field] == value  # positive control: the form is valid
    else:
        assert after == before, f"{role} changed {view} #{row_id} ({which})"
        if not may_open(role, view):
            assert response.status_code == 403
        elif unit_may_edit(role, view) and which == "other":
            assert response.status_code in (403, 404)
        else:
            assert refused(response), response.status_code
    if role in UNIT_ROLES:
        assert not leaks(body(response))


#: (view, forged fields) on the edit form of an own draft.
FORGED_EDITS = [
    ("accounts", {"unit": "other_unit"}),
    ("accounts", {"team-0-manager": "other_manager"}),
    ("accounts", {"team-2-manager": "other_manager", "team-2-role": "admin"}),
    ("managers", {"unit": "other_unit"}),
    ("reports", {"account": "other_account"}),
    ("changes", {"account": "other_account"}),
    ("changes", {"kind": "managers", "new_head": "other_manager", "new_admins": "own_admin"}),
    ("changes", {"kind": "managers", "new_head": "own_manager", "new_admins": "other_manager"}),
    ("violations", {"account": "other_account", "unit": "other_unit"}),
    ("incidents", {"account": "other_account", "unit": "other_unit"}),
]


@pytest.mark.parametrize("view, forged", FORGED_EDITS, ids=[f"{v}-{'-'.join(f)}" for v, f in FORGED_EDITS])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_edit_own_row_with_forged_reference(app, access_world, login_as, role, view, forged):
    model, row_id = VIEWS[view].model, access_world["rows"][view]["own"]
    client = login_as(role)
    payload = form_fields(body(client.get(f"/admin/{view}/edit/?id={row_id}")))
    payload.update({k: [str(access_world.get(v, v))] for k, v in forged.items()})
    team_since = max_id(app, TeamMember)
    client.post(f"/admin/{view}/edit/?id={row_id}", payload)
    with app.app_context():
        row = db.session.get(model, row_id)
        assert row.unit_id == access_world["own_unit"]
        account = getattr(row, "account", None)
        assert account is None or account.unit_id == access_world["own_unit"]
        team = row.team if isinstance(row, Account) else []
        assert all(m.manager.unit_id == access_world["own_unit"] for m in team), "a foreign person on the team"
        assert not db.session.query(TeamMember).filter(TeamMember.id > team_since,
                                                       TeamMember.manager_id == access_world["other_manager"]
                                                       ).count()
        for entry in ((row.after or {}).get("team") or []) if isinstance(row, ChangeRecord) else []:
            assert int(entry["manager_id"]) != access_world["other_manager"], "a foreign person proposed"


FORM_PAGES = ["/admin/accounts/new/", "/admin/managers/new/", "/admin/reports/new/", "/admin/changes/new/",
              "/admin/accounts/edit/?id={own_account}", "/admin/managers/edit/?id={own_manager}",
              "/admin/reports/edit/?id={own_report}", "/admin/incidents/new/"]


@pytest.mark.parametrize("page", FORM_PAGES)
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_form_pages_show_no_foreign_choices(access_world, login_as, role, page):
    response = login_as(role).get(page.format(**access_world))
    assert response.status_code == 200
    html = body(response)
    assert not leaks(html)
    assert 'name="unit"' not in html, "a unit user is offered the unit field"


@pytest.mark.parametrize("page", ["/admin/accounts/new/", "/admin/managers/new/"])
def test_department_form_offers_every_unit(access_world, login_as, page):
    """Positive control: the department's form has the unit search box (admin/fields.py unit_lookup: 1,500 units
    at province scale), and its look-up lists the other unit."""
    import json

    client = login_as("dept_admin")
    html = body(client.get(page))
    assert 'name="unit"' in html and "ajax/lookup/?name=unit" in html.replace("&amp;", "&")
    found = json.loads(body(client.get(f"/admin/{page.split('/')[2]}/ajax/lookup/?name=unit&query=")))
    assert access_world["other_unit"] in {pk for pk, _label in found}


#: The department's decisions on a record, forged into a unit user's allowed edit of their own draft.
DEPARTMENT_DECISIONS = [("accounts", "in_matrix", "y", "name", "本单位帐号改名"),
                        ("reports", "classified_handling", "伪造的处理记录", "topics", "本月主题改写"),
                        # 第十七条: the 问责 is the department's; the unit records its rectification only
                        ("violations", "accountability_outcome", "none", "rectification", "已整改"),
                        ("violations", "accountability_doc_no", "伪造文号", "rectification", "已整改"),
                        ("violations", "responsible_people", "伪造责任人", "rectification", "已整改"),
                        # 第十四条: the state moves only by the steps
                        ("incidents", "status", "escalated", "found_by", "值班员甲"),
                        ("incidents", "violation_id", "1", "found_by", "值班员甲")]


@pytest.mark.parametrize("view, forged, value, field, allowed", DEPARTMENT_DECISIONS)
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_a_unit_edit_cannot_carry_a_department_decision(app, access_world, login_as, role, view, forged, value,
                                                         field, allowed):
    """policy.writable_fields: the forged field is ignored while the allowed one (positive control) is saved."""
    model, row_id = VIEWS[view].model, access_world["rows"][view]["own"]
    client = login_as(role)
    payload = form_fields(body(client.get(f"/admin/{view}/edit/?id={row_id}")))
    with app.app_context():
        before = getattr(db.session.get(model, row_id), forged)
    payload.update({forged: [value], field: [allowed]})
    client.post(f"/admin/{view}/edit/?id={row_id}", payload)
    with app.app_context():
        row = db.session.get(model, row_id)
        assert getattr(row, field) == allowed
        assert getattr(row, forged) == before
