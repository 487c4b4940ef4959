"""The access matrix: role × URL × id (SPEC, Roles: "Scoping is a security boundary").

A unit user (unit_editor, unit_leader of 会计学院) must never reach a row of the other unit (校团委) by
any Flask-Admin path: list, search, filter, details, edit, delete, bulk action, export, ajax look-up,
relationship drop-downs, history. The auditor reads everything and changes nothing; the department
(dept_admin) reads and changes everything. Every refusal is paired with a positive control (the same
request by someone who may make it succeeds), so that a refusal caused by a broken request (bad CSRF
token, invalid form) cannot pass for a refusal by the access policy.

Rows of the other unit carry names with "外单位" (see conftest.world / access_world); the other unit
is 校团委 and its user other_editor. None of these strings may reach a unit user.
"""
from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
import sqlalchemy as sa

from models import (Account, AccountStatus, Assessment, Attachment, AuditLog, ChangeRecord, EmploymentStatus,
                    Manager, MonthlyReport, TeamMember, Unit, User, Violation, WorkCalendar, db)

from .conftest import TINY_PDF, csrf_from

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
}
VIEW_NAMES = list(VIEWS)

#: Who may create rows in each view (unit users always in their own unit).
CREATORS = {
    "accounts": {"unit_editor", "unit_leader", "dept_admin"},
    "managers": {"unit_editor", "unit_leader", "dept_admin"},
    "reports": {"unit_editor", "unit_leader", "dept_admin"},
    "changes": {"unit_editor", "unit_leader", "dept_admin"},
    "violations": {"dept_admin"},
    "assessments": set(),  # computed figures: nobody creates rows by hand
    "audit": set(),        # append-only, written by the system
    "units": {"dept_admin"},
    "users": {"dept_admin"},
    "calendar": {"dept_admin"},
}
#: Views whose rows may be deleted at all (policy.DELETABLE), by the department and unit writers.
DELETABLE_VIEWS = {"accounts", "managers", "reports", "changes", "violations", "calendar"}
#: The Flask-Admin ajax loaders of each view (``ajax/lookup/?name=``) and the model they look up.
LOADERS = {
    ("accounts", "teammember-manager"): Manager,
    ("changes", "account"): Account,
    ("changes", "new_head"): Manager,
    ("changes", "new_admins"): Manager,
    ("reports", "account"): Account,
    ("violations", "account"): Account,
}
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
        "assessments": {"year": "2025", "unit": w["own_unit"], "grade": "good", "remarks": "新建测试考核"},
        "audit": {"action": "login", "note": "新建测试日志"},
        "units": {"code": "NEWTEST", "name": "新建测试单位", "kind": "college", "active": "y"},
        "users": {"username": "newtest", "display_name": "新建测试用户", "role": "auditor",
                  "new_password": "long-password-123", "active": "y"},
        "calendar": {"day": "2031-10-01", "kind": "holiday", "name": "新建测试假日"},
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


# --- lists, search, filters ---------------------------------------------------------------------------
LIST_QUERIES = ["", "?search=外", "?search=帐号&page_size=100&sort=1&desc=1"]


