"""A record's page (issue 15, "Shaped by the tasks" 1): titled with the record's name, breadcrumbs, and a head
with the state, the deadline and exactly the buttons that the record's state and the user's role allow —
for accounts, change requests, monthly reports and violations (admin/record_pages.py)."""
from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import unquote

import pytest

from models import (Account, AccountStatus, ChangeKind, ChangeRecord, DayKind, MonthlyReport, ReviewStatus,
                    WorkCalendar, db)
from services import reports

from .factories import make_change, make_report, make_violation

ROLES = ("unit_editor", "unit_leader", "dept_admin", "auditor")
UNIT = ("unit_editor", "unit_leader")
ACCOUNT_STATES = {"draft": "草稿", "unit_review": "待单位审核", "dept_review": "待宣传部审核", "approved": "已备案",
                  "returned": "退回修改", "suspended": "已停用", "closed": "已注销"}
LIST_NAMES = {"accounts": "新媒体帐号", "changes": "变更备案", "reports": "管理月报表", "violations": "违规记录"}


# --- reading a page --------------------------------------------------------------------------------------
class Page:
    def __init__(self, response):
        assert response.status_code == 200, response.status_code
        self.text = response.get_data(as_text=True)
        start = self.text.index('class="record-head')
        self.head = self.text[start:self.text.index("fa_filter_container", start)]

    @property
    def steps(self) -> set[str]:
        return set(re.findall(r'name="action" value="(\w+)"', self.head))

    @property
    def links(self) -> list[str]:
        return [unquote(html.unescape(h)) for h in re.findall(r'href="([^"]+)"', self.head)]

    @property
    def deadlines(self) -> str:
        match = re.search(r'<ul class="list-unstyled mb-2 record-deadlines">(.*?)</ul>', self.head, re.S)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""

    def has_link(self, prefix: str) -> bool:
        return any(link.startswith(prefix) for link in self.links)


def month_text(period: dt.date) -> str:
    return f"{period.year}年{period.month}月"


def open_page(login_as, role, view, row_id, **args) -> Page:
    query = "".join(f"&{k}={v}" for k, v in args.items())
    return Page(login_as(role).get(f"/admin/{view}/details/?id={row_id}{query}"))


def update(app, model, row_id, **values):
    with app.app_context():
        row = db.session.get(model, row_id)
        for key, value in values.items():
            setattr(row, key, value)
        if values.get("status") is not None:
            approved = values["status"].name in ("approved", "suspended", "closed")
            row.approved_at = dt.datetime(2026, 9, 5, 10) if approved else None  # the state's check constraint
        db.session.commit()


def schedule(app, *years):
    """Enter the holiday schedule of ``years`` (deadlines in other years are provisional, 暂定)."""
    with app.app_context():
        for year in years:
            db.session.add(WorkCalendar(day=dt.date(year, 1, 1), kind=DayKind.holiday, name="元旦"))
        db.session.commit()


# --- accounts: which buttons for which role in which state -------------------------------------------------
def expected_account_buttons(role, status) -> dict:
    """What SPEC and models/policy.py say each role may do with an account of its unit in ``status``."""
    steps = set()
    if role in UNIT and status in (AccountStatus.draft, AccountStatus.returned):
        steps.add("submit")
    if role == "unit_leader" and status == AccountStatus.unit_review:
        steps |= {"confirm", "reject"}
    if role == "dept_admin":
        steps |= {AccountStatus.dept_review: {"approve", "reject"}, AccountStatus.approved: {"suspend"},
                  AccountStatus.suspended: {"reinstate"}}.get(status, set())
    writer = role != "auditor"
    return {
        "steps": steps,
        "edit": (role in UNIT and status in (AccountStatus.draft, AccountStatus.returned))
        or (role == "dept_admin" and status != AccountStatus.closed),
        "change": writer and status in (AccountStatus.approved, AccountStatus.suspended),
        "report": writer and status == AccountStatus.approved,
    }


