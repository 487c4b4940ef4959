"""Every screen a role can open, in Chinese, holds no English: the home page, every admin view's list,
details, create and edit page as each role, the login page and the public matrix, read as the server sends
them (the text between the tags; scripts, styles and attributes left out). A Latin word is allowed only
when it is a name or a code: a file format or product (APP, PDF, Excel …), a login name, a unit code, an
address (e-mail or URL, which the check keeps whole). The browser check of the text that scripts write
(select2, the date picker) is e2e/test_screens.py."""
from __future__ import annotations

import html.parser
import re

import pytest

from models import Unit, User, db
from models.base import LabeledEnum

from .access.conftest import access_world, kept_world, world  # noqa: F401 (the kept world: only GETs here)
from .conftest import USERNAMES, log_in
from .test_reminders import smtp  # noqa: F401 (the loopback SMTP server fixture)

#: Names and codes that are Latin in Chinese too.
ALLOWED = {"APP", "QQ", "ID", "IP", "URL", "PDF", "CSV", "XLSX", "Excel", "JPEG", "PNG", "KB", "MB", "English", "B站"}
ROLES = ["unit_editor", "unit_leader", "dept_admin", "auditor"]
VIEWS = ["accounts", "managers", "reports", "changes", "violations", "assessments", "audit", "units", "users",
         "calendar", "responsibles", "unit_rules"]
WORD = re.compile(r"[A-Za-z0-9_.@/:%?=&#+~-]+")  # an address or an identifier is one run: it passes whole
SKIPPED_TAGS = {"script", "style", "template", "noscript"}


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HIDDEN_CLASSES = {"hide", "d-none", "sr-only"}


class _Text(html.parser.HTMLParser):
    """The text a person sees: not scripts or styles, nor what a hidden element holds (Flask-Admin keeps its
    filters' data and the inline forms' template as text in hidden elements)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.open = [], []  # open: (tag, hides what it holds)

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            return
        attrs = dict(attrs)
        style = (attrs.get("style") or "").replace(" ", "")
        hides = (tag in SKIPPED_TAGS or "display:none" in style or "hidden" in attrs
                 or bool(HIDDEN_CLASSES & set((attrs.get("class") or "").split())))
        self.open.append((tag, hides))

    def handle_endtag(self, tag):
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                del self.open[i:]
                return

    def handle_data(self, data):
        if not any(hides for _tag, hides in self.open):
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.parts)


def _codes() -> set[str]:
    """Stored codes (unit_review, dept_admin): a person reads their labels."""
    import models

    return {member.name for value in vars(models).values()
            if isinstance(value, type) and issubclass(value, LabeledEnum) and value is not LabeledEnum
            for member in value}


def latin_words(text: str, names: set[str]) -> list[str]:
    codes = _codes()
    found = set()
    for run in WORD.findall(text):
        if run in names or run in ALLOWED:
            continue
        if re.fullmatch(r"[A-Za-z]{2,}|_+[A-Za-z_]+", run) or run in codes:  # a word, a raw value (__None)
            found.add(run)
    return sorted(found)


def _names(app) -> set[str]:
    """The world's own Latin names: login names and unit codes."""
    with app.app_context():
        return set(db.session.scalars(db.select(User.username))) | set(db.session.scalars(db.select(Unit.code)))


def _check(app, client, url: str, names: set[str]) -> str | None:
    response = client.get(url)
    if response.status_code in (302, 403, 404):
        return None  # not this role's page (the access matrix tests which)
    assert response.status_code == 200, (url, response.status_code)
    words = latin_words(visible_text(response.get_data(as_text=True)), names)
    return f"{url}: {words}" if words else None


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", VIEWS)
def test_every_admin_screen_is_chinese(app, access_world, role, view):  # noqa: F811
    client, names = log_in(app, USERNAMES[role]), _names(app)
    own = access_world["rows"][view]["own"]
    urls = [f"/admin/{view}/", f"/admin/{view}/new/", f"/admin/{view}/details/?id={own}",
            f"/admin/{view}/edit/?id={own}"]
    found = [problem for url in urls if (problem := _check(app, client, url, names))]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("role", ROLES + [None])
def test_the_home_login_and_matrix_pages_are_chinese(app, access_world, role):  # noqa: F811
    client, names = (log_in(app, USERNAMES[role]) if role else app.test_client()), _names(app)
    urls = ["/admin/", "/matrix", "/matrix/verify?q=本单位帐号", "/admin/reports/missing/", "/admin/reports/dormant/",
            "/admin/calendar/batch/", "/admin/settings/",
            f"/admin/responsibles/unit/?unit_id={access_world['own_unit']}"]
    if role is None:
        urls.append("/login")
    found = [problem for url in urls if (problem := _check(app, client, url, names))]
    assert not found, "\n".join(found)