@pytest.mark.parametrize("query", LIST_QUERIES, ids=["plain", "search", "search-sort-pagesize"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_list(app, access_world, login_as, role, view, query):
    response = login_as(role).get(f"/admin/{view}/{query}")
    if not may_open(role, view):
        assert response.status_code == 403
        assert not leaks(body(response))
        return
    assert response.status_code == 200
    html = body(response)
    if role in ALL_SEEING or VIEWS[view].is_global:
        if query == "":
            assert VIEWS[view].foreign in html  # positive control
    else:
        assert not leaks(html), f"{view}{query} shows the other unit's rows to {role}"
        if query == "":
            assert VIEWS[view].own in html  # positive control: own rows are listed
    if query == "" and view != "audit":  # (the audit log has no count: simple pager)
        shown = re.search(r"(?:列表|List) \((\d+)\)", html)
        assert shown, "the list tab shows no count"
        assert int(shown.group(1)) == rows_in_scope(app, role, view, access_world), "the count leaks"


@pytest.mark.parametrize("role", ROLES)
def test_filter_on_the_other_units_name(app, access_world, login_as, role):
    index = filter_index(app, "accounts", Unit.__table__.c.name, "FilterEqual")
    html = body(login_as(role).get(f"/admin/accounts/?flt0_{index}=校团委"))
    if role in ALL_SEEING:
        assert "外单位帐号" in html
    else:  # (the typed filter value 校团委 is echoed back; the rows are what must not appear)
        assert "外单位帐号" not in html


@pytest.mark.parametrize("role", ROLES)
def test_history_of_a_foreign_record(access_world, login_as, role):
    html = body(login_as(role).get(f"/admin/audit/?object=Account:{access_world['other_account']}"))
    if role in ALL_SEEING:
        assert "外单位帐号" in html
    else:
        assert not leaks(html)


@pytest.mark.parametrize("view", [v for v in VIEW_NAMES if VIEWS[v].unit_reads and not VIEWS[v].is_global])
def test_the_other_units_editor_sees_only_its_own(access_world, login_as, view):
    """The same boundary from the other side (scoping is not tied to one unit's id)."""
    client = login_as("other_editor")
    for url in (f"/admin/{view}/", f"/admin/{view}/export/csv/",
                f"/admin/{view}/details/?id={access_world['rows'][view]['own']}"):
        response = fetch(client, url)
        text = body(response)
        assert "本单位" not in text and "会计学院" not in text, url
        if "/details/" in url:
            assert response.status_code == 404
        else:
            assert response.status_code == 200 and VIEWS[view].foreign in text


@pytest.mark.parametrize("role", ROLES)
def test_home_page_to_do_is_scoped(app, access_world, login_as, role):
    """The staff check on the home page lists only the user's own unit's accounts."""
    with app.app_context():
        for manager in db.session.query(Manager):
            manager.employment_status = EmploymentStatus.left
        db.session.commit()
    html = body(login_as(role).get("/admin/"))
    assert ("本单位帐号" if role in UNIT_ROLES else "外单位帐号") in html  # positive control
    if role in UNIT_ROLES:
        assert not leaks(html)


def test_deactivated_user_loses_access_in_the_same_session(app, access_world, login_as):
    client = login_as("unit_editor")
    with app.app_context():
        db.session.get(User, access_world["users"]["unit_editor"]).active = False
        db.session.commit()
    for url in ("/admin/accounts/", f"/admin/accounts/details/?id={access_world['own_account']}",
                "/admin/accounts/export/csv/"):
        response = fetch(client, url)
        assert response.status_code in (302, 403) and "本单位帐号" not in body(response), url


def test_user_moved_to_another_unit_sees_the_new_unit_at_once(app, access_world, login_as):
    client = login_as("unit_editor")
    assert "本单位帐号" in body(client.get("/admin/accounts/"))
    with app.app_context():
        db.session.get(User, access_world["users"]["unit_editor"]).unit_id = access_world["other_unit"]
        db.session.commit()
    html = body(client.get("/admin/accounts/"))
    assert "外单位帐号" in html and "本单位帐号" not in html
    assert client.get(f"/admin/accounts/details/?id={access_world['own_account']}").status_code == 404


# --- details and edit by id ---------------------------------------------------------------------------
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_details_of_a_foreign_id(access_world, login_as, role, view):
    row_id = access_world["rows"][view]["other"]
    response = login_as(role).get(f"/admin/{view}/details/?id={row_id}")
    if not may_open(role, view):
        assert response.status_code == 403
    elif sees_row(role, view, "other"):
        assert response.status_code == 200 and VIEWS[view].foreign in body(response)
    else:
        assert response.status_code in (403, 404), f"{role} opened {view} #{row_id} of the other unit"
    if role in UNIT_ROLES:
        assert not leaks(body(response))


@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_details_of_an_own_id(access_world, login_as, role, view):
    """Positive control for the 404s above: the same URL with the own unit's id works."""
    response = login_as(role).get(f"/admin/{view}/details/?id={access_world['rows'][view]['own']}")
    if not may_open(role, view):
        assert response.status_code == 403
    else:
        assert response.status_code == 200 and VIEWS[view].own in body(response)
        assert not leaks(body(response))


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_edit_form(access_world, login_as, role, view, which):
    row_id = access_world["rows"][view][which]
    response = login_as(role).get(f"/admin/{view}/edit/?id={row_id}")
    if not may_open(role, view):
        assert response.status_code == 403
    elif may_edit(role, view, which):
        assert response.status_code == 200 and 'class="admin-form' in body(response)
    elif sees_row(role, view, which):
        assert refused(response), (role, view, which, response.status_code)
    elif unit_may_edit(role, view):
        assert response.status_code in (403, 404), f"{role} opened the edit form of a foreign {view} row"
    else:
        assert refused(response)
    if role in UNIT_ROLES:
        assert not leaks(body(response))


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_edit_post(app, access_world, login_as, role, view, which):
    """A forged edit POST (the department's own form, replayed) changes nothing unless allowed; a unit
    user who may edit a row changes only the fields that are the unit's (violations: rectification)."""
    spec = VIEWS[view]
    row_id = access_world["rows"][view][which]
    value = f"篡改{view}"[:30]
    payload = edit_payload(login_as("dept_admin"), view, row_id, value)
    if spec.unit_field:
        payload[spec.unit_field] = ["整改情况"]
    client = login_as(role)  # (logging in changes the user's own row: snapshot after it)
    before = snapshot(app, spec.model, row_id)
    response = client.post(f"/admin/{view}/edit/?id={row_id}&url=/admin/{view}/", payload)
    after = snapshot(app, spec.model, row_id)
    if may_edit(role, view, which) and role in UNIT_ROLES and spec.unit_field:
        assert response.status_code == 302, body(response)[-1500:]
        assert after[spec.unit_field] == "整改情况"  # positive control
        changed = {k for k in after if after[k] != before[k]} - {spec.unit_field, "version", "updated_at"}
        assert not changed, f"{role} changed the department's fields {changed} of a {view} row"
    elif may_edit(role, view, which):
        assert response.status_code == 302, body(response)[-1500:]
        assert after[spec.edit_field] == value  # positive control: the form is valid
    else:
        assert after == before, f"{role} changed {view} #{row_id} ({which})"
        if not may_open(role, view):
            assert response.status_code == 403
        elif unit_may_edit(role, view) and which == "other":
            assert response.status_code in (403, 404)
        else:
            assert refused(response), response.status_code
    if role in UNIT_ROLES:
        assert not leaks(body(response))


# --- non-numeric and non-existent ids -----------------------------------------------------------------
def status_of(client, method: str, url: str, data=None) -> int:
    """The status code, with an exception that the test app propagates counted as the 500 it would be."""
    try:
        response = client.post(url, data) if method == "post" else client.get(url)
    except Exception:  # noqa: BLE001 - TESTING propagates what production answers with a 500
        return 500
    return response.status_code


#: (name, method, path, form): every place a Flask-Admin view takes one row id (bulk actions: below).
ID_ENDPOINTS = [
    ("details", "get", "/details/?id={id}", None),
    ("edit-get", "get", "/edit/?id={id}", None),
    ("edit-post", "post", "/edit/?id={id}", {"name": "x"}),
    ("delete", "post", "/delete/", {"id": "{id}"}),
]
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
    return (role == "dept_admin" and view in DELETABLE_VIEWS) or unit_may_write(role, view)


def expected_for_bad_id(role: str, view: str, endpoint: str) -> set[int]:
    if not may_open(role, view):
        return {403}
    if endpoint == "details" or (endpoint.startswith("edit") and writes(role, view)) \
            or (endpoint == "delete" and deletes(role, view)):
        return {404}
    return {302, 403, 404}  # a step the user may not take at all is refused before the id is read


def _fill(data, row_id):
    return {k: v.format(id=row_id) for k, v in data.items()} if data else None


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ["unit_editor", "dept_admin", "auditor"])
def test_bad_ids_answer_404_never_500(access_world, login_as, role, view, bad_id):
    client = login_as(role)
    for endpoint, method, path, data in ID_ENDPOINTS:
        url = f"/admin/{view}{path.format(id=bad_id)}"
        status = status_of(client, method, url, _fill(data, bad_id))
        expected = expected_for_bad_id(role, view, endpoint)
        if bad_id == "" and expected != {403}:
            expected = expected | {302}  # no id at all: Flask-Admin goes back to the list
        assert status in expected, f"{method.upper()} {url} {data or ''} → {status}"


def _huge_cases():
    """(role, view, endpoint, id): ids beyond the integer columns (a 500 before commit cd174b3)."""
    cases = []
    for role in ("unit_editor", "dept_admin"):
        for view in VIEW_NAMES:
            for endpoint, _method, _path, _data in ID_ENDPOINTS:
                for value, label in ((HUGE, "huge"), (INT4_OVERFLOW, "int4")):
                    cases.append(pytest.param(role, view, endpoint, value, id=f"{role}-{view}-{endpoint}-{label}"))
    return cases


@pytest.mark.parametrize("role, view, endpoint, value", _huge_cases())
def test_out_of_range_ids_answer_404_never_500(access_world, login_as, role, view, endpoint, value):
    _name, method, path, data = next(e for e in ID_ENDPOINTS if e[0] == endpoint)
    url = f"/admin/{view}{path.format(id=value)}"
    status = status_of(login_as(role), method, url, _fill(data, value))
    assert status in expected_for_bad_id(role, view, endpoint), f"{method.upper()} {url} → {status}"


#: The actions of each view: the built-in bulk delete, and the workflow steps where there are any.
VIEW_ACTIONS = {view: ("delete",) + (("submit", "approve") if view in ("accounts", "changes", "reports") else ())
                for view in VIEW_NAMES}


def _rowid_cases():
    cases = []
    for role in ("unit_editor", "dept_admin", "auditor"):
        for view in VIEW_NAMES:
            for action in VIEW_ACTIONS[view]:
                for value in BAD_IDS + (HUGE, INT4_OVERFLOW):
                    reason = None
                    if action == "delete" and ON_POSTGRES and deletes(role, view):
                        reason = PG_BULK_DELETE_HOLE
                    label = {HUGE: "huge", INT4_OVERFLOW: "int4", "": "empty"}.get(value, value)
                    cases.append(pytest.param(role, view, action, value, id=f"{role}-{view}-{action}-{label}",
                                              marks=xfail(reason)))
    return cases


@pytest.mark.parametrize("role, view, action, value", _rowid_cases())
def test_bad_rowids_in_bulk_actions_never_500(access_world, login_as, role, view, action, value):
    status = status_of(login_as(role), "post", f"/admin/{view}/action/",
                       {"action": action, "rowid": value, "url": f"/admin/{view}/"})
    assert status == 403 if not may_open(role, view) else status in (302, 404), status


#: Other places that take a number from the request: paging, look-up windows, posted references.
OUT_OF_RANGE_REQUESTS = [
    ("list-page", "get", f"/admin/accounts/?page={HUGE}", None, {200, 404}),
    ("lookup-offset", "get", f"/admin/reports/ajax/lookup/?name=account&query=a&offset={HUGE}", None, {200, 404}),
    ("lookup-limit", "get", f"/admin/reports/ajax/lookup/?name=account&query=a&limit={HUGE}", None, {200, 404}),
    ("report-account-ref", "post", "/admin/reports/new/",
     {"account": HUGE, "period": "2025-06-01", "post_count": "1"}, {200}),
    ("account-team-ref", "post", "/admin/accounts/new/",
     {"name": "x", "platform": "weibo", "creator_entity": "x", "created_on": "2026-09-01",
      "maintenance": "self_run", "team-0-manager": HUGE, "team-0-role": "head"}, {200}),
    ("manager-unit-ref", "post", "/admin/managers/new/", {"name": "x", "unit": HUGE, "employment_status": "staff"},
     {200, 302}),
    ("audit-history", "get", f"/admin/audit/?object=Account:{HUGE}", None, {200}),
]


@pytest.mark.parametrize("name, method, url, data, expected", OUT_OF_RANGE_REQUESTS,
                         ids=[case[0] for case in OUT_OF_RANGE_REQUESTS])
@pytest.mark.parametrize("role", ["unit_editor", "dept_admin"])
def test_out_of_range_numbers_never_500(access_world, login_as, role, name, method, url, data, expected):
    assert status_of(login_as(role), method, url, data) in expected


# --- delete and bulk actions --------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_delete(app, deletable, login_as, role, view, which):
    model, row_id = VIEWS[view].model, deletable[view][which]
    client = login_as(role)
    response = client.post(f"/admin/{view}/delete/", {"id": row_id, "url": f"/admin/{view}/"})
    gone = snapshot(app, model, row_id) is None
    if may_delete(role, view, which):
        assert response.status_code == 302 and gone, "positive control: an allowed delete deletes"
    else:
        assert not gone, f"{role} deleted {view} #{row_id} ({which})"
        if not may_open(role, view):
            assert response.status_code == 403
        elif unit_may_write(role, view) and which == "other":
            assert response.status_code in (403, 404)
        else:
            assert refused(response)


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("role, view", [
    pytest.param(role, view, id=f"{role}-{view}",
                 marks=xfail(PG_BULK_DELETE_HOLE if ON_POSTGRES and deletes(role, view) else None))
    for role in ROLES for view in VIEW_NAMES])
def test_bulk_delete_action(app, deletable, login_as, role, view, which):
    model, row_id = VIEWS[view].model, deletable[view][which]
    response = login_as(role).post(f"/admin/{view}/action/", {"action": "delete", "rowid": row_id,
                                                               "url": f"/admin/{view}/"})
    gone = snapshot(app, model, row_id) is None
    if may_delete(role, view, which):
        assert gone, "positive control: an allowed bulk delete deletes"
    else:
        assert not gone, f"{role} bulk-deleted {view} #{row_id} ({which})"
        assert response.status_code in (302, 403, 404)


@pytest.mark.parametrize("view", ["accounts", "managers", "reports", "changes"])
@pytest.mark.parametrize("role", [pytest.param(role, marks=xfail(PG_BULK_DELETE_HOLE if ON_POSTGRES else None))
                                  for role in UNIT_ROLES])
def test_bulk_delete_of_mixed_ids_deletes_only_own(app, deletable, login_as, role, view):
    model, rows = VIEWS[view].model, deletable[view]
    login_as(role).post(f"/admin/{view}/action/", {"action": "delete", "rowid": [rows["own"], rows["other"]],
                                                    "url": f"/admin/{view}/"})
    assert snapshot(app, model, rows["own"]) is None
    assert snapshot(app, model, rows["other"]) is not None


def _view_actions() -> dict[str, list[str]]:
    """Every @action of every view, read from the view classes (new actions are covered at once)."""
    from admin.accounts import AccountView
    from admin.assessments import AssessmentView
    from admin.audit import AuditView
    from admin.calendar import CalendarView
    from admin.changes import ChangeView
    from admin.managers import ManagerView
    from admin.reports import ReportView
    from admin.units import UnitView
    from admin.users import UserView
    from admin.violations import ViolationView

    classes = {"accounts": AccountView, "managers": ManagerView, "reports": ReportView, "changes": ChangeView,
               "violations": ViolationView, "assessments": AssessmentView, "audit": AuditView, "units": UnitView,
               "users": UserView, "calendar": CalendarView}
    return {view: sorted({getattr(cls, attr)._action[0] for attr in dir(cls)
                          if hasattr(getattr(cls, attr, None), "_action")})
            for view, cls in classes.items()}


VIEW_ACTION_NAMES = _view_actions()
FORGED_ACTION_CASES = [(role, which, view, action)
                       for role, which in (("unit_editor", "other"), ("unit_leader", "other"),
                                           ("auditor", "other"), ("auditor", "own"))
                       for view in VIEW_NAMES for action in VIEW_ACTION_NAMES[view]]


def world_state(app, world) -> dict:
    """What any action could change: every row of access_world, the teams, and the row counts."""
    state = {f"{view}-{which}": snapshot(app, VIEWS[view].model, world["rows"][view][which])
             for view in VIEW_NAMES for which in ("own", "other")}
    with app.app_context():
        state["teams"] = sorted(db.session.query(TeamMember.account_id, TeamMember.manager_id, TeamMember.role))
    state["counts"] = {view: count(app, VIEWS[view].model) for view in VIEW_NAMES if view != "audit"}
    return state


@pytest.mark.parametrize("role, which, view, action", [
    pytest.param(r, w, v, a, id=f"{r}-{w}-{v}-{a}",
                 marks=xfail(PG_BULK_DELETE_HOLE if ON_POSTGRES and a == "delete" and deletes(r, v) else None))
    for r, w, v, a in FORGED_ACTION_CASES])
def test_forged_action(app, access_world, login_as, role, which, view, action):
    """Every action of every view, forged by a unit user on the other unit's row, or by the auditor:
    nothing changes anywhere (workflow steps, bulk delete, matrix, move, lateness …)."""
    row_id = access_world["rows"][view][which]
    client = login_as(role)
    before = world_state(app, access_world)
    response = client.post(f"/admin/{view}/action/", {
        "action": action, "rowid": row_id, "opinion": "伪造", "reason": "伪造", "unit": access_world["own_unit"],
        "url": f"/admin/{view}/"})
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:  # an action that continues on a page of its own: that page refuses too
        location = response.headers["Location"]
        assert same_site(location)
        follow = fetch(client, location)
        assert follow.status_code in (200, 403, 404) and not (role in UNIT_ROLES and leaks(body(follow)))
    assert world_state(app, access_world) == before


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("page", ["move", "replace-manager"])
@pytest.mark.parametrize("role, which", [("unit_editor", "other"), ("unit_editor", "own"),
                                         ("unit_leader", "other"), ("auditor", "other"), ("auditor", "own")])
def test_department_bulk_pages_refuse_others(app, access_world, login_as, role, which, page, method):
    row_id = access_world["rows"]["accounts"][which]
    client = login_as(role)
    before = world_state(app, access_world)
    url = f"/admin/accounts/{page}/?ids={row_id}"
    response = client.get(url) if method == "get" else client.post(url, {
        "ids": row_id, "unit": access_world["own_unit"], "old": access_world["other_manager"],
        "new": access_world["own_manager"]})
    assert response.status_code in (403, 404)
    assert not (role in UNIT_ROLES and leaks(body(response)))
    assert world_state(app, access_world) == before


def test_moving_an_account_moves_its_records_out_of_the_old_units_reach(app, access_world, login_as):
    """Positive control for the pages above, and scoping after a move: the department hands the other
    unit's account to 会计学院; its records then answer 404 to the other unit and 200 to 会计学院."""
    rows = access_world["rows"]
    response = login_as("dept_admin").post(f"/admin/accounts/move/?ids={rows['accounts']['other']}",
                                           {"ids": rows["accounts"]["other"], "unit": access_world["own_unit"]})
    assert response.status_code == 302
    before_unit, after_unit = login_as("other_editor"), login_as("unit_editor")
    for view in ("accounts", "reports", "changes", "violations"):
        url = f"/admin/{view}/details/?id={rows[view]['other']}"
        assert before_unit.get(url).status_code == 404, url
        assert after_unit.get(url).status_code == 200, url


def test_allowed_workflow_step_is_taken(app, access_world, login_as):
    """Positive control for the forged steps above: the editor submits the own draft account."""
    row_id = access_world["rows"]["accounts"]["own"]
    before = snapshot(app, Account, row_id)
    login_as("unit_editor").post("/admin/accounts/action/", {"action": "submit", "rowid": row_id,
                                                            "url": "/admin/accounts/"})
    assert snapshot(app, Account, row_id)["status"] != before["status"]


# --- create -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_create(app, access_world, login_as, role, view):
    """Who may create what; the department's success is the positive control for every refusal."""
    model = VIEWS[view].model
    client = login_as(role)
    before = count(app, model)
    response = client.post(f"/admin/{view}/new/?url=/admin/{view}/", create_payload(view, access_world))
    after = count(app, model)
    if role in CREATORS[view]:
        assert response.status_code == 302 and after == before + 1, body(response)[-2000:]
    else:
        assert after == before, f"{role} created a row in {view}"
        assert response.status_code == (403 if not may_open(role, view) else 302)


def new_rows(app, model, since: int):
    with app.app_context():
        return db.session.query(model).filter(model.id > since).all()


def max_id(app, model) -> int:
    with app.app_context():
        return db.session.query(sa.func.coalesce(sa.func.max(model.id), 0)).scalar()


#: (view, forged fields, must be refused): a unit user names the other unit, one of its accounts or people.
#: A forged unit may be ignored (the row lands in the own unit); a foreign account or person must be refused.
FORGED_CREATES = [
    ("accounts", {"unit": "other_unit"}, False),
    ("accounts", {"unit_id": "other_unit"}, False),
    ("accounts", {"team-0-manager": "other_manager"}, True),
    ("accounts", {"team-2-manager": "other_manager", "team-2-role": "admin"}, True),
    ("managers", {"unit": "other_unit"}, False),
    ("managers", {"unit_id": "other_unit"}, False),
    ("reports", {"account": "other_account"}, True),
    ("reports", {"unit": "other_unit"}, False),
    ("changes", {"account": "other_account"}, True),
    ("changes", {"unit": "other_unit"}, False),
    ("changes", {"kind": "managers", "new_head": "other_manager", "new_admins": "own_admin"}, True),
    ("changes", {"kind": "managers", "new_head": "own_manager", "new_admins": "other_manager"}, True),
]


def assert_all_own(app, world, model, since: int, team_since: int) -> None:
    """Every row created since ``since`` is the own unit's, and so is everything it refers to."""
    own = world["own_unit"]
    with app.app_context():
        for row in db.session.query(model).filter(model.id > since):
            assert row.unit_id == own, f"{model.__name__} #{row.id} created in the other unit"
            account = getattr(row, "account", None)
            assert account is None or account.unit_id == own, "a new row refers to a foreign account"
            for entry in ((row.after or {}).get("team") or []) if isinstance(row, ChangeRecord) else []:
                assert db.session.get(Manager, int(entry["manager_id"])).unit_id == own, "a foreign person proposed"
        for member in db.session.query(TeamMember).filter(TeamMember.id > team_since):
            assert member.manager.unit_id == own, "a foreign person on a new team"


@pytest.mark.parametrize("view, forged, must_refuse", FORGED_CREATES,
                         ids=[f"{v}-{'-'.join(f)}" for v, f, _ in FORGED_CREATES])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_create_with_forged_unit_or_foreign_reference(app, access_world, login_as, role, view, forged,
                                                      must_refuse):
    """The new row belongs to the editor's unit, or the POST is refused; never a row of the other unit."""
    model = VIEWS[view].model
    payload = create_payload(view, access_world)
    payload.update({k: access_world.get(v, v) for k, v in forged.items()})
    since, team_since = max_id(app, model), max_id(app, TeamMember)
    response = login_as(role).post(f"/admin/{view}/new/", payload)
    assert response.status_code in (200, 302, 403, 404)
    assert_all_own(app, access_world, model, since, team_since)
    if must_refuse:
        assert not new_rows(app, model, since), "a reference to the other unit was accepted"
        assert response.status_code in (200, 403, 404) and not leaks(body(response))


UNFORGED_CREATES = [("accounts", {}), ("managers", {}), ("reports", {}), ("changes", {}),
                    ("changes", {"kind": "managers", "new_head": "own_manager", "new_admins": "own_admin"})]


@pytest.mark.parametrize("view, extra", UNFORGED_CREATES, ids=[f"{v}-{'-'.join(e) or 'plain'}"
                                                               for v, e in UNFORGED_CREATES])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_create_without_forgery(app, access_world, login_as, role, view, extra):
    """Positive control for the test above: the same form, unforged, creates an own-unit row."""
    model = VIEWS[view].model
    since = max_id(app, model)
    payload = {**create_payload(view, access_world), **{k: access_world.get(v, v) for k, v in extra.items()}}
    response = login_as(role).post(f"/admin/{view}/new/", payload)
    assert response.status_code == 302, body(response)[-2000:]
    rows = new_rows(app, model, since)
    assert len(rows) == 1 and rows[0].unit_id == access_world["own_unit"]


#: (view, forged fields) on the edit form of an own draft.
FORGED_EDITS = [
    ("accounts", {"unit": "other_unit"}),
    ("accounts", {"team-0-manager": "other_manager"}),
    ("accounts", {"team-2-manager": "other_manager", "team-2-role": "admin"}),
    ("managers", {"unit": "other_unit"}),
    ("reports", {"account": "other_account"}),
    ("changes", {"account": "other_account"}),
    ("changes", {"kind": "managers", "new_head": "other_manager", "new_admins": "own_admin"}),
    ("changes", {"kind": "managers", "new_head": "own_manager", "new_admins": "other_manager"}),
    ("violations", {"account": "other_account", "unit": "other_unit"}),
]


@pytest.mark.parametrize("view, forged", FORGED_EDITS, ids=[f"{v}-{'-'.join(f)}" for v, f in FORGED_EDITS])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_edit_own_row_with_forged_reference(app, access_world, login_as, role, view, forged):
    model, row_id = VIEWS[view].model, access_world["rows"][view]["own"]
    client = login_as(role)
    payload = form_fields(body(client.get(f"/admin/{view}/edit/?id={row_id}")))
    payload.update({k: [str(access_world.get(v, v))] for k, v in forged.items()})
    team_since = max_id(app, TeamMember)
    client.post(f"/admin/{view}/edit/?id={row_id}", payload)
    with app.app_context():
        row = db.session.get(model, row_id)
        assert row.unit_id == access_world["own_unit"]
        account = getattr(row, "account", None)
        assert account is None or account.unit_id == access_world["own_unit"]
        team = row.team if isinstance(row, Account) else []
        assert all(m.manager.unit_id == access_world["own_unit"] for m in team), "a foreign person on the team"
        assert not db.session.query(TeamMember).filter(TeamMember.id > team_since,
                                                       TeamMember.manager_id == access_world["other_manager"]
                                                       ).count()
        for entry in ((row.after or {}).get("team") or []) if isinstance(row, ChangeRecord) else []:
            assert int(entry["manager_id"]) != access_world["other_manager"], "a foreign person proposed"


# --- relationship drop-downs and ajax look-ups -----------------------------------------------------------
FORM_PAGES = ["/admin/accounts/new/", "/admin/managers/new/", "/admin/reports/new/", "/admin/changes/new/",
              "/admin/accounts/edit/?id={own_account}", "/admin/managers/edit/?id={own_manager}",
              "/admin/reports/edit/?id={own_report}"]


@pytest.mark.parametrize("page", FORM_PAGES)
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_form_pages_show_no_foreign_choices(access_world, login_as, role, page):
    response = login_as(role).get(page.format(**access_world))
    assert response.status_code == 200
    html = body(response)
    assert not leaks(html)
    assert 'name="unit"' not in html, "a unit user is offered the unit field"


@pytest.mark.parametrize("page", ["/admin/accounts/new/", "/admin/managers/new/"])
def test_department_form_offers_every_unit(access_world, login_as, page):
    """Positive control: the same drop-downs list the other unit (or its people) for the department."""
    assert leaks(body(login_as("dept_admin").get(page)))


@pytest.mark.parametrize("query", ["外", "帐号", ""])
@pytest.mark.parametrize("view, loader", list(LOADERS), ids=[f"{v}-{n}" for v, n in LOADERS])
@pytest.mark.parametrize("role", ROLES)
def test_ajax_lookup(app, access_world, login_as, role, view, loader, query):
    model = LOADERS[(view, loader)]
    response = login_as(role).get(f"/admin/{view}/ajax/lookup/?name={loader}&query={query}&limit=100")
    assert response.status_code == 200
    found = {pk: label for pk, label in json.loads(body(response))}
    with app.app_context():
        foreign_ids = {row.id for row in db.session.query(model).filter(model.unit_id == access_world["other_unit"])}
        own_ids = {row.id for row in db.session.query(model).filter(model.unit_id == access_world["own_unit"])}
    if role in ALL_SEEING:
        if query != "帐号":
            assert foreign_ids & set(found)  # positive control
    else:
        assert not foreign_ids & set(found), f"{view} ajax {loader} offers the other unit's rows to {role}"
        assert not leaks(" ".join(found.values()))
        if query != "外":
            assert own_ids <= set(found)  # positive control


#: Loader names that do not exist on a view: 404 (403 where the view is closed), never data.
UNKNOWN_LOADERS = [(v, n) for v in VIEW_NAMES for n in ("account", "manager", "teammember-manager", "unit")
                   if (v, n) not in LOADERS]


@pytest.mark.parametrize("view, loader", UNKNOWN_LOADERS, ids=[f"{v}-{n}" for v, n in UNKNOWN_LOADERS])
@pytest.mark.parametrize("role", ["unit_editor", "auditor"])
def test_ajax_lookup_unknown_loader(access_world, login_as, role, view, loader):
    response = login_as(role).get(f"/admin/{view}/ajax/lookup/?name={loader}&query=外")
    assert response.status_code == (404 if may_open(role, view) else 403)
    assert not leaks(body(response))


# --- exports ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_export(access_world, login_as, role, view, fmt):
    response = fetch(login_as(role), f"/admin/{view}/export/{fmt}/")
    if not may_open(role, view):
        assert response.status_code == 403
        return
    assert response.status_code == 200, response.headers.get("Location")
    text = xlsx_text(response.data) if fmt == "xlsx" else csv_text(response.data)
    if role in ALL_SEEING or VIEWS[view].is_global:
        assert VIEWS[view].foreign in text  # positive control
    else:
        assert not leaks(text), f"{view} {fmt} export gives {role} the other unit's rows"
        assert VIEWS[view].own in text


# The CSV stream used to keep its connection until garbage collection; ScopedModelView._export_data
# now closes the session at the end of the stream.


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])  # (xlsx: the positive control of the measurement)
def test_csv_export_gives_its_connection_back(app, access_world, login_as, fmt):
    client = login_as("dept_admin")
    gc.collect()
    gc.disable()  # (the leak lasts until the next collection: keep the collector out of the request)
    try:
        response = client.get(f"/admin/accounts/export/{fmt}/", buffered=True)
        with app.app_context():
            checked_out = db.engine.pool.checkedout()
    finally:
        gc.enable()
        gc.collect()  # (give the connection back, or a PostgreSQL TRUNCATE after this test waits for it)
    assert response.status_code == 200
    assert checked_out == 0, f"{checked_out} database connection(s) still held after the export"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_export_with_search_and_filter_stays_scoped(app, access_world, login_as, role, fmt):
    index = filter_index(app, "accounts", Unit.__table__.c.name, "FilterEqual")
    response = fetch(login_as(role), f"/admin/accounts/export/{fmt}/?search=外&flt0_{index}=校团委")
    text = xlsx_text(response.data) if fmt == "xlsx" else csv_text(response.data)
    assert response.status_code == 200 and not leaks(text)


