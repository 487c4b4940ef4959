"""The access matrix: role × URL × id (SPEC, Roles: "Scoping is a security boundary") — its tables and helpers.

A unit user (unit_editor, unit_leader of 会计学院) must never reach a row of the other unit (校团委) by
any Flask-Admin path: list, search, filter, details, edit, delete, bulk action, export, ajax look-up,
relationship drop-downs, history. The auditor reads everything and changes nothing; the department
(dept_admin) reads and changes everything. Every refusal is paired with a positive control (the same
request by someone who may make it succeeds), so that a refusal caused by a broken request (bad CSRF
token, invalid form) cannot pass for a refusal by the access policy.

Rows of the other unit carry names with "外单位" (see tests/conftest.py build_world / build_access_world);
the other unit is 校团委 and its user other_editor. None of these strings may reach a unit user.

The tests are in the test_*.py files beside this one, one per surface (docs/testing.md). They start on a
world kept between tests (tests/access/conftest.py): built once, built again only after a test that wrote.
"""
from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import openpyxl
import pytest

from tests.factories import TINY_PDF
import sqlalchemy as sa

from models import (Account, Assessment, AuditLog, ChangeRecord, Incident, Manager, MonthlyReport, Publication,
                    TeamMember, Unit, UnitResponsibility, UnitRules, User, Violation, WorkCalendar, db)

# --- the tables -------------------------------------------------------------------------------------
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
UNIT_ROLES = ("unit_editor", "unit_leader")
ROLES = UNIT_ROLES + ("dept_admin", "auditor")
ALL_SEEING = ("dept_admin", "auditor")
#: Text that belongs to the other unit only: it must never appear in anything a unit user receives.
FOREIGN_TEXT = ("外单位", "校团委", "other_editor")


@dataclass(frozen=True)
class View:
    model: type
    foreign: str            # text shown for the other unit's row (positive control for dept/auditor)
    own: str                # text shown for the own unit's row
    unit_reads: bool        # unit users may open the view at all
    unit_writes: bool       # unit users may create and delete (their own, editable rows)
    unit_edits: bool        # unit users may edit their own rows
    dept_edits: bool        # the department may edit rows
    edit_field: str | None  # a form field that the forged edit changes (and the model attribute)
    unit_field: str | None = None  # the only field a unit user may change (others are the department's)
    is_global: bool = False  # rows belong to no unit (the work calendar)


UNIT_RECORD = dict(unit_reads=True, unit_writes=True, unit_edits=True, dept_edits=True)
VIEWS = {
    "accounts": View(Account, "外单位帐号", "本单位帐号", **UNIT_RECORD, edit_field="name"),
    "managers": View(Manager, "外单位帐号负责人", "本单位帐号负责人", **UNIT_RECORD, edit_field="title"),
    "reports": View(MonthlyReport, "外单位帐号", "本单位帐号", **UNIT_RECORD, edit_field="topics"),
    "changes": View(ChangeRecord, "外单位帐号", "本单位帐号", **UNIT_RECORD, edit_field="reason"),
    "violations": View(Violation, "外单位帐号", "本单位帐号", unit_reads=True, unit_writes=False,
                       unit_edits=True, dept_edits=True, edit_field="description", unit_field="rectification"),
    # 第十四条: units record and edit their own incidents (while open); nobody deletes one.
    "incidents": View(Incident, "外单位帐号", "本单位帐号", unit_reads=True, unit_writes=True, unit_edits=True,
                      dept_edits=True, edit_field="found_by"),
    "assessments": View(Assessment, "外单位帐号", "本单位帐号", unit_reads=True, unit_writes=False,
                        unit_edits=False, dept_edits=True, edit_field="remarks"),
    "audit": View(AuditLog, "外单位帐号", "本单位帐号", unit_reads=True, unit_writes=False, unit_edits=False,
                  dept_edits=False, edit_field=None),
    "units": View(Unit, "校团委", "会计学院", unit_reads=False, unit_writes=False, unit_edits=False,
                  dept_edits=True, edit_field="leader_name"),
    "users": View(User, "other_editor", "leader", unit_reads=False, unit_writes=False, unit_edits=False,
                  dept_edits=True, edit_field="display_name"),
    "calendar": View(WorkCalendar, "元旦", "元旦", unit_reads=True, unit_writes=False, unit_edits=False,
                     dept_edits=True, edit_field="name", is_global=True),
    "publications": View(Publication, "外单位帐号", "本单位帐号", **UNIT_RECORD, edit_field="headline"),  # 第十二条
    # 第一责任人、责任领导 and 新媒体管理制度 (第九条, 第十条): each unit edits its own, nothing is deleted.
    "responsibles": View(UnitResponsibility, "外单位书记", "本单位书记", unit_reads=True, unit_writes=False,
                         unit_edits=True, dept_edits=True, edit_field="media_leader_title"),
    "unit_rules": View(UnitRules, "外单位管理办法", "本单位管理办法", unit_reads=True, unit_writes=False,
                       unit_edits=True, dept_edits=True, edit_field="title"),
}
VIEW_NAMES = list(VIEWS)

