"""A record's history, printable forms and attachments (outside Flask-Admin, same boundary)."""
from __future__ import annotations

import io

import pytest

from models import Attachment

from ..factories import TINY_PDF
from .matrix import ALL_SEEING, ROLES, UNIT_ROLES, body, count, fetch, leaks, sees_row, snapshot


@pytest.mark.parametrize("role", ROLES)
def test_history_of_a_foreign_record(access_world, login_as, role):
    html = body(login_as(role).get(f"/admin/audit/?object=Account:{access_world['other_account']}"))
    if role in ALL_SEEING:
        assert "外单位帐号" in html
    else:
        assert not leaks(html)


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("kind", ["accounts", "reports"])
@pytest.mark.parametrize("role", ROLES)
def test_printable_form(access_world, login_as, role, kind, which):
    response = fetch(login_as(role), f"/print/{kind}/{access_world['rows'][kind][which]}.pdf")
    if sees_row(role, kind, which):
        assert response.status_code == 200 and response.data.startswith(b"%PDF")  # positive control
    else:
        assert response.status_code == 404 and not response.data.startswith(b"%PDF")


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("role", ROLES)
def test_attachment_download(attachment_world, login_as, role, which):
    response = fetch(login_as(role), f"/attachments/{attachment_world['attachments'][which]}")
    if sees_row(role, "accounts", which):
        assert response.status_code == 200 and response.data.startswith(b"%PDF")  # positive control
    else:
        assert response.status_code == 404 and not response.data.startswith(b"%PDF")


def attachment_count(app) -> int:
    return count(app, Attachment)


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("owner, view", [("account", "accounts"), ("change", "changes"), ("report", "reports")])
@pytest.mark.parametrize("role", ROLES)
def test_attachment_upload(app, access_world, login_as, role, owner, view, which):
    client = login_as(role)
    before = attachment_count(app)
    response = client.post(f"/attachments/{owner}/{access_world['rows'][view][which]}",
                           {"file": (io.BytesIO(TINY_PDF), "scan.pdf"), "kind": "signed_form"})
    added = attachment_count(app) - before
    if role == "dept_admin" or (role in UNIT_ROLES and which == "own"):
        assert added == 1, "positive control: an allowed upload is stored"
    else:
        assert added == 0, f"{role} attached a file to a {which} {owner}"
        if role in UNIT_ROLES:
            assert response.status_code == 404
        else:
            assert response.status_code in (302, 403)


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("role", ROLES)
def test_attachment_delete(app, attachment_world, login_as, role, which):
    attachment_id = attachment_world["attachments"][which]
    response = login_as(role).post(f"/attachments/{attachment_id}/delete", {})
    gone = snapshot(app, Attachment, attachment_id) is None
    if role == "dept_admin" or (role in UNIT_ROLES and which == "own"):  # (the owner account is a draft)
        assert gone, "positive control: an allowed removal removes"
    else:
        assert not gone, f"{role} removed a {which} attachment"
        assert response.status_code == (404 if role in UNIT_ROLES else 403)
