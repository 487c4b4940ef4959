"""Ajax look-ups (the relationship fields' search) and ajax_update (inline editing, off)."""
from __future__ import annotations

import json

import pytest

from models import db

from models import Unit

from .matrix import ALL_SEEING, LOADERS, ROLES, UNIT_LOADERS, VIEWS, VIEW_NAMES, body, leaks, may_open, snapshot


@pytest.mark.parametrize("query", ["外", "帐号", ""])
@pytest.mark.parametrize("view, loader", list(LOADERS), ids=[f"{v}-{n}" for v, n in LOADERS])
@pytest.mark.parametrize("role", ROLES)
def test_ajax_lookup(app, access_world, login_as, role, view, loader, query):
    model = LOADERS[(view, loader)]
    response = login_as(role).get(f"/admin/{view}/ajax/lookup/?name={loader}&query={query}&limit=100")
    assert response.status_code == 200
    found = {pk: label for pk, label in json.loads(body(response))}
    with app.app_context():
        foreign_ids = {row.id for row in db.session.query(model).filter(model.unit_id == access_world["other_unit"])}
        own_ids = {row.id for row in db.session.query(model).filter(model.unit_id == access_world["own_unit"])}
    if role in ALL_SEEING:
        if query != "帐号":
            assert foreign_ids & set(found)  # positive control
    else:
        assert not foreign_ids & set(found), f"{view} ajax {loader} offers the other unit's rows to {role}"
        assert not leaks(" ".join(found.values()))
        if query != "外":
            assert own_ids <= set(found)  # positive control


@pytest.mark.parametrize("query", ["", "校团", "会计"])
@pytest.mark.parametrize("view, loader", UNIT_LOADERS, ids=[f"{v}-{n}" for v, n in UNIT_LOADERS])
@pytest.mark.parametrize("role", ROLES)
def test_unit_lookup(app, access_world, login_as, role, view, loader, query):
    """The unit search box: every unit for the department and the auditor; nothing of another unit for a unit
    user (whose forms have no unit field; models/policy.py lets them read no unit rows through the admin)."""
    response = login_as(role).get(f"/admin/{view}/ajax/lookup/?name={loader}&query={query}&limit=100")
    if not may_open(role, view):
        assert response.status_code == 403 and not leaks(body(response))
        return
    assert response.status_code == 200
    found = {pk for pk, _label in json.loads(body(response))}
    own, other = access_world["own_unit"], access_world["other_unit"]
    with app.app_context():
        assert {own, other} <= {row.id for row in db.session.query(Unit)}
    if role in ALL_SEEING:
        assert (other in found) == (query in ("", "校团")), found  # positive control
        assert (own in found) == (query in ("", "会计"))
    else:
        assert found <= {own} and not leaks(body(response)), f"{view} unit look-up offers the other unit to {role}"


#: Loader names that do not exist on a view: 404 (403 where the view is closed), never data.
UNKNOWN_LOADERS = [(v, n) for v in VIEW_NAMES for n in ("account", "manager", "teammember-manager", "unit")
                   if (v, n) not in LOADERS and (v, n) not in UNIT_LOADERS]


@pytest.mark.parametrize("view, loader", UNKNOWN_LOADERS, ids=[f"{v}-{n}" for v, n in UNKNOWN_LOADERS])
@pytest.mark.parametrize("role", ["unit_editor", "auditor"])
def test_ajax_lookup_unknown_loader(access_world, login_as, role, view, loader):
    response = login_as(role).get(f"/admin/{view}/ajax/lookup/?name={loader}&query=外")
    assert response.status_code == (404 if may_open(role, view) else 403)
    assert not leaks(body(response))


@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_ajax_update_is_404(app, access_world, login_as, role, view):
    spec, rows = VIEWS[view], access_world["rows"][view]
    field = spec.edit_field or "note"
    client = login_as(role)
    before = {which: snapshot(app, spec.model, rows[which]) for which in ("own", "other")}
    for which in ("own", "other"):
        response = client.post(f"/admin/{view}/ajax/update/", {"list_form_pk": rows[which], field: "篡改"})
        assert response.status_code == (404 if may_open(role, view) else 403), (which, response.status_code)
    assert {which: snapshot(app, spec.model, rows[which]) for which in ("own", "other")} == before