#: Who may create rows in each view (unit users always in their own unit).
CREATORS = {
    "accounts": {"unit_editor", "unit_leader", "dept_admin"},
    "managers": {"unit_editor", "unit_leader", "dept_admin"},
    "reports": {"unit_editor", "unit_leader", "dept_admin"},
    "changes": {"unit_editor", "unit_leader", "dept_admin"},
    "violations": {"dept_admin"},
    "incidents": {"unit_editor", "unit_leader", "dept_admin"},
    "assessments": set(),  # computed figures: nobody creates rows by hand
    "audit": set(),        # append-only, written by the system
    "units": {"dept_admin"},
    "users": {"dept_admin"},
    "calendar": {"dept_admin"},
    "publications": {"unit_editor", "unit_leader", "dept_admin"},  # the department's: a publication it found
    # One row per unit, and both units have theirs: new/ opens the unit's row instead (302), nothing is created.
    "responsibles": set(),
    "unit_rules": {"unit_editor", "unit_leader", "dept_admin"},
}
#: Views whose rows may be deleted at all (policy.DELETABLE), by the department and unit writers.
DELETABLE_VIEWS = {"accounts", "managers", "reports", "changes", "violations", "calendar", "publications"}
#: The Flask-Admin ajax loaders of each view (``ajax/lookup/?name=``) and the model they look up.
LOADERS = {
    ("accounts", "teammember-manager"): Manager,
    ("changes", "account"): Account,
    ("changes", "new_head"): Manager,
    ("changes", "new_admins"): Manager,
    ("reports", "account"): Account,
    ("violations", "account"): Account,
    ("incidents", "account"): Account,
    ("publications", "accounts"): Account,
    ("responsibles", "first_manager"): Manager,
    ("responsibles", "media_leader_manager"): Manager,
}
#: The unit search box of the department's forms (admin/fields.py unit_lookup; 1,500 units at province scale).
UNIT_LOADERS = (("accounts", "unit"), ("managers", "unit"), ("users", "unit"))
BAD_IDS = ("abc", "999999", "-1", "1.5", "", "0x1f")
EVIL_TARGETS = ("//evil.example", "http://evil.example", "/\\evil.example", "http:/evil.example",
                "https:evil.example", "/\\/evil.example", "///evil.example", "javascript:alert('evil.example')",
                "/%2F%2Fevil.example", "\t//evil.example")


