"""Every screen, as each role that uses it, at 1366×768 (the public matrix also at 390×844).

Each visit checks the status code and the page's Chinese title or heading, and that no English
interface word, raw enum code or Python value (True/False/None) is left in the visible text; a
full-page screenshot of each lands in test-output/e2e/screens/ for review
(`make e2e PYTEST_ARGS="-k screens"` or `pytest -q e2e/test_screens.py`)."""
from __future__ import annotations

import re

import pytest

from .conftest import SHOTS

SCREENS = SHOTS / "screens"

#: Latin words allowed on a Chinese screen: file formats, product names and the demo data's own
#: values (unit codes, login names). Any other word of two letters or more is an English leftover.
ALLOWED = {"APP", "QQ", "PDF", "JPEG", "PNG", "CSV", "Excel", "ID", "IP", "KB", "MB", "URL", "English",
           "KJXY", "TW", "XCB", "XXGL", "TSG", "dept", "auditor", "sphkjxy"}
#: Words Flask-Admin and our templates say in English, as a readable reminder of what the check catches.
ENGLISH_WORDS = ["List", "Create", "Edit", "Delete", "Save", "Cancel", "Filter", "Search", "Actions", "Export",
                 "Details", "Home", "Previous", "Next", "No records", "Add", "Are you sure", "Log out", "True",
                 "False", "None", "With selected", "items", "Row Version", "Basic information"]
ASCII_RUN = re.compile(r"[A-Za-z0-9_.@/:%?=&#+~-]+")


def _enum_codes() -> set[str]:
    """Internal codes like unit_review or dept_admin: a user should only ever see their labels."""
    import models

    codes = set()
    for value in vars(models).values():
        if isinstance(value, type) and issubclass(value, models.base.LabeledEnum) and value is not models.base.LabeledEnum:
            codes |= {m.name for m in value if "_" in m.name}
    return codes - {"kj_editor", "kj_leader", "tw_editor", "tw_leader"}


CODES = re.compile(r"(?<![\w.@/:-])(" + "|".join(sorted(_enum_codes())) + r")(?![\w.@/-])")


def english_left(text: str) -> list[str]:
    """English words and internal codes in the text; identifiers, addresses, numbers and dates pass."""
    words = {run for run in ASCII_RUN.findall(text) if re.fullmatch(r"[A-Za-z]{2,}", run) and run not in ALLOWED}
    return sorted(words | {m.group(1) for m in CODES.finditer(text)})


def _first_id(server, model, unit_code=None, **filters):
    from models import Unit, db

    with server["app"].app_context():
        query = db.session.query(model.id).filter_by(**filters)
        if unit_code:
            query = query.join(Unit, model.unit_id == Unit.id).filter(Unit.code == unit_code)
        return query.order_by(model.id).limit(1).scalar()


def _ids(server, unit_code=None):
    from models import (Account, AccountStatus, Assessment, AuditLog, ChangeRecord, Incident, Manager, MonthlyReport,
                        Publication,
                        Unit, User, Violation, WorkCalendar, db)

    ids = {name: _first_id(server, model, unit_code) for name, model in
           [("accounts", Account), ("managers", Manager), ("changes", ChangeRecord), ("reports", MonthlyReport),
            ("violations", Violation), ("incidents", Incident), ("publications", Publication)]}
    ids["draft"] = _first_id(server, Account, unit_code, status=AccountStatus.draft)
    with server["app"].app_context():
        # a unit's user opens an assessment of its own unit (whichever was computed first may be another's)
        query = db.session.query(Assessment.id)
        if unit_code:
            query = query.join(Unit, Assessment.unit_id == Unit.id).filter(Unit.code == unit_code)
        ids["assessments"] = query.order_by(Assessment.id).limit(1).scalar()
        ids["units"] = db.session.query(Unit.id).filter_by(code="KJXY").scalar()
        ids["users"] = db.session.query(User.id).filter_by(username="kj_editor").scalar()
        ids["calendar"] = db.session.query(WorkCalendar.id).order_by(WorkCalendar.id).limit(1).scalar()
        ids["audit"] = db.session.query(AuditLog.id).order_by(AuditLog.id.desc()).limit(1).scalar()
    return ids


@pytest.fixture(scope="module")
def assessed(server):
    """An annual assessment exists, so that its list and details have something to show."""
    import datetime as dt

    from models import db
    from services.assessment import compute

    with server["app"].app_context():
        compute(dt.date.today().year)
        db.session.commit()