@pytest.mark.parametrize("status", list(AccountStatus), ids=[s.name for s in AccountStatus])
@pytest.mark.parametrize("role", ROLES)
def test_account_page_offers_what_the_role_may_do_in_the_state(app, world, login_as, role, status):
    account_id = world["own_account"]
    update(app, Account, account_id, status=status)
    page = open_page(login_as, role, "accounts", account_id)
    expected = expected_account_buttons(role, status)
    assert page.steps == expected["steps"]
    assert page.has_link(f"/admin/accounts/edit/?id={account_id}") == expected["edit"]
    for kind in (kind.name for kind in ChangeKind):  # every kind, 公开信息 too (it was missing after the merge)
        assert (f"/admin/changes/new/?account_id={account_id}&kind={kind}" in page.links) == expected["change"], kind
    period = reports.reporting_period()
    assert (f"/admin/reports/new/?account_id={account_id}&month={period:%Y-%m}" in page.links) == expected["report"]
    assert ("申请变更" in page.head, "办理注销" in page.head) == (expected["change"],) * 2
    # Reading is for every reader: the printable 备案审批表 and the record's history.
    assert f"/print/accounts/{account_id}.pdf" in page.links
    assert f"/admin/audit/?object=Account:{account_id}" in page.links
    assert f">{ACCOUNT_STATES[status.name]}</span>" in page.head  # the state, as a badge at the top


@pytest.mark.parametrize("status", list(AccountStatus), ids=[s.name for s in AccountStatus])
def test_the_auditor_sees_no_button_that_changes_anything(app, world, login_as, status):
    update(app, Account, world["own_account"], status=status)
    page = open_page(login_as, "auditor", "accounts", world["own_account"])
    assert not page.steps and "<form" not in page.head
    assert all(link.startswith(("/print/", "/admin/audit/")) for link in page.links), page.links


def test_a_unit_user_of_another_unit_gets_404(app, world, login_as):
    for view, row_id in (("accounts", world["other_account"]), ("reports", world["other_report"])):
        assert login_as("unit_editor").get(f"/admin/{view}/details/?id={row_id}").status_code == 404


def test_a_forged_step_is_still_refused(app, world, login_as):
    """The buttons are only what is offered: a step posted by someone who is not offered it changes nothing."""
    update(app, Account, world["own_account"], status=AccountStatus.dept_review)
    for role in ("unit_editor", "auditor"):
        client = login_as(role)
        client.post("/admin/accounts/action/", {"action": "approve", "rowid": world["own_account"],
                                                "url": "/admin/accounts/"})
    with app.app_context():
        assert db.session.get(Account, world["own_account"]).status == AccountStatus.dept_review


def test_the_monthly_report_button_opens_the_draft_once_there_is_one(app, world, login_as):
    account_id = world["own_account"]
    update(app, Account, account_id, status=AccountStatus.approved)
    period = reports.reporting_period()
    with app.app_context():
        report_id = make_report(db.session.get(Account, account_id), period=period).id
        db.session.commit()
    page = open_page(login_as, "unit_editor", "accounts", account_id)
    assert f"/admin/reports/edit/?id={report_id}" in page.links
    assert not page.has_link("/admin/reports/new/")
    update(app, MonthlyReport, report_id, status=ReviewStatus.unit_review)
    page = open_page(login_as, "unit_editor", "accounts", account_id)
    assert not page.has_link("/admin/reports/new/") and not page.has_link("/admin/reports/edit/")
    assert f"{month_text(period)}月报已报送（待单位审核）" in page.deadlines
    assert f"{month_text(reports.add_months(period, 1))}月报报送截止" in page.deadlines