def create_payload(view: str, w: dict) -> dict:
    """A valid new/ form for ``view`` (the department's positive control proves it is valid)."""
    return {
        "accounts": {"name": "新建测试帐号", "platform": "weibo", "platform_account_id": "new-test-1",
                     "creator_entity": "会计学院", "created_on": "2026-09-01", "maintenance": "self_run",
                     "unit": w["own_unit"], "team-0-manager": w["own_manager"], "team-0-role": "head",
                     "team-1-manager": w["own_admin"], "team-1-role": "admin"},
        "managers": {"name": "新建测试人员", "unit": w["own_unit"], "employment_status": "staff"},
        "reports": {"account": w["own_account"], "period": "2026-09-01", "post_count": "5"},
        "changes": {"account": w["own_account"], "kind": "name", "changed_on": "2026-10-20",
                    "new_name": "新名称", "reason": "新建测试变更"},
        "violations": {"account": w["own_account"], "occurred_on": "2026-10-20", "kind": "other",
                       "description": "新建测试违规", "measure": "rectify"},
        "incidents": {"account": w["own_account"], "kind": "harmful_content", "found_at": "2026-10-20T09:30",
                      "found_by": "值班员", "description": "新建测试事件"},
        "assessments": {"year": "2025", "unit": w["own_unit"], "grade": "good", "remarks": "新建测试考核"},
        "audit": {"action": "login", "note": "新建测试日志"},
        "units": {"code": "NEWTEST", "name": "新建测试单位", "kind": "college", "active": "y"},
        "users": {"username": "newtest", "display_name": "新建测试用户", "role": "auditor",
                  "new_password": "long-password-123", "active": "y"},
        "calendar": {"day": "2031-10-01", "kind": "holiday", "name": "新建测试假日"},
        # A unit's request (the publication fields are not on its form); the department's finding of a publication.
        "publications": {"unit": w["own_unit"], "accounts": w["own_account"], "topic": "major_event",
                         "urgency": "normal", "headline": "新建测试报批", "body": "测试文字",
                         "planned_at": "2030-01-01 09:00", "published_url": "https://weibo.com/new-test",
                         "published_at": "2026-10-20 09:00"},
        "responsibles": {"unit": w["own_unit"], "first_name": "新建书记", "first_title": "党委书记",
                         "first_phone": "13800000001", "media_leader_name": "新建领导", "media_leader_title": "副院长",
                         "media_leader_phone": "13800000002"},
        "unit_rules": {"unit": w["own_unit"], "title": "新建测试管理办法", "adopted_on": "2025-09-01",
                       "covers_review": "y", "document": (io.BytesIO(TINY_PDF), "新建测试管理办法.pdf")},
    }[view]


# --- helpers ----------------------------------------------------------------------------------------
def leaks(text: str) -> list[str]:
    return [word for word in FOREIGN_TEXT if word in text]


def body(response) -> str:
    return response.get_data(as_text=True)


def fetch(client, url: str):
    """GET a response that may be streamed (exports, downloads): read and close it as a WSGI server would."""
    return client.get(url, buffered=True)


def xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(" ".join("" if v is None else str(v) for v in row)
                     for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))


