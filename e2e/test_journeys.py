"""The journeys of SPEC.md in a real browser, one screenshot per key screen."""
import datetime as dt
import io

import openpyxl
import pytest

from .conftest import shot

ROLES = {"dept": "宣传部审核员", "auditor": "只读审计", "kj_editor": "单位管理员", "kj_leader": "单位负责人"}


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_logs_in_to_a_chinese_home_page(page_as, username):
    page = page_as(username)
    assert "日常监管" in page.content() and ROLES[username] in page.content()
    shot(page, f"home-{username}")


def test_login_page(page_as, server):
    page = page_as(None)
    page.goto(server["url"] + "/login")
    assert "登录" in page.title()
    shot(page, "login")


def _add_team_member(page, index: int, manager_id: int, role: str):
    if page.locator(f"#team-{index}-manager").count():  # a new account's form starts with two team rows
        page.click("#section-team > legend")  # (a click outside closes an open date picker, as "add" did)
    else:
        page.click("#team-button")
    page.evaluate("([i, m, r]) => { document.querySelector(`#team-${i}-manager`).value = String(m);"
                  " const s = document.querySelector(`#team-${i}-role`); s.value = r;"
                  " s.dispatchEvent(new Event('change')); }", [index, manager_id, role])


def _manager_id(server, name):
    from models import Manager, db

    with server["app"].app_context():
        return db.session.query(Manager.id).filter_by(name=name).scalar()


def _account_id(server, name):
    from models import Account, db

    with server["app"].app_context():
        return db.session.query(Account.id).filter_by(name=name).scalar()


def test_registration_from_editor_to_matrix(page_as, server):
    editor = page_as("kj_editor")
    editor.goto(server["url"] + "/admin/accounts/new/")
    editor.fill("#name", "会计学院小红书")
    editor.select_option("#platform", "xiaohongshu", force=True)
    editor.fill("#platform_account_id", "kjxy_xhs_e2e")
    editor.fill("#creator_entity", "会计学院")
    editor.fill("#created_on", dt.date.today().isoformat())
    editor.fill("#positioning_function", "发布学院新闻")
    _add_team_member(editor, 0, _manager_id(server, "张伟"), "head")
    _add_team_member(editor, 1, _manager_id(server, "刘洋"), "admin")
    shot(editor, "register-form")
    editor.click("input[type=submit][value='保存']")
    editor.wait_for_load_state()
    assert "创建记录成功" in editor.content() or "保存成功" in editor.content(), editor.content()[-2000:]
    account_id = _account_id(server, "会计学院小红书")
    editor.goto(server["url"] + f"/admin/accounts/details/?id={account_id}")
    editor.click("button[value=submit]")
    assert "待单位审核" in editor.content()

    leader = page_as("kj_leader")
    leader.goto(server["url"] + f"/admin/accounts/details/?id={account_id}")
    shot(leader, "register-leader-review")
    leader.click("button[value=confirm]")
    assert "待宣传部审核" in leader.content()

    dept = page_as("dept")
    dept.goto(server["url"] + f"/admin/accounts/details/?id={account_id}")
    dept.fill("#opinion", "同意备案。")
    dept.click("button[value=approve]")
    assert "已备案" in dept.content()
    shot(dept, "register-approved")

    public = page_as(None, width=390, height=844)
    public.goto(server["url"] + "/matrix?q=小红书")
    assert "会计学院小红书" in public.content()
    shot(public, "matrix-phone")


