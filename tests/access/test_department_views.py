"""The department's own views (units, users): 403 to unit users on every path."""
from __future__ import annotations

import pytest

from .matrix import UNIT_ROLES, VIEWS, body, count, create_payload, fetch, leaks, snapshot


def _settings_rows(app):
    from models import AuditLog, Setting, db

    with app.app_context():
        return (sorted((row.key, row.value) for row in db.session.query(Setting)),
                db.session.query(AuditLog).filter_by(object_type="Setting").count())


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


SETTINGS_FORM = {"dormant_no_posts_months": "5", "dormant_no_report_months": "2", "weight_registered_on_time": "20",
                 "weight_reports_on_time": "50", "weight_posts": "20", "weight_no_violation": "10",
                 "weight_per_violation": "10", "assessment_posts_target": "120", "reminder_lead_working_days": "2",
                 "weight_per_unauthorised_publication": "5", "publication_urgent_hours": "4",
                 "publication_working_days": "3", "weight_missing_governance": "5"}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", [*UNIT_ROLES, "auditor", "dept_admin"])
def test_system_settings_department_writes_auditor_reads_units_refused(app, access_world, login_as, role, method):
    """系统设置: 403 to unit users; the auditor reads (GET 200) and never writes (POST 403); the department
    saves (the positive control)."""
    client = login_as(role)
    before = _settings_rows(app)
    response = fetch(client, "/admin/settings/") if method == "get" else client.post("/admin/settings/",
                                                                                      SETTINGS_FORM)
    if role in UNIT_ROLES:
        assert response.status_code == 403 and "连续无更新的月数" not in body(response)
    elif method == "get":
        assert response.status_code == 200 and "连续无更新的月数" in body(response)
    elif role == "auditor":
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert _settings_rows(app) == ([("dormant_no_posts_months", 5)], before[1] + 1)
        return
    assert _settings_rows(app) == before


def test_system_settings_send_the_anonymous_to_the_login_page(app, access_world):
    client = app.test_client()
    before = _settings_rows(app)
    for response in (client.get("/admin/settings/"), client.post("/admin/settings/", data=SETTINGS_FORM)):
        assert response.status_code in (302, 400) and _settings_rows(app) == before
    assert "/login" in client.get("/admin/settings/").headers["Location"]