def test_the_check_finds_english():
    names = {"editor", "KJXY"}
    assert latin_words("新建 List 帐号", names) == ["List"]
    assert latin_words("状态 unit_review", names) == ["unit_review"]
    assert latin_words("请选择 __None", names) == ["__None"]  # a raw value
    assert latin_words("Please enter 1 or more character", names) == ["Please", "character", "enter", "more", "or"]
    assert latin_words("editor KJXY APP https://weibo.com/List a@b.cn 2026-11-25 Excel", names) == []


def test_a_refusal_by_article_8_reads_in_chinese(app, access_world):  # noqa: F811
    """The 第八条 message on a refused form (a student as 管理员 of a verified account)."""
    from models import Account, EmploymentStatus

    from .conftest import make_manager
    from .test_changes import _new_change

    with app.app_context():
        db.session.get(Account, access_world["own_account"]).verified = True
        student = make_manager(db.session.get(Unit, access_world["own_unit"]), "学生丁", EmploymentStatus.student)
        db.session.commit()
        student_id = student.id
    client = log_in(app, USERNAMES["unit_editor"])
    response = _new_change(client, access_world, kind="managers", new_head=str(access_world["own_admin"]),
                           new_admins=str(student_id))
    text = visible_text(response.get_data(as_text=True))
    assert "第八条" in text and latin_words(text, _names(app)) == [], latin_words(text, _names(app))


def test_the_audit_log_of_every_kind_of_entry_reads_in_chinese(app, access_world):  # noqa: F811
    """Imports, exports, logins and changes of every field kind (a time, an id, a code, a source)."""
    from models import AuditAction, AuditLog

    with app.app_context():
        db.session.add_all([
            AuditLog(action=AuditAction.import_, note="Excel import: 1 units, 2 managers, 3 accounts"),
            AuditLog(action=AuditAction.create, object_type="Account", object_id=access_world["own_account"],
                     object_label="本单位帐号", note="Excel import"),
            AuditLog(action=AuditAction.export, note="accounts xlsx "),
            AuditLog(action=AuditAction.export, note="missing reports 2026-10 (csv)"),
            AuditLog(action=AuditAction.login_failed, username="nobody"),
            AuditLog(action=AuditAction.create, object_type="ReminderLog", object_id=1, object_label="editor（会计学院）",
                     note="remind 2026-10 editor@example.edu.cn"),
            AuditLog(action=AuditAction.update, object_type="Setting",
                     changes={"dormant_no_posts_months": [3, 4], "weight_per_violation": [10, 5]}),
            AuditLog(action=AuditAction.update, object_type="WorkCalendar", object_id=1, object_label="国庆节",
                     changes={"source": ["chinese-calendar", "manual"], "kind": ["workday", "holiday"]}),
            AuditLog(action=AuditAction.update, object_type="Account", object_id=access_world["own_account"],
                     object_label="本单位帐号", changes={
                         "approved_at": [None, "2026-12-01T15:50:40.992026"], "status": ["draft", "unit_review"],
                         "unit_id": [access_world["other_unit"], access_world["own_unit"]],
                         "approved_by_id": [None, access_world["users"]["dept_admin"]], "verified": [False, True]}),
        ])
        db.session.commit()
        ids = [entry_id for (entry_id,) in db.session.query(AuditLog.id)]
    client, names = log_in(app, USERNAMES["dept_admin"]), _names(app) | {"nobody"}
    found = [problem for url in ["/admin/audit/"] + [f"/admin/audit/details/?id={i}" for i in ids]
             if (problem := _check(app, client, url, names))]
    assert not found, "\n".join(found)


def test_reminding_the_units_that_have_not_reported_reads_in_chinese(app, access_world, smtp):  # noqa: F811
    """提醒未报送单位: the list with its button, the confirmation, and what is said after sending (sent,
    already reminded today, no e-mail)."""
    from .access.test_chores import register_both_accounts

    register_both_accounts(app, access_world)
    with app.app_context():
        db.session.query(User).filter_by(username="editor").one().email = "editor@example.edu.cn"
        db.session.commit()
    client, names = log_in(app, USERNAMES["dept_admin"]), _names(app)
    assert _check(app, client, "/admin/reports/missing/?month=2026-10", names) is None
    pages = [client.post("/admin/reports/missing/remind/", data={"month": "2026-10", "csrf_token": client.csrf})]
    for _ in range(2):  # sent, then: already reminded today
        sent = client.post("/admin/reports/missing/remind/",
                           data={"month": "2026-10", "confirm": "1", "csrf_token": client.csrf})
        pages.append(client.get(sent.headers["Location"]))
    texts = [visible_text(page.get_data(as_text=True)) for page in pages]
    assert "确认发送" in texts[0] and "提醒邮件" in texts[1] and "今天已提醒过" in texts[2] and "无法送达" in texts[2]
    found = [words for text in texts if (words := latin_words(text, names))]
    assert not found, found