# (name, path, expected status, Chinese text that must appear in the title or a heading)
LISTS = [
    ("accounts", "/admin/accounts/", "新媒体帐号"),
    ("managers", "/admin/managers/", "管理人员"),
    ("changes", "/admin/changes/", "变更备案"),
    ("reports", "/admin/reports/", "月报表"),
    ("reports-missing", "/admin/reports/missing/", "未报送"),
    ("reports-dormant", "/admin/reports/dormant/", "僵尸号"),
    ("violations", "/admin/violations/", "违规记录"),
    ("violations-accountability", "/admin/violations/accountability/", "年度问责清单"),
    ("incidents", "/admin/incidents/", "不良信息与舆情事件"),
    ("publications", "/admin/publications/", "发布报批"),
    ("assessments", "/admin/assessments/", "年度考核"),
    ("audit", "/admin/audit/", "操作日志"),
]
DEPT_ONLY = [
    ("units", "/admin/units/", "单位"),
    ("users", "/admin/users/", "用户"),
    ("calendar", "/admin/calendar/", "工作日历"),
    ("calendar-batch", "/admin/calendar/batch/", "节假日"),
    ("import", "/admin/accounts/import/", "导入"),
    ("settings", "/admin/settings/", "系统设置"),  # the auditor reads it (read-only fields)
]
RECORD_VIEWS = ["accounts", "managers", "changes", "reports", "violations", "incidents", "assessments", "units",
                "users", "calendar", "audit", "publications"]


class Screens:
    """Visits screens and collects what is wrong on each, so that one run shows every problem."""

    def __init__(self, page):
        self.page, self.problems = page, []

    def visit(self, url: str, name: str, heading: str, status: int = 200) -> str:
        page = self.page
        response = page.goto(url)
        page.wait_for_load_state("load")
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
        text = page.inner_text("body")
        headings = page.title() + " " + " ".join(page.locator("h1, h2, h3, h4").all_inner_texts())
        if response is None or response.status != status:
            self.problems.append((name, "status", response and response.status))
        if heading not in headings:
            self.problems.append((name, "heading", heading, headings[:200]))
        if english_left(text):
            self.problems.append((name, "English", english_left(text)))
        # Prompts inside inputs are read too: no column names like account.name.
        prompts = " ".join(page.eval_on_selector_all("[placeholder], [data-placeholder]", "els => els.map("
                                                     "e => e.getAttribute('placeholder') || e.dataset.placeholder || '')"))
        if english_left(prompts):
            self.problems.append((name, "English prompt", english_left(prompts)))
        return text

    def check(self):
        assert not self.problems, "\n".join(map(str, self.problems))


def test_login_screen(page_as, server):
    screens = Screens(page_as(None))
    screens.visit( server["url"] + "/login", "login", "登录")


ROLES = ["dept", "auditor", "kj_editor", "kj_leader"]


@pytest.mark.parametrize("username", ROLES)
def test_every_list_and_record_screen(page_as, server, assessed, username):
    screens = Screens(page_as(username))
    visit, url = screens.visit, server["url"]
    visit(url + "/admin/", f"{username}-home", "日常监管")
    visit(url + "/account/password", f"{username}-password", "修改密码")
    unit = "KJXY" if username.startswith("kj_") else None
    ids = _ids(server, unit)
    lists = LISTS + (DEPT_ONLY if username in ("dept", "auditor") else [])
    for name, path, heading in lists:
        if username == "auditor" and name in ("import", "calendar-batch"):
            visit(url + path, f"{username}-{name}", "403", status=403)
            continue
        visit(url + path, f"{username}-{name}", heading)
    for endpoint in RECORD_VIEWS:
        if ids.get(endpoint) is None or (unit and endpoint in ("units", "users", "calendar")):
            continue
        heading = dict((n, h) for n, _p, h in LISTS + DEPT_ONLY)[endpoint]
        visit(f"{url}/admin/{endpoint}/details/?id={ids[endpoint]}", f"{username}-{endpoint}-details", heading)
        if username == "auditor" or endpoint in ("audit", "assessments" if unit else ""):
            continue
        record = ids["draft"] if endpoint == "accounts" and unit else ids[endpoint]
        if username == "dept" or endpoint != "reports":
            visit(f"{url}/admin/{endpoint}/edit/?id={record}", f"{username}-{endpoint}-edit", heading)
        if endpoint not in ("assessments",):
            visit(f"{url}/admin/{endpoint}/new/", f"{username}-{endpoint}-create", heading)
    screens.check()