# --- the department's action on late records, and the monthly-report chores ---------------------------
@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("view", ["accounts", "changes", "reports"])
@pytest.mark.parametrize("role", ROLES)
def test_record_late_is_the_departments(app, access_world, login_as, role, view, which):
    """Recording a late record as a violation writes a Violation: the department's only."""
    model, row_id = VIEWS[view].model, access_world["rows"][view][which]
    with app.app_context():
        row = db.session.get(model, row_id)
        row.is_late = True
        db.session.commit()
    before = count(app, Violation)
    response = login_as(role).post(f"/admin/{view}/action/", {"action": "record_late", "rowid": row_id,
                                                               "url": f"/admin/{view}/"})
    assert response.status_code in (302, 403, 404)
    assert count(app, Violation) == before + (1 if role == "dept_admin" else 0)


def register_both_accounts(app, world) -> None:
    """Both units' accounts registered (active: they must report), without any report."""
    with app.app_context():
        for key in ("own_report", "other_report"):
            db.session.delete(db.session.get(MonthlyReport, world[key]))
        for key in ("own_account", "other_account"):
            account = db.session.get(Account, world[key])
            account.status, account.approved_at = AccountStatus.approved, dt.datetime(2026, 9, 5, 10)
        db.session.commit()


@pytest.mark.parametrize("query", ["", "&unit={other_unit}", "&format=csv", "&format=xlsx",
                                   "&format=csv&unit={other_unit}"])
