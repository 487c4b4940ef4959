"""The change request form in Chromium (issue 15, "Shaped by the tasks" 2): started from an account, it shows only
the chosen 变更事项's items, prefilled; choosing another 变更事项 switches them (a script with the CSP nonce).
A screenshot of each kind goes to docs/screens/change-form-<kind>.png."""
from __future__ import annotations

from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screens"
KINDS = ("name", "managers", "maintenance", "closure", "other", "public_info")
FIELDS = {"name": "#new_name", "managers": "#new_head", "maintenance": "#new_maintenance",
          "closure": "#closure_notice", "public_info": "#new_homepage_url"}


@pytest.fixture(scope="module")
def account_id(server):
    from models import Account, AccountStatus, Unit, db

    with server["app"].app_context():
        return db.session.query(Account.id).join(Unit).filter(
            Unit.code == "KJXY", Account.status == AccountStatus.approved).order_by(Account.id).limit(1).scalar()


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_shows_its_items(page_as, server, account_id, kind):
    page = page_as("kj_editor", 1280, 900)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"{server['url']}/admin/changes/new/?account_id={account_id}&kind={kind}")
    for other, selector in FIELDS.items():
        assert page.locator(selector).count() == (1 if other == kind else 0), (kind, other)
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"change-form-{kind}.png"), full_page=True)
    assert not problems, problems


def test_choosing_another_kind_switches_the_items(page_as, server, account_id):
    page = page_as("kj_editor")
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"{server['url']}/admin/changes/new/?account_id={account_id}&kind=name")
    assert page.locator("#new_name").count() == 1
    page.locator("#s2id_kind, #kind + .select2-container").first.click()  # the select2 drop-down
    page.locator(".select2-drop-active .select2-result-label, .select2-results__option",
                 has_text="维护方式").first.click()
    page.wait_for_url("**kind=maintenance**")
    assert page.locator("#new_maintenance").count() == 1 and page.locator("#new_name").count() == 0
    assert f"account_id={account_id}" in page.url
    assert not problems, problems  # no script refused by the Content-Security-Policy
