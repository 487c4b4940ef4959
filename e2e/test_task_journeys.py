"""Issue 15, "Measured": four of the office's daily jobs done in Chromium as a person would do them on
today's screens, counting clicks, form fills and wall time.

Each journey starts on the user's home page after logging in (the login is not counted) and moves only
by what is on the screen — menus, links, buttons, drop-downs — never by typing an address. Counted:

* a **click**: a click on a link, button, menu, drop-down or drop-down choice, a tick of a box, and
  accepting a browser confirmation dialog;
* a **fill**: typing into one field (the click or Tab that puts the cursor there is not counted).

The steps of each journey are one small function (``*_steps``) so that they can follow the screens when
these change; what must be true at the end is checked by a separate function that reads the database
and does not care how the user got there. The numbers are printed as a table and written as JSON:

    JOURNEYS_LABEL=before SECRET_KEY=x .venv/bin/pytest -q -s -p no:cacheprovider e2e/test_task_journeys.py

writes docs/journeys-before.json and docs/screens/journey-before-*.png; without JOURNEYS_LABEL the figures
and screenshots go to test-output/e2e/ only (as in ``make e2e``)."""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest

from .conftest import SHOTS, serve_demo

ROOT = Path(__file__).resolve().parent.parent
LABEL = os.environ.get("JOURNEYS_LABEL", "")
RESULTS: dict[str, dict] = {}
NEW_PERSON = "周新同"          # journey 1: not in 管理人员 before the journey
NEW_ACCOUNT = "会计学院快手号"
PENDING = 10                   # journey 2
CLOSED_ACCOUNT = "会计学院微博"  # journey 4


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of its own on fresh demo data: the journeys write (approve, close), and every run —
    before and after the screens change — starts from the same records."""
    yield from serve_demo(tmp_path_factory.mktemp("journeys"), "journeys")


@pytest.fixture(scope="module", autouse=True)
def report_figures():
    """After the four journeys: print the table and write the figures."""
    yield
    if not RESULTS:
        return
    lines = [f"{'journey':<34} {'clicks':>6} {'fills':>6} {'seconds':>8}"]
    for name, row in RESULTS.items():
        lines.append(f"{name:<34} {row['clicks']:>6} {row['fills']:>6} {row['seconds']:>8.1f}")
    print("\n" + "\n".join(lines))
    target = ROOT / "docs" / f"journeys-{LABEL}.json" if LABEL else SHOTS / "journeys.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"label": LABEL or "unlabelled", "date": dt.date.today().isoformat(),
                                  "journeys": RESULTS}, ensure_ascii=False, indent=2) + "\n")


class Journey:
    """A page with counters: every step of a journey goes through these methods."""

    def __init__(self, page, name: str):
        self.page, self.name = page, name
        self.clicks = self.fills = 0
        self.notes: list[str] = []
        page.on("dialog", self._accept)
        self.started = time.perf_counter()

    def _accept(self, dialog):
        self.clicks += 1
        dialog.accept()

    def click(self, selector: str) -> None:
        self.clicks += 1
        self.page.click(selector)
        self.page.wait_for_load_state()

    def fill(self, selector: str, value: str) -> None:
        self.fills += 1
        self.page.fill(selector, value)

    def date(self, selector: str, value: str) -> None:
        """A date field: type the date (a fill), then Tab on, which closes the calendar (not counted)."""
        self.fill(selector, value)
        self.page.keyboard.press("Tab")

    def choose(self, select_id: str, label: str) -> None:
        """A Select2 drop-down: open it, click the choice (two clicks)."""
        self.click(f"#s2id_{select_id}")
        self.click(f"#select2-drop .select2-result-label:text-is('{label}')")

    def search_choose(self, select_id: str, typed: str, label: str) -> None:
        """A Select2 look-up: open it, type part of a name (a fill), click the match."""
        self.click(f"#s2id_{select_id}")
        self.fill("#select2-drop input.select2-input", typed)
        self.click(f"#select2-drop .select2-result-label:has-text('{label}')")

    def menu(self, top: str, item: str) -> None:
        """A menu of the top bar: open it, click the entry."""
        self.click(f"nav a.dropdown-toggle:has-text('{top}')")
        self.click(f"nav .dropdown-menu a:text-is('{item}')")

    def note(self, text: str) -> None:
        self.notes.append(text)

    def shot(self, name: str) -> None:
        path = ROOT / "docs" / "screens" / f"journey-{LABEL}-{name}.png" if LABEL else SHOTS / f"journey-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def done(self) -> None:
        RESULTS[self.name] = {"clicks": self.clicks, "fills": self.fills,
                              "seconds": round(time.perf_counter() - self.started, 1), "notes": self.notes}


def _in_app(server, work):
    from models import db

    with server["app"].app_context():
        result = work(db)
        db.session.commit()
        return result


# --- 1. Register an account with a new team member ---------------------------------------------------

def register_steps(j: Journey) -> None:
    """As 单位管理员: 备案管理 › 新媒体帐号 › 新建; the paper-like form already has the 负责人 and 管理员 rows, the
    new person is added from the 管理员 row's 新增人员 (a dialog: the person is made and chosen in the row);
    保存 and 提交 from the account's page."""
    j.menu("备案管理", "新媒体帐号")
    j.click("a:text-is('新建')")
    j.fill("#name", NEW_ACCOUNT)
    j.choose("platform", "微信视频号")
    j.fill("#platform_account_id", "kjxy_sph")
    j.fill("#creator_entity", "会计学院")
    j.date("#created_on", dt.date.today().isoformat())
    j.fill("#positioning_function", "发布学院新闻与活动视频")
    j.search_choose("team-0-manager", "张伟", "张伟")     # the first row is 负责人
    j.click(".inline-field-list > .inline-field >> nth=1 >> [data-new-person]")  # the second row is 管理员
    j.fill("#person-name", NEW_PERSON)
    j.fill("#person-staff_no", "KJ2026001")
    j.fill("#person-title", "宣传干事")
    j.fill("#person-phone", "0871-65000001")
    j.click("#new-person-dialog button[type=submit]")
    j.page.wait_for_selector("#new-person-dialog", state="hidden")
    j.shot("register-form")
    j.click("input[type=submit][value='保存']")    # opens the account's page, where 提交 is
    j.click("button[value=submit]")