@pytest.mark.parametrize("role", ROLES)
def test_missing_reports_page_is_scoped(app, access_world, login_as, role, query):
    register_both_accounts(app, access_world)
    response = fetch(login_as(role), "/admin/reports/missing/?month=2026-10" + query.format(**access_world))
    assert response.status_code == 200
    text = xlsx_text(response.data) if "xlsx" in query else body(response)
    if role in ALL_SEEING:
        assert "外单位帐号" in text  # positive control
    else:
        assert not leaks(text), f"missing-reports{query} shows {role} the other unit"
        assert "本单位帐号" in text


@pytest.mark.parametrize("role", ROLES)
def test_dormant_accounts_page_is_scoped(app, access_world, login_as, role):
    register_both_accounts(app, access_world)
    html = body(login_as(role).get("/admin/reports/dormant/"))
    if role in ALL_SEEING:
        assert "外单位帐号" in html  # positive control
    else:
        assert not leaks(html) and "本单位帐号" in html


@pytest.mark.parametrize("role", ROLES)
def test_prepare_drafts_only_for_the_own_unit(app, access_world, login_as, role):
    register_both_accounts(app, access_world)
    response = login_as(role).post("/admin/reports/prepare/", {})
    with app.app_context():
        by_unit = dict(db.session.query(MonthlyReport.unit_id, sa.func.count()).group_by(MonthlyReport.unit_id).all())
    assert access_world["other_unit"] not in by_unit, f"{role} prepared the other unit's reports"
    if role in UNIT_ROLES:
        assert by_unit.get(access_world["own_unit"]) == 1  # positive control
    else:
        assert response.status_code == 403 and not by_unit


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", ROLES)
def test_calendar_batch_is_the_departments(app, access_world, login_as, role, method):
    before = count(app, WorkCalendar)
    client = login_as(role)
    response = client.get("/admin/calendar/batch/") if method == "get" else client.post(
        "/admin/calendar/batch/", {"start": "2031-02-01", "end": "2031-02-03", "kind": "holiday", "name": "春节"})
    if role == "dept_admin":
        assert response.status_code == (200 if method == "get" else 302)
        assert count(app, WorkCalendar) == before + (3 if method == "post" else 0)  # positive control
    else:
        assert response.status_code == 403 and count(app, WorkCalendar) == before


