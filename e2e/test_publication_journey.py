"""发布报批 in Chromium (第十二条, issue 19 part 1): a unit editor files an urgent request, the unit leader agrees, the
department sees it first on its home with the time left and authorises it with conditions, the unit records the
publication; and a publication without authorisation turned into a violation record (第十三条) with one click.
Screenshots in test-output/e2e/publication-*.png."""
from __future__ import annotations

import datetime as dt
import zoneinfo

from models import Account, AccountStatus, Unit, db

from .conftest import shot


def _kjxy_account(server) -> tuple[int, str]:
    with server["app"].app_context():
        account = (db.session.query(Account).join(Unit).filter(Unit.code == "KJXY",
                                                               Account.status == AccountStatus.approved)
                   .order_by(Account.id).first())
        return account.id, account.name


def _choose(page, field: str, value: str) -> None:
    """A select2 drop-down's value, set on the select it stands for (as the widget does)."""
    page.eval_on_selector(f"select#{field}", "(el, v) => { el.value = v; el.dispatchEvent(new Event('change')); }",
                          value)


def _file_request(page, server, account_id: int, headline: str, urgency: str) -> None:
    page.goto(f"{server['url']}/admin/publications/new/?account_id={account_id}")
    assert "第十二条" in page.inner_text(".publication-article")
    _choose(page, "topic", "emergency")
    _choose(page, "urgency", urgency)
    page.fill("#headline", headline)
    planned = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")) + dt.timedelta(hours=6)
    page.fill("#planned_at", planned.strftime("%Y-%m-%dT%H:%M"))  # the browser's date-and-time input
    page.fill("#body", "学校关于突发事件的情况通报（拟发布稿）。")
    shot(page, f"publication-form-{urgency}")
    page.click("input[type=submit][value='保存']")
    page.wait_for_url("**/admin/publications/details/**")


def _record_publication(page, minutes_ago: int = 0) -> None:
    published = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")) - dt.timedelta(minutes=minutes_ago)
    page.fill("#published_url", "https://weibo.com/7654321/e2e")
    page.fill("#published_at", published.strftime("%Y-%m-%dT%H:%M"))
    page.click("#record-publication button[type=submit]")
    page.wait_for_selector(".alert-success")


def test_urgent_request_authorised_and_published(page_as, server):
    account_id, _name = _kjxy_account(server)
    headline = "突发事件情况通报（紧急）"
    editor = page_as("kj_editor")
    _file_request(editor, server, account_id, headline, "urgent")
    editor.click("button[name=action][value=submit]")
    editor.wait_for_selector(".alert-success")
    request_url = editor.url.split("&")[0]

    leader = page_as("kj_leader")
    leader.goto(request_url)
    leader.click("button[name=action][value=confirm]")
    leader.wait_for_selector(".alert-success")
    assert "待宣传部授权" in leader.inner_text(".record-state")

    dept = page_as("dept")
    card = dept.locator("#todo-pending_publications")
    assert headline in card.inner_text() and "剩余" in card.inner_text() and "紧急" in card.inner_text()
    # the first section's first card: the urgent requests come before the registrations to approve
    assert dept.locator("#section-1 .card-header").first.inner_text().startswith("待授权的发布报批")
    shot(dept, "publication-home-dept")
    card.locator("a.badge-danger", has_text="紧急").click()  # "其中紧急 N 件": the list filtered to them
    row = dept.locator("table.model-list tr", has_text=headline)
    assert "剩余" in row.inner_text()  # the list's 答复时限 with the time left
    row.locator("a.icon").first.click()  # the record's page
    dept.fill("#opinion", "同意发布。")
    dept.fill("#conditions", "发布时不得附现场图片。")
    shot(dept, "publication-authorise")
    dept.click("button[name=action][value=approve]")
    dept.wait_for_selector(".alert-success")
    assert "已授权" in dept.inner_text(".record-state")
    assert "发布时不得附现场图片。" in dept.content()

    editor.goto(request_url)
    _record_publication(editor)
    assert "已于" in editor.inner_text(".record-deadlines")
    assert editor.locator("#record-violation").count() == 0
    shot(editor, "publication-recorded")


def test_unauthorised_publication_becomes_a_violation_in_one_click(page_as, server):
    account_id, _name = _kjxy_account(server)
    editor = page_as("kj_editor")
    _file_request(editor, server, account_id, "未经授权的热点回应", "normal")
    request_url = editor.url.split("&")[0]
    _record_publication(editor, 30)  # published half an hour ago, while the request was still a draft
    assert editor.locator(".alert-warning").count() >= 1

    dept = page_as("dept")
    dept.goto(request_url)
    dept.click("#record-violation button[type=submit]")  # one click
    dept.wait_for_selector(".alert-success")
    assert dept.locator("#record-violation").count() == 0
    dept.click("a:text-is('查看违规记录')")
    dept.wait_for_url("**/admin/violations/details/**")
    assert "未经授权发布" in dept.content()
    shot(dept, "publication-violation")