def test_bulk_pages(page_as, server):
    from models import Account, db

    with server["app"].app_context():
        ids = ",".join(str(i) for (i,) in db.session.query(Account.id).order_by(Account.id).limit(3))
    screens = Screens(page_as("dept"))
    screens.visit(f"{server['url']}/admin/accounts/move/?ids={ids}", "dept-bulk-move", "转移")
    screens.visit(f"{server['url']}/admin/accounts/replace-manager/?ids={ids}", "dept-bulk-replace-manager", "更换")
    screens.check()


def test_error_pages(page_as, server):
    screens = Screens(page_as("kj_editor"))
    screens.visit(server["url"] + "/admin/accounts/details/?id=999999", "error-404", "404", status=404)
    screens.visit(server["url"] + "/admin/users/", "error-403", "403", status=403)
    screens.check()


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 768)])
def test_public_matrix(page_as, server, width, height):
    screens = Screens(page_as(None, width, height))
    page = screens.page
    text = screens.visit(server["url"] + "/matrix", f"matrix-{width}", "新媒体矩阵")
    assert "云财会计学院" in text
    # Nothing wider than the phone screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    text = screens.visit(server["url"] + "/matrix/verify?q=ynufe_kj", f"matrix-verify-{width}", "查验")
    assert "云财会计学院" in text
    screens.check()


def test_the_check_finds_english():
    for words in ENGLISH_WORDS:
        assert english_left(f"新建{words}帐号"), words
    assert english_left("状态 unit_review") == ["unit_review"]
    assert english_left("云财青年B站 ynufe_kj https://weibo.com/List kj_editor APP QQ 2026-11-25 (dept)") == []


def test_the_date_picker_opens_offline(page_as, server):
    """Flask-Admin's bundled daterangepicker (no network needed) opens on a date field."""
    page = page_as("kj_editor")
    requests = []
    # Scripts only: the Bootswatch theme's CSS asks Google Fonts for Lato, which the CSP blocks and the
    # page does without (the Chinese text uses the system's fonts).
    page.on("request", lambda request: requests.append(request.url) if request.resource_type == "script" else None)
    page.goto(server["url"] + "/admin/accounts/new/")
    page.click("#created_on")
    picker = page.locator(".daterangepicker").first
    picker.wait_for(state="visible")
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "kj_editor-date-picker.png"))
    assert "一" in picker.inner_text() and "Mo" not in picker.inner_text()  # Chinese weekdays, Monday first
    assert all(url.startswith(server["url"]) for url in requests), [u for u in requests if server["url"] not in u]


def test_the_search_drop_down_and_the_picker_speak_chinese(page_as, server):
    """select2's own messages ("Please enter 1 or more character") and the picker's buttons ("Apply") come
    from views/static/widgets-zh-cn.js on a Chinese page."""
    page = page_as("kj_editor")
    page.goto(server["url"] + "/admin/reports/new/")
    page.click("#s2id_account")
    drop = page.locator(".select2-drop-active").first
    drop.wait_for(state="visible")
    assert "请至少输入 1 个字" in drop.inner_text(), drop.inner_text()
    page.keyboard.type("zzzz不存在")
    page.locator(".select2-no-results").first.wait_for(state="visible")
    assert "没有找到匹配项" in drop.inner_text(), drop.inner_text()
    assert english_left(drop.inner_text()) == []
    page.keyboard.press("Escape")
    page.goto(server["url"] + "/admin/accounts/new/")
    page.click("#created_on")
    picker = page.locator(".daterangepicker").first
    picker.wait_for(state="visible")
    assert english_left(picker.inner_text()) == [], picker.inner_text()
    dept = page_as("dept")  # the calendar's batch form: the same picker, not the browser's date input
    dept.goto(server["url"] + "/admin/calendar/batch/")
    assert dept.get_attribute("#start", "type") == "text"
    dept.click("#start")
    picker = dept.locator(".daterangepicker").first
    picker.wait_for(state="visible")
    assert "一" in picker.inner_text() and english_left(picker.inner_text()) == [], picker.inner_text()
