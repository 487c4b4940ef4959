"""The account form in Chromium (issue 15, "Shaped by the tasks" 3 and 6): laid out like the paper 备案审批表 in two
columns at 1366 wide and in one at 390 (screenshots in docs/screens/account-form-wide.png and -phone.png), and a
person added from a team row through the dialog, chosen in the row and saved with the account."""
from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screens"


def _draft_account(server, unit_code="KJXY"):
    from models import Account, AccountStatus, Unit, db

    with server["app"].app_context():
        return (db.session.query(Account.id).join(Unit, Account.unit_id == Unit.id)
                .filter(Unit.code == unit_code, Account.status == AccountStatus.draft)
                .order_by(Account.id).limit(1).scalar())


def _columns(page) -> int:
    return page.eval_on_selector("#section-basic .form-section-grid",
                                 "el => getComputedStyle(el).gridTemplateColumns.split(' ').length")


@pytest.mark.parametrize("width, height, name, columns", [(1366, 768, "wide", 2), (390, 844, "phone", 1)])
def test_layout_like_the_paper_form(server, page_as, width, height, name, columns):
    page = page_as("kj_editor", width=width, height=height)
    page.goto(server["url"] + "/admin/accounts/new/")
    for title in ("基本信息", "主办与运维", "媒体定位", "管理队伍", "审核意见"):
        assert page.locator("legend.form-section-title", has_text=title).count() == 1
    assert _columns(page) == columns
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing cut off
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"account-form-{name}.png"), full_page=True)
    # A refusal of a rule shows next to its field and in the summary at the top (委托第三方 without the vendor).
    page.goto(server["url"] + f"/admin/accounts/edit/?id={_draft_account(server)}")
    page.evaluate("document.querySelector('select[name=maintenance]').value = 'outsourced'")
    page.evaluate("document.querySelector('input[name=vendor]').value = ''")
    page.click(".admin-form [type=submit] >> nth=0")
    page.wait_for_selector("#form-error-summary")
    assert "第三方" in page.locator("#form-error-summary").inner_text()
    assert "第三方" in page.locator("[data-field=vendor] .invalid-feedback").inner_text()
    assert page.locator("[data-field=vendor] .invalid-feedback").is_visible()
    page.screenshot(path=str(DOCS.parent.parent / "test-output" / "e2e" / f"account-form-refused-{name}.png"),
                    full_page=True)


def test_new_person_from_a_team_row(server, page_as):
    account_id = _draft_account(server)
    assert account_id, "the demo data has a draft account of 会计学院"
    page = page_as("kj_editor")
    page.goto(server["url"] + f"/admin/accounts/edit/?id={account_id}")
    row = page.locator(".inline-field-list > .inline-field").last
    row.locator("[data-new-person]").click()
    dialog = page.locator("#new-person-dialog")
    assert dialog.is_visible()
    # The checks of the manager form: a bad phone number is refused inside the dialog.
    dialog.locator("#person-name").fill("对话框新人")
    dialog.locator("#person-phone").fill("12345")
    dialog.locator("#person-employment_status").select_option("staff")
    dialog.locator("button[type=submit]").click()
    page.wait_for_selector("#new-person-dialog [data-errors-for=phone].d-block")
    assert "手机" in dialog.locator("[data-errors-for=phone]").inner_text()
    page.screenshot(path=str(DOCS / "account-form-new-person-dialog.png"))
    dialog.locator("#person-phone").fill("13912345678")
    dialog.locator("button[type=submit]").click()
    dialog.wait_for(state="hidden")
    assert "对话框新人" in row.inner_text()
    page.screenshot(path=str(DOCS.parent.parent / "test-output" / "e2e" / "account-form-new-person.png"),
                    full_page=True)
    page.click(".admin-form [type=submit] >> nth=0")
    page.wait_for_url("**/admin/accounts/**")
    from models import Account, db

    with server["app"].app_context():
        account = db.session.get(Account, account_id)
        assert "对话框新人" in [m.manager.name for m in account.team]


def test_the_department_finds_the_unit_by_searching(server, page_as):
    """The unit of the department's account form is a search box (1,500 units at province scale, issue 18): opened
    it offers units without typing, a part of the name narrows them, the choice is saved with the account."""
    from models import Unit, db

    page = page_as("dept")
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(server["url"] + "/admin/accounts/new/")
    page.click("#s2id_unit")
    drop = page.locator(".select2-drop-active").first
    drop.wait_for(state="visible")
    page.locator(".select2-drop-active .select2-result-label").first.wait_for(state="visible")
    assert page.locator(".select2-drop-active .select2-result-label").count() >= 2  # offered without typing
    page.keyboard.type("会计")
    page.locator(".select2-drop-active .select2-result-label", has_text="会计学院").first.wait_for(state="visible")
    page.locator(".select2-drop-active .select2-result-label", has_text="会计学院").first.click()
    with server["app"].app_context():
        unit_id = db.session.query(Unit.id).filter(Unit.name == "会计学院").scalar()
    assert page.input_value("#unit") == str(unit_id)
    assert not problems, problems  # no script refused by the Content-Security-Policy
