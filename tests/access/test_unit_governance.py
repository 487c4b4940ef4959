"""本单位新媒体管理 (第九条, 第十条): the paths of the responsible persons and rules views that the role × view
matrix (matrix.py VIEWS "responsibles", "unit_rules") does not reach — the unit's page, the rules download, new
forms started for a unit, their history, url= and the department's filter of units — for every role and both
units' ids. A unit user never reads or changes another unit's responsible persons or rules by any URL."""
from __future__ import annotations

import io

import pytest

from models import UnitResponsibility, UnitRules

from ..factories import TINY_PDF
from .matrix import (ALL_SEEING, BAD_IDS, EVIL_TARGETS, ROLES, UNIT_ROLES, body, count, fetch, leaks, same_site,
                     sees_row, snapshot)


@pytest.mark.parametrize("which", ["none", "own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_the_units_page(access_world, login_as, role, which):
    """A unit user always gets their own unit's page (a unit_id names nothing); the department and the auditor
    the unit they name, and 404 without one."""
    unit_id = {"none": None, "own": access_world["own_unit"], "other": access_world["other_unit"]}[which]
    response = login_as(role).get("/admin/responsibles/unit/" + (f"?unit_id={unit_id}" if unit_id else ""))
    html = body(response)
    if role in UNIT_ROLES:
        assert response.status_code == 200 and "本单位书记" in html and "本单位管理办法" in html  # positive control
        assert not leaks(html), leaks(html)
    elif which == "none":
        assert response.status_code == 404
    else:
        shown = "外单位书记" if which == "other" else "本单位书记"
        assert response.status_code == 200 and shown in html
        assert ("上传管理制度" in html or "上传新版管理制度" in html) == (role == "dept_admin")  # the auditor reads


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("role", ["dept_admin", "auditor"])
def test_the_units_page_with_a_bad_unit_id_is_404(access_world, login_as, role, bad):
    assert login_as(role).get(f"/admin/responsibles/unit/?unit_id={bad}").status_code == 404


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("role", ROLES)
def test_rules_document_download(access_world, login_as, role, which):
    response = fetch(login_as(role), f"/attachments/unit-rules/{access_world['rows']['unit_rules'][which]}")
    if sees_row(role, "unit_rules", which):
        assert response.status_code == 200 and response.data == TINY_PDF  # positive control
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    else:
        assert response.status_code == 404 and not response.data.startswith(b"%PDF")


@pytest.mark.parametrize("bad", ["999999", "2147483648", "abc", "-1"])
def test_rules_download_of_a_bad_id_is_404(access_world, login_as, bad):
    assert login_as("unit_editor").get(f"/attachments/unit-rules/{bad}").status_code == 404


@pytest.mark.parametrize("role", UNIT_ROLES)
def test_new_forms_for_another_unit_open_only_the_own(app, access_world, login_as, role):
    """``?unit_id=`` of the other unit: the persons' form opens the own unit's row, the rules form has no unit
    to choose; a POST naming the other unit files in the own unit."""
    client = login_as(role)
    other = access_world["other_unit"]
    response = client.get(f"/admin/responsibles/new/?unit_id={other}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/responsibles/edit/?id={access_world['rows']['responsibles']['own']}")
    page = client.get(f"/admin/unit_rules/new/?unit_id={other}")
    assert page.status_code == 200 and 'name="unit"' not in body(page) and not leaks(body(page))
    before = count(app, UnitRules)
    response = client.post("/admin/unit_rules/new/", {
        "unit": other, "unit_id": other, "title": "伪造管理办法", "adopted_on": "2025-01-01",
        "document": (io.BytesIO(TINY_PDF), "x.pdf")})
    assert response.status_code == 302 and count(app, UnitRules) == before + 1
    from models import db
    with app.app_context():
        assert db.session.query(UnitRules).filter_by(title="伪造管理办法").one().unit_id == access_world["own_unit"]


def test_the_department_starts_a_form_for_any_unit(access_world, login_as):
    client = login_as("dept_admin")
    other = access_world["other_unit"]
    assert client.get(f"/admin/responsibles/new/?unit_id={other}").headers["Location"].endswith(
        f"/admin/responsibles/edit/?id={access_world['rows']['responsibles']['other']}")
    page = body(client.get(f"/admin/unit_rules/new/?unit_id={other}"))
    assert f'<option selected value="{other}">校团委</option>' in page
    assert client.get("/admin/unit_rules/new/?unit_id=999999").status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", ["UnitResponsibility", "UnitRules"])
def test_history_of_a_foreign_record(access_world, login_as, role, model):
    view = {"UnitResponsibility": "responsibles", "UnitRules": "unit_rules"}[model]
    html = body(login_as(role).get(f"/admin/audit/?object={model}:{access_world['rows'][view]['other']}"))
    if role in ALL_SEEING:
        assert "校团委" in html  # positive control: the entry of the other unit's record
    else:
        assert not leaks(html)


@pytest.mark.parametrize("role", UNIT_ROLES)
def test_the_department_list_of_units_with_a_gap_is_not_a_units(access_world, login_as, role):
    """The home card's list is the units list (the department's): 403 to a unit user with its filter too."""
    response = login_as(role).get("/admin/units/?flt0_0=1")
    assert response.status_code == 403 and not leaks(body(response))


@pytest.mark.parametrize("target", EVIL_TARGETS)
@pytest.mark.parametrize("path", ["/admin/responsibles/edit/?id={responsibles}", "/admin/unit_rules/new/",
                                  "/admin/unit_rules/details/?id={rules}", "/admin/unit_rules/edit/?id={rules}",
                                  "/admin/responsibles/unit/"])
def test_url_parameter_is_never_off_site(access_world, login_as, path, target):
    url = path.format(responsibles=access_world["rows"]["responsibles"]["own"],
                      rules=access_world["rows"]["unit_rules"]["own"])
    response = login_as("unit_editor").get(url + ("&" if "?" in url else "?") + "url=" + target)
    assert response.status_code in (200, 302)
    assert same_site(response.headers.get("Location")), response.headers.get("Location")
    assert "evil.example" not in body(response)


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader", "auditor"])
def test_forged_edits_of_the_other_units_persons_change_nothing(app, access_world, login_as, role):
    row_id = access_world["rows"]["responsibles"]["other"]
    before = snapshot(app, UnitResponsibility, row_id)
    response = login_as(role).post(f"/admin/responsibles/edit/?id={row_id}", {
        "first_name": "伪造", "first_title": "伪造", "first_phone": "13800000000", "media_leader_name": "伪造",
        "media_leader_title": "伪造", "media_leader_phone": "13800000000", "row_version": "1"})
    assert response.status_code in (302, 403, 404)
    assert snapshot(app, UnitResponsibility, row_id) == before
