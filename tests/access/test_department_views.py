"""The department's own views (units, users): 403 to unit users on every path."""
from __future__ import annotations

import pytest

from .matrix import UNIT_ROLES, VIEWS, body, count, create_payload, fetch, leaks, snapshot


@pytest.mark.parametrize("method, path", [
    ("get", "/"), ("get", "/new/"), ("get", "/details/?id={own}"), ("get", "/edit/?id={own}"),
    ("get", "/export/csv/"), ("get", "/export/xlsx/"), ("get", "/ajax/lookup/?name=unit&query=a"),
    ("post", "/new/"), ("post", "/edit/?id={own}"), ("post", "/delete/"), ("post", "/action/"),
])
@pytest.mark.parametrize("view", ["units", "users"])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_department_views_are_403_for_unit_users(app, access_world, login_as, role, view, method, path):
    rows = access_world["rows"][view]
    model = VIEWS[view].model
    client = login_as(role)
    before = {which: snapshot(app, model, rows[which]) for which in ("own", "other")}
    total = count(app, model)
    url = f"/admin/{view}{path.format(**rows)}"
    payload = {**create_payload(view, access_world), "id": rows["other"], "action": "delete",
               "rowid": [rows["own"], rows["other"]]}
    response = fetch(client, url) if method == "get" else client.post(url, payload)
    assert response.status_code == 403
    assert not leaks(body(response))
    assert count(app, model) == total
    assert {which: snapshot(app, model, rows[which]) for which in ("own", "other")} == before
