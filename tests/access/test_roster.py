"""/admin/managers/roster/ (the 人事处 roster sync) is the department approver's only: 403 to every other
role, for a dry run and for an apply, and nothing changes."""
from __future__ import annotations

import io

import pytest

from models import AuditLog, EmploymentStatus, Manager, db



@pytest.mark.parametrize("role", ["unit_editor", "unit_leader", "auditor", "other_editor"])
@pytest.mark.parametrize("method, mode", [("get", None), ("post", "check"), ("post", "apply"),
                                          ("post", "pull_check"), ("post", "pull_apply")])
def test_roster_sync_is_the_departments_only(app, access_world, login_as, role, method, mode, monkeypatch):
    # A pull would be tried (and fail, writing an audit entry) if the request got past the access check.
    monkeypatch.setitem(app.config, "STAFF_ROSTER_URL", "http://127.0.0.1:9/roster")
    with app.app_context():
        lines = ["工号,姓名,单位,人员类别,在岗状态"]
        for manager in db.session.query(Manager).all():  # the people of both units, on the roster as 离职
            manager.staff_no = f"P{manager.id}"
            lines.append(f"P{manager.id},{manager.name},{manager.unit.name},在编,离职")
        db.session.commit()
        roster = "\n".join(lines).encode()
        statuses = {m.id: m.employment_status for m in db.session.query(Manager)}
        entries = db.session.query(AuditLog).count()
    client = login_as(role)
    if method == "get":
        response = client.get("/admin/managers/roster/")
    else:
        response = client.client.post("/admin/managers/roster/", data={
            "csrf_token": client.csrf, "mode": mode, "file": (io.BytesIO(roster), "roster.csv")},
            content_type="multipart/form-data")
    assert response.status_code == 403
    with app.app_context():
        assert {m.id: m.employment_status for m in db.session.query(Manager)} == statuses
        assert EmploymentStatus.left not in statuses.values()
        assert db.session.query(AuditLog).count() == entries


def test_the_same_roster_is_applied_by_the_department(app, access_world, login_as):
    """The file the other roles are refused is a valid one: the department's apply changes every person."""
    with app.app_context():
        lines = ["工号,姓名,单位,人员类别,在岗状态"]
        for manager in db.session.query(Manager).all():
            manager.staff_no = f"P{manager.id}"
            lines.append(f"P{manager.id},{manager.name},{manager.unit.name},在编,离职")
        db.session.commit()
    client = login_as("dept_admin")
    response = client.client.post("/admin/managers/roster/", data={
        "csrf_token": client.csrf, "mode": "apply", "file": (io.BytesIO("\n".join(lines).encode()), "roster.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    with app.app_context():
        assert {m.employment_status for m in db.session.query(Manager)} == {EmploymentStatus.left}
