"""Delete, bulk delete, every bulk action forged, the department's bulk pages."""
from __future__ import annotations

import pytest

from models import Account

from .matrix import (ON_POSTGRES, PG_BULK_DELETE_HOLE, ROLES, UNIT_ROLES, VIEWS, VIEW_NAMES, body, deletes, fetch,
                     leaks, may_delete, may_open, refused, same_site, snapshot, unit_may_write, world_state, xfail)


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_delete(app, deletable, login_as, role, view, which):
    model, row_id = VIEWS[view].model, deletable[view][which]
    client = login_as(role)
    response = client.post(f"/admin/{view}/delete/", {"id": row_id, "url": f"/admin/{view}/"})
    gone = snapshot(app, model, row_id) is None
    if may_delete(role, view, which):
        assert response.status_code == 302 and gone, "positive control: an allowed delete deletes"
    else:
        assert not gone, f"{role} deleted {view} #{row_id} ({which})"
        if not may_open(role, view):
            assert response.status_code == 403
        elif deletes(role, view) and which == "other":
            assert response.status_code in (403, 404)
        else:
            assert refused(response)


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("role, view", [
    pytest.param(role, view, id=f"{role}-{view}",
                 marks=xfail(PG_BULK_DELETE_HOLE if ON_POSTGRES and deletes(role, view) else None))
    for role in ROLES for view in VIEW_NAMES])
def test_bulk_delete_action(app, deletable, login_as, role, view, which):
    model, row_id = VIEWS[view].model, deletable[view][which]
    response = login_as(role).post(f"/admin/{view}/action/", {"action": "delete", "rowid": row_id,
                                                               "url": f"/admin/{view}/"})
    gone = snapshot(app, model, row_id) is None
    if may_delete(role, view, which):
        assert gone, "positive control: an allowed bulk delete deletes"
    else:
        assert not gone, f"{role} bulk-deleted {view} #{row_id} ({which})"
        assert response.status_code in (302, 403, 404)


@pytest.mark.parametrize("view", ["accounts", "managers", "reports", "changes"])
@pytest.mark.parametrize("role", [pytest.param(role, marks=xfail(PG_BULK_DELETE_HOLE if ON_POSTGRES else None))
                                  for role in UNIT_ROLES])
def test_bulk_delete_of_mixed_ids_deletes_only_own(app, deletable, login_as, role, view):
    model, rows = VIEWS[view].model, deletable[view]
    login_as(role).post(f"/admin/{view}/action/", {"action": "delete", "rowid": [rows["own"], rows["other"]],
                                                    "url": f"/admin/{view}/"})
    assert snapshot(app, model, rows["own"]) is None
    assert snapshot(app, model, rows["other"]) is not None


def _view_actions() -> dict[str, list[str]]:
    """Every @action of every view, read from the view classes (new actions are covered at once)."""
    from admin.accounts import AccountView
    from admin.assessments import AssessmentView
    from admin.audit import AuditView
    from admin.calendar import CalendarView
    from admin.changes import ChangeView
    from admin.incidents import IncidentView
    from admin.governance import ResponsibilityView, UnitRulesView
    from admin.managers import ManagerView
    from admin.publications import PublicationView
    from admin.reports import ReportView
    from admin.units import UnitView
    from admin.users import UserView
    from admin.violations import ViolationView

    classes = {"accounts": AccountView, "managers": ManagerView, "reports": ReportView, "changes": ChangeView,
               "violations": ViolationView, "assessments": AssessmentView, "audit": AuditView, "units": UnitView,
               "users": UserView, "calendar": CalendarView, "incidents": IncidentView,
               "publications": PublicationView, "responsibles": ResponsibilityView, "unit_rules": UnitRulesView}
    return {view: sorted({getattr(cls, attr)._action[0] for attr in dir(cls)
                          if hasattr(getattr(cls, attr, None), "_action")})
            for view, cls in classes.items()}


VIEW_ACTION_NAMES = _view_actions()


FORGED_ACTION_CASES = [(role, which, view, action)
                       for role, which in (("unit_editor", "other"), ("unit_leader", "other"),
                                           ("auditor", "other"), ("auditor", "own"))
                       for view in VIEW_NAMES for action in VIEW_ACTION_NAMES[view]]


@pytest.mark.parametrize("role, which, view, action", [
    pytest.param(r, w, v, a, id=f"{r}-{w}-{v}-{a}",
                 marks=xfail(PG_BULK_DELETE_HOLE if ON_POSTGRES and a == "delete" and deletes(r, v) else None))
    for r, w, v, a in FORGED_ACTION_CASES])
def test_forged_action(app, access_world, login_as, role, which, view, action):
    """Every action of every view, forged by a unit user on the other unit's row, or by the auditor:
    nothing changes anywhere (workflow steps, bulk delete, matrix, move, lateness …)."""
    row_id = access_world["rows"][view][which]
    client = login_as(role)
    before = world_state(app, access_world)
    response = client.post(f"/admin/{view}/action/", {
        "action": action, "rowid": row_id, "opinion": "伪造", "reason": "伪造", "unit": access_world["own_unit"],
        "url": f"/admin/{view}/"})
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:  # an action that continues on a page of its own: that page refuses too
        location = response.headers["Location"]
        assert same_site(location)
        follow = fetch(client, location)
        assert follow.status_code in (200, 403, 404) and not (role in UNIT_ROLES and leaks(body(follow)))
    assert world_state(app, access_world) == before


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("page", ["move", "replace-manager"])
@pytest.mark.parametrize("role, which", [("unit_editor", "other"), ("unit_editor", "own"),
                                         ("unit_leader", "other"), ("auditor", "other"), ("auditor", "own")])
def test_department_bulk_pages_refuse_others(app, access_world, login_as, role, which, page, method):
    row_id = access_world["rows"]["accounts"][which]
    client = login_as(role)
    before = world_state(app, access_world)
    url = f"/admin/accounts/{page}/?ids={row_id}"
    response = client.get(url) if method == "get" else client.post(url, {
        "ids": row_id, "unit": access_world["own_unit"], "old": access_world["other_manager"],
        "new": access_world["own_manager"]})
    assert response.status_code in (403, 404)
    assert not (role in UNIT_ROLES and leaks(body(response)))
    assert world_state(app, access_world) == before


def test_moving_an_account_moves_its_records_out_of_the_old_units_reach(app, access_world, login_as):
    """Positive control for the pages above, and scoping after a move: the department hands the other
    unit's account to 会计学院; its records then answer 404 to the other unit and 200 to 会计学院."""
    rows = access_world["rows"]
    response = login_as("dept_admin").post(f"/admin/accounts/move/?ids={rows['accounts']['other']}",
                                           {"ids": rows["accounts"]["other"], "unit": access_world["own_unit"]})
    assert response.status_code == 302
    before_unit, after_unit = login_as("other_editor"), login_as("unit_editor")
    for view in ("accounts", "reports", "changes", "violations", "incidents"):
        url = f"/admin/{view}/details/?id={rows[view]['other']}"
        assert before_unit.get(url).status_code == 404, url
        assert after_unit.get(url).status_code == 200, url


def test_allowed_workflow_step_is_taken(app, access_world, login_as):
    """Positive control for the forged steps above: the editor submits the own draft account."""
    row_id = access_world["rows"]["accounts"]["own"]
    before = snapshot(app, Account, row_id)
    login_as("unit_editor").post("/admin/accounts/action/", {"action": "submit", "rowid": row_id,
                                                            "url": "/admin/accounts/"})
    assert snapshot(app, Account, row_id)["status"] != before["status"]
