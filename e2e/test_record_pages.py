"""A record's page in Chromium as each role (issue 15, "Shaped" 1): the head shows the state, the deadline and
the buttons the role may use; 申请变更 opens its menu under the Content-Security-Policy; a step taken from the
head moves the record on. Screenshots: docs/screens/record-page-<role>.png and test-output/e2e/."""
from __future__ import annotations

from pathlib import Path

import pytest

from models import Account, AccountStatus, db

from .conftest import shot

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screens"
#: The demo login of each role, the state of the account its page shows, and what the head must offer.
ROLES = {
    "kj_editor": (AccountStatus.approved, ["申请变更", "办理注销", "填报月报", "打印备案审批表", "查看操作日志"]),
    "kj_leader": (AccountStatus.unit_review, ["单位审核：同意报送", "退回修改", "打印备案审批表", "查看操作日志"]),
    "dept": (AccountStatus.dept_review, ["审核通过", "退回修改", "编辑", "打印备案审批表", "查看操作日志"]),
    "auditor": (AccountStatus.approved, ["打印备案审批表", "查看操作日志"]),
}


def account_in(server, status: AccountStatus, unit_code: str | None = "KJXY", report_due: bool = False):
    """(id, name) of a demo account in ``status`` (of ``unit_code``; with its monthly report still to file)."""
    with server["app"].app_context():
        from models import MonthlyReport, Unit
        from services import reports

        query = db.session.query(Account).join(Unit).filter(Account.status == status)
        if unit_code:
            query = query.filter(Unit.code == unit_code)
        if report_due:
            from models import ReviewStatus

            filed = db.session.query(MonthlyReport.account_id).filter(
                MonthlyReport.period == reports.reporting_period(),
                MonthlyReport.status.not_in([ReviewStatus.draft, ReviewStatus.returned]))
            query = query.filter(Account.id.not_in(filed))
        account = query.order_by(Account.id).first()
        if account is None and report_due:  # every demo account has reported: one registered in September
            from tests.factories import make_account

            account = make_account(db.session.query(Unit).filter_by(code=unit_code).one(), "会计学院青年志愿者",
                                   status=status, account_id="e2e-report-due")
            db.session.commit()
        if account is None and status == AccountStatus.dept_review:  # e2e/test_home.py approved the demo's one
            from tests.factories import make_account

            account = make_account(db.session.query(Unit).order_by(Unit.id).first(), "页面待审帐号", status=status,
                                   account_id="e2e-record-pending")
            db.session.commit()
        assert account is not None, f"the demo data has no such {status.name} account of {unit_code}"
        return account.id, account.name


@pytest.mark.parametrize("username", list(ROLES))
def test_the_record_page_as_each_role(page_as, server, username):
    status, expected = ROLES[username]
    account_id, name = account_in(server, status, None if username == "dept" else "KJXY",
                                  report_due=username == "kj_editor")
    page = page_as(username)
    page.goto(f"{server['url']}/admin/accounts/details/?id={account_id}")
    assert page.title().startswith(f"{name} - 新媒体帐号")
    assert page.locator("ol.breadcrumb li").all_inner_texts() == ["首页", "新媒体帐号", name]
    head = page.locator(".record-head")
    assert head.locator("h1").inner_text().startswith(name)
    text = head.inner_text()
    for label in expected:
        assert label in text, (username, label, text)
    if username == "auditor":
        assert head.locator("button").count() == 0 and "编辑" not in text
    if username == "kj_editor":
        head.get_by_role("button", name="申请变更").click()
        menu = head.locator(".dropdown-menu")
        menu.wait_for(state="visible")
        assert menu.locator("a").all_inner_texts() == ["帐号名称", "管理人员", "维护方式", "公开信息（二维码、主页网址）",
                                                        "其他"]
        assert menu.locator("a").first.evaluate("e => getComputedStyle(e).color") == "rgb(33, 37, 41)"  # AA
    page.wait_for_timeout(200)
    shot(page, f"record-page-{username}")
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / f"record-page-{username}.png"))


def test_a_step_taken_from_the_head(page_as, server):
    """The department approves from the account's head: the page comes back with the new state."""
    with server["app"].app_context():  # an account of its own: the other journeys keep the demo data as it is
        from models import Unit
        from tests.factories import make_account

        unit = db.session.query(Unit).filter_by(code="KJXY").one()
        account_id = make_account(unit, "页头审核测试帐号", status=AccountStatus.dept_review,
                                  account_id="e2e-record-head").id
        db.session.commit()
    page = page_as("dept")
    page.goto(f"{server['url']}/admin/accounts/details/?id={account_id}")
    page.fill("#opinion", "同意备案。")
    page.get_by_role("button", name="审核通过").click()
    page.wait_for_load_state()
    assert "已备案" in page.locator(".record-head .record-state").inner_text()
    assert page.locator(".record-head button[value=approve]").count() == 0


@pytest.mark.parametrize("view, model_name, username, unit_code", [
    ("changes", "ChangeRecord", "kj_editor", "KJXY"), ("reports", "MonthlyReport", "kj_editor", "KJXY"),
    ("violations", "Violation", "tw_editor", "TW")])
def test_the_other_record_pages(page_as, server, view, model_name, username, unit_code):
    """Change requests, monthly reports and violations: the same head (state, steps or edit, history)."""
    import models

    model = getattr(models, model_name)
    with server["app"].app_context():
        from models import Unit

        row = (db.session.query(model).join(Unit, model.unit_id == Unit.id).filter(Unit.code == unit_code)
               .order_by(model.id).first())
        assert row is not None, f"the demo data has no {view} of {unit_code}"
        row_id, name = row.id, str(row)
    page = page_as(username)
    page.goto(f"{server['url']}/admin/{view}/details/?id={row_id}")
    head = page.locator(".record-head")
    assert head.locator("h1").inner_text().startswith(name)
    assert head.locator(".record-state .badge").count() == 1
    assert "查看操作日志" in head.inner_text()
    assert page.title().startswith(name)
    shot(page, f"record-page-{view}-{username}")