def test_the_report_form_honours_account_and_month(app, world, login_as):
    """填报月报 from the account's page: the account and the month are chosen on the form."""
    page = login_as("unit_editor").get(f"/admin/reports/new/?account_id={world['own_account']}&month=2026-10")
    text = page.get_data(as_text=True)
    assert "本单位帐号" in text and 'value="2026-10-01"' in text
    foreign = login_as("unit_editor").get(f"/admin/reports/new/?account_id={world['other_account']}&month=2026-10")
    assert foreign.status_code == 200 and "外单位帐号" not in foreign.get_data(as_text=True)


# --- deadlines --------------------------------------------------------------------------------------------
def test_account_registration_deadline_overdue_and_not_provisional(app, world, login_as):
    schedule(app, 2026)
    update(app, Account, world["own_account"], registration_due=dt.date(2026, 9, 8))
    page = open_page(login_as, "unit_editor", "accounts", world["own_account"])
    assert page.deadlines == "备案截止日期：2026年9月8日 已逾期"


def test_a_deadline_in_a_year_without_schedule_is_provisional(app, world, login_as):
    schedule(app, 2026)
    update(app, Account, world["own_account"], registration_due=dt.date(2031, 1, 8))
    page = open_page(login_as, "unit_editor", "accounts", world["own_account"])
    assert page.deadlines == "备案截止日期：2031年1月8日 暂定"
    assert "周一至周五" in page.head  # the mark's tooltip says why


def test_an_approved_account_shows_the_next_monthly_report_and_an_open_change(app, world, login_as):
    schedule(app, 2026, 2027)
    account_id = world["own_account"]
    update(app, Account, account_id, status=AccountStatus.approved)
    with app.app_context():
        change = make_change(db.session.get(Account, account_id))
        change.due_on = dt.date(2027, 1, 15)
        db.session.commit()
        change_id = change.id
    page = open_page(login_as, "unit_leader", "accounts", account_id)
    period = reports.reporting_period()
    with app.app_context():
        due = reports.report_window_end(period)
    assert "变更备案（帐号名称）截止：2027年1月15日" in page.deadlines
    assert f"/admin/changes/details/?id={change_id}" in page.links
    assert f"{month_text(period)}月报报送截止：{due.year}年{due.month}月{due.day}日" in page.deadlines


@pytest.mark.parametrize("status", list(ReviewStatus), ids=[s.name for s in ReviewStatus])
@pytest.mark.parametrize("role", ROLES)
def test_change_page(app, world, login_as, role, status):
    schedule(app, 2026)
    with app.app_context():
        change = make_change(db.session.get(Account, world["own_account"]))
        change.due_on = dt.date(2026, 10, 15)
        db.session.commit()
        change_id = change.id
    update(app, ChangeRecord, change_id, status=status)
    page = open_page(login_as, role, "changes", change_id)
    assert page.steps == review_steps(role, status)
    unit_may_edit = status in (ReviewStatus.draft, ReviewStatus.returned)
    assert page.has_link(f"/admin/changes/edit/?id={change_id}") == (
        role == "dept_admin" or (role in UNIT and unit_may_edit))
    assert ("变更备案截止：2026年10月15日" in page.deadlines) == (status != ReviewStatus.approved)
    assert f"/admin/audit/?object=ChangeRecord:{change_id}" in page.links
    assert f"/admin/accounts/details/?id={world['own_account']}" in page.links


@pytest.mark.parametrize("status", list(ReviewStatus), ids=[s.name for s in ReviewStatus])
@pytest.mark.parametrize("role", ROLES)
def test_report_page(app, world, login_as, role, status):
    report_id = world["own_report"]
    update(app, MonthlyReport, report_id, status=status)
    page = open_page(login_as, role, "reports", report_id)
    assert page.steps == review_steps(role, status)
    assert f"/print/reports/{report_id}.pdf" in page.links
    assert f"/admin/audit/?object=MonthlyReport:{report_id}" in page.links
    if status != ReviewStatus.approved:
        assert page.deadlines.startswith("报送截止：2026年11月5日")  # the 5th of the next month (第十五条)
    else:
        assert page.deadlines == ""