def csv_text(data: bytes) -> str:
    return "\n".join(" ".join(row) for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def snapshot(app, model, row_id):
    """Every column of one row (None when the row is gone), read afresh from the database."""
    with app.app_context():
        row = db.session.get(model, row_id)
        if row is None:
            return None
        return {c.key: getattr(row, c.key) for c in sa.inspect(model).column_attrs}


def count(app, model) -> int:
    with app.app_context():
        return db.session.query(sa.func.count()).select_from(model).scalar()


def same_site(location: str | None) -> bool:
    """A Location a browser follows to this site only: a path, or http(s)://localhost/…."""
    if location is None:
        return True
    if location.startswith("/"):
        return not location.startswith(("//", "/\\")) and "\\" not in location.split("?")[0]
    parts = urlsplit(location)
    return parts.scheme in ("http", "https") and parts.netloc == "localhost"


def refused(response) -> bool:
    """403/404, or Flask-Admin's redirect back to a list (a view the user may not write)."""
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and same_site(response.headers.get("Location")) \
        and "/edit/" not in response.headers["Location"] and "/details/" not in response.headers["Location"]


def rows_in_scope(app, role: str, view: str, world: dict) -> int:
    model = VIEWS[view].model
    if role in ALL_SEEING or VIEWS[view].is_global:
        return count(app, model)
    with app.app_context():
        return db.session.query(sa.func.count()).select_from(model).filter(model.unit_id == world["own_unit"]).scalar()


def unit_may_write(role: str, view: str) -> bool:
    """A unit user may create and delete rows of the view (their own)."""
    return role in UNIT_ROLES and VIEWS[view].unit_writes


def unit_may_edit(role: str, view: str) -> bool:
    return role in UNIT_ROLES and VIEWS[view].unit_edits


def may_open(role: str, view: str) -> bool:
    return role in ALL_SEEING or VIEWS[view].unit_reads


def sees_row(role: str, view: str, which: str) -> bool:
    return which == "own" or role in ALL_SEEING or VIEWS[view].is_global


def may_edit(role: str, view: str, which: str) -> bool:
    """The rows of access_world are drafts: unit writers may edit their own, the department all."""
    if role == "dept_admin":
        return VIEWS[view].dept_edits
    return unit_may_edit(role, view) and which == "own"


def may_delete(role: str, view: str, which: str) -> bool:
    if view not in DELETABLE_VIEWS:
        return False
    if role == "dept_admin":
        return True
    return unit_may_write(role, view) and which == "own"


class FormFields(HTMLParser):
    """The fields of the first Flask-Admin form on a page, as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, list[str]] = {}
        self._in_form = self._done = False
        self._textarea = self._select = None
        self._text: list[str] = []
        self._options: list[tuple[str, bool]] = []

    def _add(self, name, value):
        if name and name != "csrf_token":
            self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "admin-form" in (a.get("class") or "") and not self._done:
            self._in_form = True
        elif not self._in_form:
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(a.get("name"), a.get("value") or ("y" if kind == "checkbox" else ""))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []
        elif tag == "select":
            self._select, self._multiple, self._options = a.get("name"), "multiple" in a, []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self._add(self._textarea, text[2:] if text.startswith("\r\n") else text.removeprefix("\n"))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected]
            if not chosen and not self._multiple and self._options:
                chosen = [self._options[0][0]]
            for value in chosen:
                self._add(self._select, value)
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)


def form_fields(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    return parser.fields


def edit_payload(dept, view: str, row_id: int, value: str) -> dict:
    """The edit form of a row as the department sees it, with ``edit_field`` set to ``value``:
    the request a unit user or the auditor would forge (a replay of a real form)."""
    spec = VIEWS[view]
    response = dept.get(f"/admin/{view}/edit/?id={row_id}")
    if spec.edit_field is None:  # no edit form at all (the audit log): forge one
        return {"note": value, "action": "update"}
    assert response.status_code == 200, (view, response.status_code)
    fields = form_fields(body(response))
    assert spec.edit_field in fields, (view, sorted(fields))
    fields[spec.edit_field] = [value]
    return fields


def filter_index(app, endpoint: str, column, filter_type: str) -> int:
    admin = app.extensions["admin"][0]
    view = next(v for v in admin._views if getattr(v, "endpoint", None) == endpoint)
    return next(i for i, f in enumerate(view._filters)
                if getattr(f, "column", None) is not None and f.column.key == column.key
                and f.column.table.name == column.table.name and type(f).__name__ == filter_type)


# --- helpers of several surfaces --------------------------------------------------------------------
def status_of(client, method: str, url: str, data=None) -> int:
    """The status code, with an exception that the test app propagates counted as the 500 it would be."""
    try:
        response = client.post(url, data) if method == "post" else client.get(url)
    except Exception:  # noqa: BLE001 - TESTING propagates what production answers with a 500
        return 500
    return response.status_code


HUGE = "9" * 20  # beyond any integer column (SQLite: OverflowError; PostgreSQL: out of range)
INT4_OVERFLOW = str(2 ** 31)  # beyond a PostgreSQL integer (every id column but the audit log's bigint)
#: Was a hole on PostgreSQL (Flask-Admin's bulk delete bound ids as text); fixed by ScopedModelView.action_delete.
PG_BULK_DELETE_HOLE = None


def xfail(reason: str | None):
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


def writes(role: str, view: str) -> bool:
    """The user may edit rows of the view at all (Flask-Admin's can_edit)."""
    return (role == "dept_admin" and VIEWS[view].dept_edits) or unit_may_edit(role, view)


def deletes(role: str, view: str) -> bool:
    """The user may delete rows of the view at all (can_delete, and so the bulk delete action)."""
    return view in DELETABLE_VIEWS and (role == "dept_admin" or unit_may_write(role, view))


def new_rows(app, model, since: int):
    with app.app_context():
        return db.session.query(model).filter(model.id > since).all()


def max_id(app, model) -> int:
    with app.app_context():
        return db.session.query(sa.func.coalesce(sa.func.max(model.id), 0)).scalar()


def world_state(app, world) -> dict:
    """What any action could change: every row of access_world, the teams, and the row counts."""
    state = {f"{view}-{which}": snapshot(app, VIEWS[view].model, world["rows"][view][which])
             for view in VIEW_NAMES for which in ("own", "other")}
    with app.app_context():
        state["teams"] = sorted(db.session.query(TeamMember.account_id, TeamMember.manager_id, TeamMember.role))
    state["counts"] = {view: count(app, VIEWS[view].model) for view in VIEW_NAMES if view != "audit"}
    return state
