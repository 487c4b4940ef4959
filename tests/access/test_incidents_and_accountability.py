"""The paths of 第十四条 incidents and 第十七条 accountability outside Flask-Admin's standard ones: the files of an
incident and of a violation (upload, download, removal), the history read from both records, the yearly
accountability list and its exports (role × path × own/foreign id, each refusal with its positive control)."""
from __future__ import annotations

import io

import pytest

from models import Attachment, Incident, Violation, db

from ..factories import TINY_PDF, make_attachment
from .matrix import ALL_SEEING, ROLES, UNIT_ROLES, body, count, csv_text, fetch, leaks, snapshot, xlsx_text

OWNERS = [("incident", "incidents"), ("violation", "violations")]


def may_attach(role: str, owner: str, which: str) -> bool:
    """An incident's screenshots: its unit (while open) and the department; a violation's decision: the department."""
    if role == "dept_admin":
        return True
    return role in UNIT_ROLES and which == "own" and owner == "incident"


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("owner, view", OWNERS)
@pytest.mark.parametrize("role", ROLES)
def test_upload_to_an_incident_or_a_violation(app, access_world, login_as, role, owner, view, which):
    before = count(app, Attachment)
    response = login_as(role).post(f"/attachments/{owner}/{access_world['rows'][view][which]}",
                                   {"file": (io.BytesIO(TINY_PDF), "scan.pdf"), "kind": "screenshot"})
    added = count(app, Attachment) - before
    if may_attach(role, owner, which):
        assert added == 1, "positive control: an allowed upload is stored"
    else:
        assert added == 0, f"{role} attached a file to a {which} {owner}"
        assert response.status_code == (404 if role in UNIT_ROLES and which == "other" else 302)
    if role in UNIT_ROLES:
        assert not leaks(body(response))


@pytest.fixture
def owned_files(app, access_world):
    """A file on each unit's incident and violation (the kept world is put back after the test)."""
    files = {}
    with app.app_context():
        for owner, view, model in (("incident", "incidents", Incident), ("violation", "violations", Violation)):
            for which in ("own", "other"):
                row = db.session.get(model, access_world["rows"][view][which])
                name = ("本单位" if which == "own" else "外单位") + f"{owner}.pdf"
                files[(owner, which)] = make_attachment(row, name).id
        db.session.commit()
    return files


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("owner", ["incident", "violation"])
@pytest.mark.parametrize("role", ROLES)
def test_download_and_removal_of_their_files(app, access_world, owned_files, login_as, role, owner, which):
    file_id = owned_files[(owner, which)]
    client = login_as(role)
    response = fetch(client, f"/attachments/{file_id}")
    if role in ALL_SEEING or which == "own":
        assert response.status_code == 200 and response.data.startswith(b"%PDF")  # positive control
    else:
        assert response.status_code == 404 and not response.data.startswith(b"%PDF")
    removal = client.post(f"/attachments/{file_id}/delete", {})
    gone = snapshot(app, Attachment, file_id) is None
    # The department removes; a unit removes a screenshot of its own open incident, never the 问责 decision.
    if role == "dept_admin" or (role in UNIT_ROLES and which == "own" and owner == "incident"):
        assert gone, "positive control: an allowed removal removes"
    else:
        assert not gone, f"{role} removed a file of a {which} {owner}"
        assert removal.status_code == (404 if role in UNIT_ROLES and which == "other" else 403)


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("role", ROLES)
def test_the_history_of_an_incident_and_its_violation(access_world, login_as, role, which):
    rows = access_world["rows"]
    url = f"/admin/audit/?object=Incident:{rows['incidents'][which]},Violation:{rows['violations'][which]}"
    html = body(login_as(role).get(url))
    if role in ALL_SEEING or which == "own":
        assert ("外单位帐号" if which == "other" else "本单位帐号") in html  # positive control
    if role in UNIT_ROLES:
        assert not leaks(html)


@pytest.mark.parametrize("path", ["/admin/violations/accountability/", "/admin/violations/export/csv/?{year}=2026",
                                  "/admin/violations/export/xlsx/?{year}=2026", "/admin/violations/?{year}=2026",
                                  "/admin/incidents/export/csv/", "/admin/incidents/export/xlsx/"])
@pytest.mark.parametrize("role", ROLES)
def test_the_yearly_list_and_the_incident_exports_are_scoped(app, access_world, login_as, role, path):
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "violations")
    with app.test_request_context():
        year = view.year_filter_arg()
    response = fetch(login_as(role), path.format(year=year))
    assert response.status_code == 200
    text = xlsx_text(response.data) if "xlsx" in path else csv_text(response.data) if "csv" in path else body(response)
    if "accountability" not in path:
        assert "本单位帐号" in text  # positive control: the own rows are there
    if role in UNIT_ROLES:
        assert not leaks(text)
    elif "accountability" not in path:
        assert "外单位帐号" in text


#: The state each incident step leaves from (reject: the leader's from 待单位审核, the department's from 待宣传部审核).
STEP_SOURCES = {"submit": "draft", "confirm": "unit_review", "approve": "dept_review", "escalate": "dept_review"}
STEP_ROLES = {"submit": {"unit_editor", "unit_leader"}, "confirm": {"unit_leader"}, "approve": {"dept_admin"},
              "reject": {"unit_leader", "dept_admin"}, "escalate": {"dept_admin"}}


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("step", ["submit", "confirm", "approve", "reject", "escalate"])
@pytest.mark.parametrize("role", ROLES)
def test_incident_steps_forged_or_allowed(app, access_world, login_as, role, step, which):
    """The standard actions on /admin/incidents/action/, each from a state it leaves from: taken only by a role that
    takes it on a record in its scope (positive control), refused and changing nothing otherwise."""
    from models import IncidentStatus

    row_id = access_world["rows"]["incidents"][which]
    source = STEP_SOURCES.get(step) or ("unit_review" if role == "unit_leader" else "dept_review")
    with app.app_context():
        incident = db.session.get(Incident, row_id)
        incident.status, incident.action_taken = IncidentStatus[source], "已删除"
        incident.handled_at = incident.found_at
        db.session.commit()
    before = snapshot(app, Incident, row_id)
    response = login_as(role).post("/admin/incidents/action/", {
        "action": step, "rowid": row_id, "opinion": "伪造", "url": "/admin/incidents/"})
    assert response.status_code in (302, 403, 404)
    after = snapshot(app, Incident, row_id)
    in_scope = which == "own" or role in ALL_SEEING
    if role in STEP_ROLES[step] and in_scope:
        assert after["status"] != before["status"], "positive control: the allowed step is taken"
    else:
        assert after == before, f"{role} took {step} on a {which} incident"
