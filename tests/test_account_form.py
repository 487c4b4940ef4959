"""The account form laid out like the paper 备案审批表 (issue 15, "Shaped by the tasks" 3): its groups of rows as
fieldsets with headings, two columns on a wide screen, and each refusal of a rule next to the field or the team
row it is about as well as in a summary at the top."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from models import Account, EmploymentStatus, Unit, db

from .access.matrix import body, form_fields
from .conftest import make_manager

SECTIONS = {"basic": "基本信息", "owner": "主办与运维", "positioning": "媒体定位", "team": "管理队伍",
            "review": "审核意见"}


def section(html: str, key: str) -> str:
    match = re.search(rf'<fieldset class="form-section" id="section-{key}">(.*?)</fieldset>', html, re.S)
    assert match, f"no section {key}"
    return match.group(1)


def cell(html: str, name: str) -> str:
    """The grid cell of one field (up to the next cell or the end of its section)."""
    match = re.search(rf'<div class="form-cell[^"]*" data-field="{name}">(.*?)(?=<div class="form-cell|</fieldset>)',
                      html, re.S)
    assert match, f"no cell for {name}"
    return match.group(1)


@pytest.mark.parametrize("role", ["unit_editor", "dept_admin"])
@pytest.mark.parametrize("page", ["new", "edit"])
def test_groups_of_the_paper_form_in_order(world, login_as, role, page):
    url = "/admin/accounts/new/" if page == "new" else f"/admin/accounts/edit/?id={world['own_account']}"
    html = body(login_as(role).get(url))
    positions = [html.index(f'id="section-{key}"') for key in SECTIONS]
    assert positions == sorted(positions)
    for key, title in SECTIONS.items():
        assert title in section(html, key).split("</legend>")[0]
    assert 'data-field="name"' in section(html, "basic") and 'data-field="wechat_original_id"' in section(html, "basic")
    assert 'data-field="creator_entity"' in section(html, "owner") and 'data-field="maintenance"' in section(html, "owner")
    assert 'data-field="team"' in section(html, "team")
    # The unit is chosen by the department only; a unit user's account is always in their unit.
    assert ('data-field="unit"' in section(html, "owner")) == (role == "dept_admin")
    # Long texts and the team take a whole row of the two-column grid.
    assert 'form-cell form-cell-wide" data-field="positioning_content"' in html
    assert 'form-cell form-cell-wide" data-field="team"' in html


def test_review_section_shows_where_the_registration_stands(world, login_as, app):
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.unit_opinion = "已知我单位开设此新媒体帐号"
        account.unit.leader_name, account.unit.leader_title = "李院长", "院长"
        db.session.commit()
    html = body(login_as("unit_editor").get(f"/admin/accounts/edit/?id={world['own_account']}"))
    review = section(html, "review")
    assert "草稿" in review and "已知我单位开设此新媒体帐号" in review
    owner = section(html, "owner")
    assert "李院长" in owner and "院长" in owner  # 单位主要负责人 and 职务, as the paper form prints them


def test_two_columns_on_a_wide_screen_one_on_a_phone():
    css = (Path(__file__).resolve().parent.parent / "views" / "static" / "admin.css").read_text(encoding="utf-8")
    narrow = re.search(r"\.form-section-grid \{[^}]*grid-template-columns: minmax\(0, 1fr\);", css)
    wide = re.search(r"@media \(min-width: 768px\) \{\s*\.form-section-grid \{ grid-template-columns: "
                     r"repeat\(2, minmax\(0, 1fr\)\); \}", css)
    assert narrow and wide


def test_no_style_or_script_inline(world, login_as):
    """The layout is in the stylesheet (CSP): no style attribute and no inline script on the form."""
    html = body(login_as("dept_admin").get("/admin/accounts/new/"))
    form = html[html.index('<form action="" method="POST"'):] if '<form action="" method="POST"' in html else html
    sections = "".join(re.findall(r'<fieldset class="form-section".*?</fieldset>', form, re.S))
    assert "style=" not in re.sub(r"<div class=\"inline-field-template.*", "", sections, flags=re.S)
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", html)


# --- refusals next to what they are about ----------------------------------------------------------------------
def post_edit(client, account_id, **changes):
    page = form_fields(body(client.get(f"/admin/accounts/edit/?id={account_id}")))
    page.update({name: [value] for name, value in changes.items()})
    return body(client.post(f"/admin/accounts/edit/?id={account_id}", page))


def summary(html: str) -> str:
    match = re.search(r'<div class="alert alert-danger form-error-summary".*?</div>', html, re.S)
    assert match, "no summary at the top"
    return match.group(0)


def test_field_rule_shown_next_to_its_field_and_in_the_summary(world, login_as):
    html = post_edit(login_as("unit_editor"), world["own_account"], maintenance="outsourced", vendor="")
    message = "请填写负责维护该帐号的第三方单位名称"
    assert message in cell(html, "vendor") and "invalid-feedback" in cell(html, "vendor")
    assert message in summary(html) and 'href="#vendor"' in summary(html)
    assert message not in cell(html, "maintenance")


def test_article_8_refusal_shown_at_the_team_row_of_that_person(app, world, login_as):
    """A verified account's 管理员 who is a student: the refusal is at that person's row, not the head's."""
    with app.app_context():
        student = make_manager(db.session.get(Unit, world["own_unit"]), "学生小王", EmploymentStatus.student).id
        db.session.commit()
    html = post_edit(login_as("unit_editor"), world["own_account"], verified="y", **{"team-1-manager": str(student)})
    rows = re.findall(r'<div id="team-(\d+)" class="inline-field card.*?(?=<div id="team-\d+" class="inline-field'
                      r'|<div class="inline-field-template)', html, re.S)
    assert len(rows) == 2
    head_row, admin_row = re.split(r'<div id="team-\d+" class="inline-field card', html)[1:3]
    assert "第八条" in admin_row and "学生小王" in admin_row
    assert "第八条" not in head_row
    assert "第八条" in summary(html) and 'href="#team-1-manager"' in summary(html)
    with app.app_context():
        assert not db.session.get(Account, world["own_account"]).verified  # nothing saved


def test_same_person_twice_marked_on_the_second_row(world, login_as):
    html = post_edit(login_as("unit_editor"), world["own_account"],
                     **{"team-1-manager": str(world["own_manager"])})
    first, second = re.split(r'<div id="team-\d+" class="inline-field card', html)[1:3]
    second = second.split('<div class="inline-field-template')[0]
    assert "重复" in second and "重复" not in first
    assert "重复" in summary(html)


def test_team_without_administrator_marked_on_the_team(world, login_as):
    html = post_edit(login_as("unit_editor"), world["own_account"], **{"team-1-role": "head"})
    team = section(html, "team")
    assert "至少" in team and "管理员" in team
    assert "至少" in summary(html)


def test_a_required_field_left_empty_is_in_the_summary_too(world, login_as):
    html = post_edit(login_as("unit_editor"), world["own_account"], creator_entity="")
    assert 'href="#creator_entity"' in summary(html)
    assert "invalid-feedback" in cell(html, "creator_entity")


def test_no_summary_on_a_form_without_errors(world, login_as):
    html = body(login_as("unit_editor").get(f"/admin/accounts/edit/?id={world['own_account']}"))
    assert "form-error-summary" not in html


def test_a_new_account_starts_with_a_head_row_and_an_administrator_row(world, login_as):
    fields = form_fields(body(login_as("unit_editor").get("/admin/accounts/new/")))
    assert fields["team-0-role"] == ["head"] and fields["team-1-role"] == ["admin"]
    assert "team-2-role" not in fields