def review_steps(role, status) -> set[str]:
    if role in UNIT and status in (ReviewStatus.draft, ReviewStatus.returned):
        return {"submit"}
    if role == "unit_leader" and status == ReviewStatus.unit_review:
        return {"confirm", "reject"}
    if role == "dept_admin" and status == ReviewStatus.dept_review:
        return {"approve", "reject"}
    return set()


@pytest.mark.parametrize("state", ["open", "overdue", "resolved"])
@pytest.mark.parametrize("role", ROLES)
def test_violation_page(app, world, login_as, role, state):
    today = dt.date.today()
    with app.app_context():
        violation = make_violation(db.session.get(Account, world["own_account"]))
        violation.rectification_due = today + dt.timedelta(days=-3 if state == "overdue" else 10)
        violation.resolved_on = today if state == "resolved" else None
        db.session.commit()
        violation_id = violation.id
    page = open_page(login_as, role, "violations", violation_id)
    assert {"open": "待整改", "overdue": "逾期未整改", "resolved": "已整改"}[state] in page.head
    assert ("整改期限" in page.deadlines) == (state != "resolved")
    assert ("已逾期" in page.deadlines) == (state == "overdue")
    edit = f"/admin/violations/edit/?id={violation_id}"
    assert page.has_link(edit) == (role != "auditor")
    assert ("填写整改情况" in page.head) == (role in UNIT)
    assert f"/admin/audit/?object=Violation:{violation_id}" in page.links
    assert not page.steps


# --- title, breadcrumbs, the history link ------------------------------------------------------------------
@pytest.mark.parametrize("view", list(LIST_NAMES))
@pytest.mark.parametrize("role", ROLES)
def test_title_and_breadcrumbs(app, world, login_as, role, view):
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        row = {"accounts": lambda: account, "reports": lambda: db.session.get(MonthlyReport, world["own_report"]),
               "changes": lambda: make_change(account), "violations": lambda: make_violation(account)}[view]()
        db.session.commit()
        row_id, name = row.id, str(row)
    page = open_page(login_as, role, view, row_id)
    assert f"<title>{html.escape(name)} - {LIST_NAMES[view]} - " in page.text
    crumbs = re.search(r'<ol class="breadcrumb record-breadcrumb">(.*?)</ol>', page.text, re.S).group(1)
    assert re.sub(r"\s+|<[^>]+>", "", crumbs) == f"首页{LIST_NAMES[view]}{name}".replace(" ", "")
    assert 'href="/admin/"' in crumbs and f'href="/admin/{view}/"' in crumbs
    assert re.search(rf'<h1[^>]*>{re.escape(html.escape(name))} ', page.text)


def test_breadcrumbs_keep_the_users_list_url(app, world, login_as):
    client = login_as("dept_admin")
    text = client.get(f"/admin/accounts/details/?id={world['own_account']}"
                      f"&url=/admin/accounts/%3Fsearch%3D本单位%26page%3D2").get_data(as_text=True)
    assert 'href="/admin/accounts/?search=本单位&amp;page=2">新媒体帐号</a>' in text


def test_breadcrumbs_never_lead_off_site(app, world, login_as):
    response = login_as("dept_admin").get(f"/admin/accounts/details/?id={world['own_account']}&url=//evil.example")
    assert response.status_code == 302 and "evil" not in response.headers["Location"]
    response = login_as("dept_admin").get(f"/admin/accounts/details/?id={world['own_account']}&url=http:/evil.example")
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_the_history_link_lists_this_records_entries_only(app, world, login_as):
    page = open_page(login_as, "dept_admin", "accounts", world["own_account"])
    history = next(link for link in page.links if link.startswith("/admin/audit/"))
    text = login_as("dept_admin").get(history).get_data(as_text=True)
    assert "本单位帐号" in text and "外单位帐号" not in text  # the department sees both units' entries elsewhere