def register_is_done(server) -> None:
    from models import Account, AccountStatus, Manager

    def check(db):
        account = db.session.query(Account).filter_by(name=NEW_ACCOUNT).one()
        person = db.session.query(Manager).filter_by(name=NEW_PERSON).one()
        assert account.status == AccountStatus.unit_review and account.submitted_at is not None
        assert person.unit_id == account.unit_id
        assert {(m.manager.name, m.role.name) for m in account.team} == {("张伟", "head"), (NEW_PERSON, "admin")}
    _in_app(server, check)


def test_register_with_new_team_member(page_as, server):
    def before(db):
        from models import Manager

        assert db.session.query(Manager).filter_by(name=NEW_PERSON).count() == 0
    _in_app(server, before)
    j = Journey(page_as("kj_editor"), "1 register with a new team member")
    register_steps(j)
    j.done()
    register_is_done(server)


# --- 2. Approve 10 pending registrations -------------------------------------------------------------

def pending_ids(server) -> list[int]:
    """Makes the pending registrations up to PENDING (the demo has one) and returns their ids."""
    from models import Account, AccountStatus, Role, Unit, User
    from tests.factories import make_account

    def build(db):
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        pending = db.session.query(Account).filter_by(status=AccountStatus.dept_review).all()
        units = db.session.query(Unit).order_by(Unit.id).all()
        for n in range(PENDING - len(pending)):
            unit = units[n % len(units)]
            leader = db.session.query(User).filter_by(unit_id=unit.id, role=Role.unit_leader).first()
            account = make_account(unit, name=f"{unit.name}待审帐号{n + 1}", status=AccountStatus.dept_review)
            account.submitted_at = account.unit_signed_at = now
            account.unit_opinion, account.unit_signed_by = "同意备案。", leader
            pending.append(account)
        return [a.id for a in pending]
    return _in_app(server, build)


def approve_steps(j: Journey) -> None:
    """As the department: home's 待宣传部审核 card (its count) → the pending list → 全选本页 → 审核通过 → confirm."""
    j.click("#todo-pending_accounts a.home-count >> nth=0")
    j.click("#bulk-select-page")
    j.shot("approve-list")
    j.click(".bulk-steps button[data-model-action=approve]")


def approvals_are_done(server, ids: list[int]) -> None:
    from models import Account, AccountStatus, User

    def check(db):
        dept = db.session.query(User).filter_by(username="dept").one()
        accounts = db.session.query(Account).filter(Account.id.in_(ids)).all()
        assert len(accounts) == PENDING
        assert all(a.status == AccountStatus.approved and a.approved_by_id == dept.id for a in accounts)
    _in_app(server, check)


def test_approve_ten_pending_registrations(page_as, server):
    ids = pending_ids(server)
    j = Journey(page_as("dept"), "2 approve 10 registrations")
    approve_steps(j)
    j.done()
    approvals_are_done(server, ids)


# --- 3. Find and remind the units that have not reported this month ----------------------------------

def missing_units(server) -> set[str]:
    """The units with an active account that has not reported for the month now due (from the database)."""
    import sqlalchemy as sa

    from models import Account, AccountStatus, MonthlyReport
    from services.reports import month_end, reporting_period

    def read(db):
        period = reporting_period()
        reported = sa.select(MonthlyReport.account_id).where(MonthlyReport.period == period,
                                                             MonthlyReport.submitted_at.is_not(None))
        accounts = db.session.query(Account).filter(
            Account.status == AccountStatus.approved, Account.created_on <= month_end(period),
            Account.id.not_in(reported)).all()
        return {a.unit.name for a in accounts}
    return _in_app(server, read)