# --- printable forms and attachments (outside Flask-Admin, same boundary) --------------------------------
@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("kind", ["accounts", "reports"])
@pytest.mark.parametrize("role", ROLES)
def test_printable_form(access_world, login_as, role, kind, which):
    response = fetch(login_as(role), f"/print/{kind}/{access_world['rows'][kind][which]}.pdf")
    if sees_row(role, kind, which):
        assert response.status_code == 200 and response.data.startswith(b"%PDF")  # positive control
    else:
        assert response.status_code == 404 and not response.data.startswith(b"%PDF")


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("role", ROLES)
def test_attachment_download(attachment_world, login_as, role, which):
    response = fetch(login_as(role), f"/attachments/{attachment_world['attachments'][which]}")
    if sees_row(role, "accounts", which):
        assert response.status_code == 200 and response.data.startswith(b"%PDF")  # positive control
    else:
        assert response.status_code == 404 and not response.data.startswith(b"%PDF")


def attachment_count(app) -> int:
    return count(app, Attachment)


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("owner, view", [("account", "accounts"), ("change", "changes"), ("report", "reports")])
@pytest.mark.parametrize("role", ROLES)
def test_attachment_upload(app, access_world, login_as, role, owner, view, which):
    client = login_as(role)
    before = attachment_count(app)
    response = client.post(f"/attachments/{owner}/{access_world['rows'][view][which]}",
                           {"file": (io.BytesIO(TINY_PDF), "scan.pdf"), "kind": "signed_form"})
    added = attachment_count(app) - before
    if role == "dept_admin" or (role in UNIT_ROLES and which == "own"):
        assert added == 1, "positive control: an allowed upload is stored"
    else:
        assert added == 0, f"{role} attached a file to a {which} {owner}"
        if role in UNIT_ROLES:
            assert response.status_code == 404
        else:
            assert response.status_code in (302, 403)