def test_change_request(page_as, server):
    editor = page_as("kj_editor")
    account_id = _account_id(server, "云财会计学院")
    editor.goto(server["url"] + f"/admin/changes/new/?account={account_id}&kind=name")
    editor.fill("#changed_on", dt.date.today().isoformat())
    editor.fill("#new_name", "云财会计学院官方号")
    editor.fill("#reason", "统一命名")
    shot(editor, "change-form")
    editor.click("input[type=submit][value='保存']")
    assert "创建记录成功" in editor.content(), editor.content()[-2000:]
    from models import ChangeRecord, db

    with server["app"].app_context():
        change_id = db.session.query(ChangeRecord.id).filter(ChangeRecord.after["name"].as_string()
                                                             == "云财会计学院官方号").scalar()
    editor.goto(server["url"] + f"/admin/changes/details/?id={change_id}")
    editor.click("button[value=submit]")
    leader = page_as("kj_leader")
    leader.goto(server["url"] + f"/admin/changes/details/?id={change_id}")
    leader.click("button[value=confirm]")
    dept = page_as("dept")
    dept.goto(server["url"] + f"/admin/changes/details/?id={change_id}")
    dept.click("button[value=approve]")
    shot(dept, "change-approved")
    dept.goto(server["url"] + f"/admin/accounts/details/?id={account_id}")
    assert "云财会计学院官方号" in dept.content()


def test_monthly_report_from_prepare_to_approval(page_as, server):
    from models import Account, MonthlyReport, db
    from services.reports import reporting_period

    with server["app"].app_context():  # one of the unit's accounts has not reported yet this month
        account_id = db.session.query(Account.id).filter_by(name="会计学院微博").scalar()
        db.session.query(MonthlyReport).filter_by(account_id=account_id, period=reporting_period()).delete()
        db.session.commit()
    editor = page_as("kj_editor")
    editor.goto(server["url"] + "/admin/reports/")
    with editor.expect_navigation():  # the button posts a form: read the page it leads to, not the one it leaves
        editor.click("text=生成本月报表")
    assert "月报表草稿" in editor.content() or "均已有" in editor.content()
    shot(editor, "reports-prepared")
    from models import MonthlyReport, ReviewStatus, Unit, db

    with server["app"].app_context():
        unit_id = db.session.query(Unit.id).filter_by(code="KJXY").scalar()
        report_id = db.session.query(MonthlyReport.id).filter_by(unit_id=unit_id, status=ReviewStatus.draft) \
            .order_by(MonthlyReport.id.desc()).scalar()
    editor.goto(server["url"] + f"/admin/reports/edit/?id={report_id}")
    editor.fill("#post_count", "18")
    editor.fill("#topics", "学院新闻 12 条，通知公告 6 条")
    editor.click("input[type=submit][value='保存']")
    editor.goto(server["url"] + f"/admin/reports/details/?id={report_id}")
    editor.click("button[value=submit]")
    leader = page_as("kj_leader")
    leader.goto(server["url"] + f"/admin/reports/details/?id={report_id}")
    leader.click("button[value=confirm]")
    dept = page_as("dept")
    dept.goto(server["url"] + "/admin/reports/")
    shot(dept, "reports-list-dept")
    dept.goto(server["url"] + f"/admin/reports/details/?id={report_id}")
    dept.click("button[value=approve]")
    assert "已通过" in dept.content()


def test_excel_export_downloads_and_opens(page_as, server):
    dept = page_as("dept")
    dept.goto(server["url"] + "/admin/accounts/")
    with dept.expect_download() as download_info:
        dept.evaluate("url => { window.location.href = url; }", server["url"] + "/admin/accounts/export/xlsx/")
    with open(download_info.value.path(), "rb") as handle:
        sheet = openpyxl.load_workbook(io.BytesIO(handle.read())).active
    assert "帐号名称" in [c.value for c in sheet[1]] and sheet.max_row > 3


def test_matrix_search_and_official_check(page_as, server):
    public = page_as(None, width=390, height=844)
    public.goto(server["url"] + "/matrix")
    public.fill("input[name=q][placeholder*='原始ID']", "gh_1a2b3c4d5e6f")
    public.click("button:has-text('查验')")
    assert "经备案" in public.content()
    shot(public, "verify-official")
    public.goto(server["url"] + "/matrix/verify?q=" + "冒牌云财")
    assert "不是" in public.content()
    shot(public, "verify-not-official")


def test_other_units_record_is_not_found(page_as, server):
    editor = page_as("kj_editor")
    account_id = _account_id(server, "云财青年")  # 校团委's account
    editor.goto(server["url"] + f"/admin/accounts/details/?id={account_id}")
    assert "404" in editor.content() and "不存在" in editor.content()
    shot(editor, "foreign-record-404")