def remind_steps(j: Journey) -> tuple[set[str], bool]:
    """As the department: the home page's 月报表未报送 card → its full list, grouped by unit →
    提醒未报送单位 (every unit listed) → the confirmation (who gets the e-mail, who cannot) → 确认发送.
    Returns the unit names read off the screen and whether a reminder could be sent from the screen."""
    j.click(".card:has-text('月报表未报送') a:text-is('查看列表')")
    j.shot("remind-missing")
    found = {h.inner_text().rsplit(" ", 1)[0].strip() for h in j.page.query_selector_all("h3.h6")}
    j.click("button:text-is('提醒未报送单位')")
    j.shot("remind-confirm")
    j.click("button:text-is('确认发送')")
    j.shot("remind-sent")
    assert j.page.query_selector(".alert:has-text('发送提醒邮件')") is not None
    return found, True


def reminders_are_done(server, units: set[str]) -> None:
    """Each unit found that has a unit user with an e-mail address has had them reminded today (the
    reminder log); a unit without one is the one the screen said could not be reached."""
    from models import ReminderLog, Role, Unit, User

    def check(db):
        reminded = {name for (name,) in db.session.query(Unit.name).join(User, User.unit_id == Unit.id)
                    .join(ReminderLog, ReminderLog.user_id == User.id).filter(ReminderLog.day == dt.date.today())}
        reachable = {name for (name,) in db.session.query(Unit.name).join(User, User.unit_id == Unit.id).filter(
            User.role.in_((Role.unit_editor, Role.unit_leader)), User.active.is_(True), User.email != "")}
        assert units & reachable, "the demo data has a unit with logins that has not reported"
        assert units & reachable <= reminded
    _in_app(server, check)


@pytest.fixture
def mail_server(server):
    """A loopback SMTP server for the reminders the journey sends (aiosmtpd, as in tests/test_reminders.py)."""
    import socket

    from aiosmtpd.controller import Controller

    class Inbox:
        messages: list = []

        async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 (aiosmtpd's hook name)
            self.messages.append(envelope.rcpt_tos)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    config = server["app"].config
    old = config["MAIL_SERVER"], config["MAIL_PORT"]
    config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    config["MAIL_SERVER"], config["MAIL_PORT"] = old
    controller.stop()


def test_find_and_remind_units_not_reported(page_as, server, mail_server):
    expected = missing_units(server)
    assert expected, "the demo data has units that have not reported"
    j = Journey(page_as("dept"), "3 find and remind non-reporting")
    found, reminded = remind_steps(j)
    j.done()
    RESULTS[j.name]["reminded"] = reminded
    assert found == expected
    if reminded:
        assert mail_server.messages, "the reminders went out by e-mail"
        reminders_are_done(server, expected)


# --- 4. File a closure (注销) from the account's page -------------------------------------------------

def closure_steps(j: Journey) -> None:
    """As 单位管理员: the account from the home page's list of the unit's accounts → its page's 办理注销, which
    opens the change form with the account and 注销 chosen and only the closure's fields → dates, reason and
    停更公告 → 保存 → 提交 from the change's page."""
    j.click(f"a[href*='/accounts/details/']:text-is('{CLOSED_ACCOUNT}') >> nth=0")
    j.click("a:text-is('办理注销')")
    j.date("#changed_on", dt.date.today().isoformat())
    j.fill("#reason", "学院新媒体整合，本帐号停止运营。")
    j.fill("#closure_notice", "本帐号即日起停止更新，请关注“云财会计学院”微信公众号。")
    j.shot("closure-form")
    j.click("input[type=submit][value='保存']")    # opens the change's page, where 提交 is
    j.click("button[value=submit]")


def closure_is_filed(server) -> None:
    from models import Account, ChangeKind, ChangeRecord, ReviewStatus

    def check(db):
        account = db.session.query(Account).filter_by(name=CLOSED_ACCOUNT).one()
        change = db.session.query(ChangeRecord).filter_by(account_id=account.id, kind=ChangeKind.closure).one()
        assert change.status == ReviewStatus.unit_review and change.submitted_at is not None
        assert change.closure_notice and change.closure_notice_on
    _in_app(server, check)


def test_file_closure_from_account_page(page_as, server):
    j = Journey(page_as("kj_editor"), "4 file a closure")
    closure_steps(j)
    j.done()
    closure_is_filed(server)


# --- The screens the issue asks to compare before and after ---------------------------------------------

@pytest.mark.parametrize("username", ["dept", "auditor", "kj_editor", "kj_leader"])
def test_reference_screens(page_as, server, username):
    """Each role's home page, and (as 单位管理员) an account's page; the change form is journey 4's shot."""
    j = Journey(page_as(username), f"screens {username}")
    assert "日常监管" in j.page.content()
    j.shot(f"home-{username}")
    if username == "kj_editor":
        from models import Account

        account_id = _in_app(server, lambda db: db.session.query(Account.id).filter_by(name="云财会计学院").scalar())
        j.page.goto(f"{server['url']}/admin/accounts/details/?id={account_id}")
        assert "云财会计学院" in j.page.content()
        j.shot("account-page")