@pytest.mark.parametrize("which", ["other", "own"])
@pytest.mark.parametrize("role", ROLES)
def test_attachment_delete(app, attachment_world, login_as, role, which):
    attachment_id = attachment_world["attachments"][which]
    response = login_as(role).post(f"/attachments/{attachment_id}/delete", {})
    gone = snapshot(app, Attachment, attachment_id) is None
    if role == "dept_admin" or (role in UNIT_ROLES and which == "own"):  # (the owner account is a draft)
        assert gone, "positive control: an allowed removal removes"
    else:
        assert not gone, f"{role} removed a {which} attachment"
        assert response.status_code == (404 if role in UNIT_ROLES else 403)


# --- department-only views ----------------------------------------------------------------------------
@pytest.mark.parametrize("method, path", [
    ("get", "/"), ("get", "/new/"), ("get", "/details/?id={own}"), ("get", "/edit/?id={own}"),
    ("get", "/export/csv/"), ("get", "/export/xlsx/"), ("get", "/ajax/lookup/?name=unit&query=a"),
    ("post", "/new/"), ("post", "/edit/?id={own}"), ("post", "/delete/"), ("post", "/action/"),
])
@pytest.mark.parametrize("view", ["units", "users"])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_department_views_are_403_for_unit_users(app, access_world, login_as, role, view, method, path):
    rows = access_world["rows"][view]
    model = VIEWS[view].model
    client = login_as(role)
    before = {which: snapshot(app, model, rows[which]) for which in ("own", "other")}
    total = count(app, model)
    url = f"/admin/{view}{path.format(**rows)}"
    payload = {**create_payload(view, access_world), "id": rows["other"], "action": "delete",
               "rowid": [rows["own"], rows["other"]]}
    response = fetch(client, url) if method == "get" else client.post(url, payload)
    assert response.status_code == 403
    assert not leaks(body(response))
    assert count(app, model) == total
    assert {which: snapshot(app, model, rows[which]) for which in ("own", "other")} == before


