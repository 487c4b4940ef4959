"""A unit's 企业微信 / 钉钉 group robot webhooks (issue 17, 3) are the department's: a unit user can neither see
nor set them on their own unit or another; the auditor reads only the masked "已设置（…last 4）" and cannot set
them; the department sets them (tests/test_notify.py)."""
from __future__ import annotations

import pytest

from models import Unit, db

from .matrix import UNIT_ROLES, body, fetch

STORED = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=HIDDEN1234"


def _store(app, unit_id):
    with app.app_context():
        db.session.get(Unit, unit_id).wecom_webhook = STORED
        db.session.commit()


def _stored(app, unit_id):
    with app.app_context():
        return db.session.get(Unit, unit_id).wecom_webhook


def _forged_post(client, unit_id):
    return client.post(f"/admin/units/edit/?id={unit_id}", {
        "code": "X", "name": "x", "kind": "college", "new_wecom_webhook": "https://evil.example/x",
        "clear_webhooks": "y"})


@pytest.mark.parametrize("role", UNIT_ROLES)
@pytest.mark.parametrize("which", ["own", "other"])
def test_a_unit_user_can_neither_see_nor_set_the_webhooks(app, access_world, login_as, role, which):
    unit_id = access_world["rows"]["units"][which]
    _store(app, unit_id)
    client = login_as(role)
    for url in (f"/admin/units/details/?id={unit_id}", f"/admin/units/edit/?id={unit_id}", "/admin/units/",
                "/admin/units/export/csv/"):
        response = fetch(client, url)
        assert response.status_code == 403 and "HIDDEN" not in body(response)
    assert _forged_post(client, unit_id).status_code == 403
    assert _stored(app, unit_id) == STORED


@pytest.mark.parametrize("which", ["own", "other"])
def test_the_auditor_reads_them_masked_and_cannot_set_them(app, access_world, login_as, which):
    unit_id = access_world["rows"]["units"][which]
    _store(app, unit_id)
    client = login_as("auditor")
    page = body(fetch(client, f"/admin/units/details/?id={unit_id}"))
    assert "已设置（…1234）" in page and "HIDDEN" not in page
    for url in ("/admin/units/", "/admin/units/export/csv/"):
        response = fetch(client, url)
        assert response.status_code == 200 and "HIDDEN" not in body(response)
    assert _forged_post(client, unit_id).status_code == 302  # the read-only edit view sends back to the list
    assert _stored(app, unit_id) == STORED
