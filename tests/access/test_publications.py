"""发布报批 (第十二条): the request page's own surfaces — recording the publication (``published/``), the one-click
violation (``record_violation``) and the 发布报批 steps — by role × own/foreign id, each with its positive control.
The standard surfaces (list, details, edit, delete, actions, export, ajax look-up of the accounts, url=) are in the
other files of this matrix through VIEWS["publications"]."""
from __future__ import annotations

import pytest

from models import Publication, PublicationStatus, Violation, db

from .matrix import ROLES, UNIT_ROLES, body, count, leaks, snapshot

URL = "/admin/publications/published/"


def _record(client, row_id, url="https://weibo.com/1/abc", when="2026-11-02T09:30"):
    return client.post(URL, {"id": str(row_id), "published_url": url, "published_at": when})


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_recording_a_publication(app, access_world, login_as, role, which):
    row_id = access_world["rows"]["publications"][which]
    before = snapshot(app, Publication, row_id)
    response = _record(login_as(role), row_id)
    after = snapshot(app, Publication, row_id)
    may = role == "dept_admin" or (role in UNIT_ROLES and which == "own")
    if may:  # positive control: the unit records its own, the department any
        assert response.status_code == 302 and after["published_url"] == "https://weibo.com/1/abc"
    else:
        assert response.status_code in (403, 404) and after == before
        assert not (role in UNIT_ROLES and leaks(body(response)))


@pytest.mark.parametrize("url, when", [("javascript:alert(1)", "2026-11-02T09:30"),
                                       ("https://weibo.com/1", "2099-01-01T09:00"),
                                       ("https://weibo.com/1", "2026-08-01T09:00"),  # before the account existed
                                       ("https://weibo.com/1", "not a time")])
def test_a_bad_publication_record_changes_nothing(app, access_world, login_as, url, when):
    row_id = access_world["rows"]["publications"]["own"]
    before = snapshot(app, Publication, row_id)
    response = _record(login_as("unit_editor"), row_id, url, when)
    assert response.status_code == 302 and snapshot(app, Publication, row_id) == before


@pytest.mark.parametrize("role", ROLES)
def test_one_click_violation_is_the_departments(app, access_world, login_as, role):
    row_id = access_world["rows"]["publications"]["own"]
    assert _record(login_as("unit_editor"), row_id).status_code == 302  # published before any authorisation
    violations = count(app, Violation)
    client = login_as(role)
    for _ in range(2):  # the second click records nothing more
        response = client.post("/admin/publications/action/", {"action": "record_violation", "rowid": str(row_id),
                                                              "url": "/admin/publications/"})
        assert response.status_code in (302, 403)
    with app.app_context():
        publication = db.session.get(Publication, row_id)
        if role == "dept_admin":
            assert count(app, Violation) == violations + 1 and publication.violation_id is not None
            assert publication.violation.unit_id == publication.unit_id
        else:
            assert count(app, Violation) == violations and publication.violation_id is None
    page = client.get(f"/admin/publications/details/?id={row_id}").get_data(as_text=True)
    assert ('value="record_violation"' in page) is False  # recorded (department) or never offered


@pytest.mark.parametrize("role", ROLES)
def test_steps_offered_on_the_request_page(app, access_world, login_as, role):
    row_id = access_world["rows"]["publications"]["own"]
    with app.app_context():
        db.session.get(Publication, row_id).status = PublicationStatus.dept_review
        db.session.commit()
    page = login_as(role).get(f"/admin/publications/details/?id={row_id}").get_data(as_text=True)
    offered = {step for step in ("submit", "confirm", "approve", "reject", "refuse")
               if f'name="action" value="{step}"' in page}
    assert offered == ({"approve", "reject", "refuse"} if role == "dept_admin" else set())
    assert ('name="conditions"' in page) == (role == "dept_admin")