# --- ajax_update (inline list editing) is off for everyone --------------------------------------------
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_ajax_update_is_404(app, access_world, login_as, role, view):
    spec, rows = VIEWS[view], access_world["rows"][view]
    field = spec.edit_field or "note"
    client = login_as(role)
    before = {which: snapshot(app, spec.model, rows[which]) for which in ("own", "other")}
    for which in ("own", "other"):
        response = client.post(f"/admin/{view}/ajax/update/", {"list_form_pk": rows[which], field: "篡改"})
        assert response.status_code == (404 if may_open(role, view) else 403), (which, response.status_code)
    assert {which: snapshot(app, spec.model, rows[which]) for which in ("own", "other")} == before


# --- the anonymous and redirects ------------------------------------------------------------------------
ANON_GETS = ["/", "/new/", "/details/?id=1", "/edit/?id=1", "/export/csv/", "/export/xlsx/",
             "/ajax/lookup/?name=account&query=a"]


@pytest.mark.parametrize("path", ANON_GETS)
@pytest.mark.parametrize("view", VIEW_NAMES)
def test_anonymous_get_redirects_to_login(app, access_world, view, path):
    url = f"/admin/{view}{path}"
    response = fetch(app.test_client(), url)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and location.netloc in ("", "localhost")
    assert parse_qs(location.query)["next"][0] == url
    assert not leaks(body(response))


