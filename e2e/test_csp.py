"""The strict Content-Security-Policy in a real browser: no violation is reported, and everything that
used inline handlers (confirmations, the actions and filter menus, the date picker, "add team member")
still works through views/static/admin.js."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from .conftest import shot


@pytest.fixture
def watched(page_as):
    """A logged-in page whose CSP violations (console messages and page errors) are collected."""
    problems: list[str] = []

    def login(username):
        page = page_as(username)
        page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        return page

    login.problems = problems
    return login


def _make_account(server, name, status, unit_code="KJXY"):
    """A fresh account (the department's tests use 校团委 so that the journeys' counts in 会计学院 stay as
    the demo data has them)."""
    from models import AccountStatus, Unit, db
    from tests.conftest import make_account

    with server["app"].app_context():
        unit = db.session.query(Unit).filter_by(code=unit_code).one()
        account_id = make_account(unit, name, getattr(AccountStatus, status), account_id=f"e2e-{name}").id
        db.session.commit()
    return account_id


def _status(server, account_id):
    from models import Account, db

    with server["app"].app_context():
        account = db.session.get(Account, account_id)
        return account.status.name if account else None


MAIN_PAGES = ["/admin/", "/admin/accounts/", "/admin/accounts/new/", "/admin/managers/", "/admin/changes/",
              "/admin/reports/", "/admin/reports/missing/", "/admin/violations/", "/admin/assessments/",
              "/admin/audit/", "/admin/units/", "/admin/users/", "/admin/calendar/", "/admin/calendar/batch/",
              "/admin/accounts/import/", "/account/password", "/matrix"]


@pytest.mark.parametrize("username", ["dept", "kj_editor"])
def test_no_csp_violation_on_the_main_pages(watched, server, username):
    page = watched(username)
    account_id = _make_account(server, f"违规检查{username}", "draft", "KJXY" if username == "kj_editor" else "TW")
    pages = MAIN_PAGES + [f"/admin/accounts/details/?id={account_id}", f"/admin/accounts/edit/?id={account_id}"]
    for url in pages:
        response = page.goto(server["url"] + url)
        if response.status == 403:
            continue  # the unit editor may not open the department's screens
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
    # open the menus once, so that their scripts run too
    page.goto(server["url"] + "/admin/accounts/")
    page.locator("li.dropdown:has(.field-filters) > a[data-toggle=dropdown]").click()
    assert watched.problems == []


def test_delete_asks_first(watched, server):
    page = watched("kj_editor")
    account_id = _make_account(server, "待删除草稿", "draft")
    page.goto(server["url"] + "/admin/accounts/?search=待删除草稿")
    button = page.locator(f"form.icon:has(input[name=id][value='{account_id}']) button[data-confirm]")
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    button.click()
    page.wait_for_timeout(300)
    assert messages and re.search(r"[\u4e00-\u9fff]", messages[0]) and _status(server, account_id) == "draft"
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        button.click()
    assert _status(server, account_id) is None
    shot(page, "csp-deleted")


def test_reject_on_the_record_page_asks_first(watched, server):
    page = watched("dept")
    account_id = _make_account(server, "待退回帐号", "dept_review", "TW")
    page.goto(server["url"] + f"/admin/accounts/details/?id={account_id}")
    page.fill("#opinion", "材料不全。")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button[value=reject]")
    page.wait_for_timeout(300)
    assert _status(server, account_id) == "dept_review"
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button[value=reject]")
    assert _status(server, account_id) == "returned"
    assert watched.problems == []


def test_bulk_action_from_the_actions_menu_asks_first(watched, server):
    page = watched("dept")
    account_id = _make_account(server, "批量审核帐号", "dept_review", "TW")
    page.goto(server["url"] + "/admin/accounts/?search=批量审核帐号")
    page.check(f"input.action-checkbox[value='{account_id}']")
    menu = page.locator("li.dropdown:has([data-model-action]) > a[data-toggle=dropdown]")
    menu.click()
    approve = page.locator(".dropdown-menu [data-model-action=approve]")  # not the step bar's button of the same action
    assert approve.is_visible()
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    approve.click()
    page.wait_for_timeout(300)
    assert messages and re.search(r"[\u4e00-\u9fff]", messages[0]) and _status(server, account_id) == "dept_review"
    assert "#" not in page.url
    menu.click()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        approve.click()
    shot(page, "csp-bulk-approved")
    assert _status(server, account_id) == "approved", page.locator("div.alert").all_inner_texts()
    assert watched.problems == []


def test_import_asks_first(watched, server):
    page = watched("dept")
    page.goto(server["url"] + "/admin/accounts/import/")
    with page.expect_download() as download:
        page.click("a[href$='/import/template.xlsx']")
    page.set_input_files("input[name=file]", download.value.path())
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button[value=import]")
    page.wait_for_timeout(300)
    assert posts == []  # dismissed: nothing sent
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button[value=import]")
    assert posts and page.locator("div.alert").count() >= 1  # the result of importing the empty template
    assert watched.problems == []


def test_filter_menu_adds_a_filter(watched, server):
    page = watched("dept")
    page.goto(server["url"] + "/admin/accounts/")
    page.locator("li.dropdown:has(.field-filters) > a[data-toggle=dropdown]").click()
    page.locator(".field-filters a.filter").first.click()
    assert page.locator("table.filters tr").count() == 1
    assert "#" not in page.url
    shot(page, "csp-filter")
    assert watched.problems == []


def test_date_picker_opens_and_team_members_are_added(watched, server):
    page = watched("kj_editor")
    page.goto(server["url"] + "/admin/accounts/new/")
    page.click("#created_on")
    assert page.locator(".daterangepicker").first.is_visible()
    page.keyboard.press("Escape")
    page.click("#team-button")
    page.click("#team-button")
    assert page.locator("#team-0-manager").count() == 1 and page.locator("#team-1-manager").count() == 1
    assert "#" not in page.url
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#team-1 .inline-remove-field").click()
    assert page.locator("#team-1-manager").count() == 0
    page.fill("#created_on", dt.date.today().isoformat())
    shot(page, "csp-account-form")
    assert watched.problems == []