@pytest.mark.parametrize("path", ["/new/", "/edit/?id={other}", "/delete/", "/action/", "/ajax/update/"])
@pytest.mark.parametrize("view", VIEW_NAMES)
def test_anonymous_post_changes_nothing(app, access_world, view, path):
    rows, model = access_world["rows"][view], VIEWS[view].model
    before, total = snapshot(app, model, rows["other"]), count(app, model)
    client = app.test_client()
    token = csrf_from(body(client.get("/login")))
    payload = {**create_payload(view, access_world), "csrf_token": token, "id": rows["other"],
               "action": "delete", "rowid": rows["other"], "list_form_pk": rows["other"]}
    response = client.post(f"/admin/{view}{path.format(**rows)}", data=payload)
    assert response.status_code in (302, 400, 403)
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == "/login"
    assert snapshot(app, model, rows["other"]) == before and count(app, model) == total


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_login_next_is_never_off_site(app, access_world, login_as, target):
    client = app.test_client()
    page = client.get("/login", query_string={"next": target})
    assert same_site(page.headers.get("Location")), page.headers.get("Location")
    token = csrf_from(body(client.get("/login")))
    response = client.post("/login", query_string={"next": target},
                           data={"username": "editor", "password": "test-password-123", "csrf_token": token})
    assert same_site(response.headers.get("Location")), response.headers.get("Location")
    # Already logged in: /login?next= redirects at once.
    again = login_as("unit_leader").get("/login", query_string={"next": target})
    assert again.status_code == 302 and same_site(again.headers.get("Location")), again.headers.get("Location")


@pytest.mark.parametrize("target", EVIL_TARGETS)
@pytest.mark.parametrize("path", ["/admin/accounts/", "/admin/accounts/new/", "/admin/accounts/details/?id={own}",
                                  "/admin/accounts/edit/?id={own}", "/admin/accounts/export/csv/"])
def test_admin_url_parameter_is_never_off_site(access_world, login_as, path, target):
    client = login_as("unit_editor")
    url = path.format(**access_world["rows"]["accounts"])
    response = client.get(url + ("&" if "?" in url else "?") + "url=" + target)
    assert same_site(response.headers.get("Location")), response.headers.get("Location")
    assert "evil.example" not in body(response)


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_admin_post_url_parameter_is_never_off_site(app, deletable, login_as, target):
    response = login_as("unit_editor").post("/admin/accounts/delete/", {"id": deletable["accounts"]["own"],
                                                                        "url": target})
    assert response.status_code in (302, 400)
    assert same_site(response.headers.get("Location")), response.headers.get("Location")


# --- paths added for speed: deep pages by ids first, cached export files, the audit log's text index ----------
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_deep_pages_by_ids_first_stay_scoped(app, access_world, login_as, monkeypatch, role, view):
    """With the deferred join from the first page on, no page of any list shows the other unit's rows."""
    from admin.base import ScopedModelView

    monkeypatch.setattr(ScopedModelView, "deferred_join_offset", 1)
    client = login_as(role)
    if not may_open(role, view):
        return
    for page in range(4):
        response = client.get(f"/admin/{view}/?page_size=1&page={page}")
        assert response.status_code == 200
        assert not leaks(body(response)), f"{view} page {page} shows the other unit's rows to {role}"


def test_cached_xlsx_is_per_unit_and_language(app, access_world, login_as):
    """The month's .xlsx is kept per scope: two editors of different units, then the department, each get
    their own rows; another language gets its own headers."""
    import io

    import openpyxl

    url = "/admin/reports/export/xlsx/?flt0_0=2026-10-01"

    def names(client, query=""):
        sheet = openpyxl.load_workbook(io.BytesIO(client.get(url + query).data)).active
        return [[c.value for c in row] for row in sheet.iter_rows()]

    own, other = names(login_as("unit_editor")), names(login_as("other_editor"))
    dept = names(login_as("dept_admin"))
    assert any("本单位帐号" in row for row in own) and not any("外单位帐号" in row for row in own)
    assert any("外单位帐号" in row for row in other) and not any("本单位帐号" in row for row in other)
    assert any("本单位帐号" in row for row in dept) and any("外单位帐号" in row for row in dept)
    assert names(login_as("unit_editor"), "&lang=en")[0] != own[0]


@pytest.mark.parametrize("term", ["外单位帐号", "单位帐号", "外单位"])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_audit_search_through_the_text_index_stays_scoped(app, access_world, login_as, role, term):
    html = body(login_as(role).get("/admin/audit/?search=" + term))
    # The cells of the list (the search box echoes the typed words).
    rows = " ".join(re.findall(r'<td class="col-[a-z_]+">(.*?)</td>', html, re.S))
    assert not leaks(rows), f"the audit search {term!r} shows the other unit's entries to {role}"
    if "外" not in term:
        assert "本单位帐号" in rows  # positive control: the unit's own entries are found
