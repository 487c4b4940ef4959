"""The missing-reports page and the month summary, kept under the data version (issue 18 item 1).

A kept page is the page made anew, byte for byte (but for the per-request CSRF token); a kept piece never crosses
roles or units; a committed change is seen at the next request; and a kept page costs the user's row and the data
version only (the summary: and its audit entry)."""
import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from flask import render_template

from models import Account, AuditAction, AuditLog, MonthlyReport, ReviewStatus, User, db

from .conftest import count_statements, log_in, make_account, make_report
from .test_reports import LAST, _approve

MISSING = f"/admin/reports/missing/?month={LAST:%Y-%m}"
TOKEN = re.compile(r'(<input type="hidden" name="csrf_token" value=")([^"]+)(")')
ROLES = ["dept_admin", "auditor", "unit_leader", "unit_editor", "other_editor"]


@pytest.fixture
def month(app, world):
    """Both units' accounts registered; the own unit has one account that has not reported and one late report,
    the other unit one account that has not reported."""
    with app.app_context():
        for key in ("own_account", "other_account"):
            _approve(db.session.get(Account, world[key]))
        db.session.query(MonthlyReport).delete()
        own = db.session.get(Account, world["own_account"])
        late_account = make_account(own.unit, "本单位迟报帐号")
        _approve(late_account)
        late = make_report(late_account, period=LAST, status=ReviewStatus.dept_review)
        late.submitted_at, late.is_late = dt.datetime.combine(LAST, dt.time()) + dt.timedelta(days=40), True
        db.session.commit()
    return world


def _body(html: str) -> str:
    """The page's body block: from its heading to the layout's scripts (no token: it moves with the clock)."""
    start = html.index('<h1 class="h4 my-3">')
    return _without_token(html[start:html.index("<script", start)])


def _body_token(html: str) -> str | None:
    """The remind form's CSRF token (the layout has its own, for signing out)."""
    start = html.index('<h1 class="h4 my-3">')
    found = TOKEN.search(html[start:html.index("<script", start)])
    return found.group(2) if found else None


def _without_token(html: str) -> str:
    return TOKEN.sub(r"\1TOKEN\3", html)


@pytest.mark.parametrize("role", ROLES)
def test_the_kept_page_is_the_page_made_in_one_piece(app, month, login_as, role):
    """The page as served (kept parts with the request's CSRF token between them) equals the body template made
    in one piece with that token, as the page was made before it was kept; and a second request (from the kept
    parts) equals the first but for the token."""
    from admin.home_figures import bodies
    from admin.missing import _context

    client = login_as(role)
    first = client.get(MISSING).get_data(as_text=True)
    assert len(bodies) == 1
    again = client.get(MISSING).get_data(as_text=True)
    assert len(bodies) == 1 and _body(again) == _body(first)
    token = _body_token(first)
    assert (token is not None) == (role == "dept_admin")  # the remind form: the department's only
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "reports")
    with app.test_request_context(MISSING):
        user = db.session.query(User).filter_by(id=month["users"][role]).one()
        whole = render_template("admin/_missing_body.html", csrf_token=lambda: token or "",
                                **_context(view, user, LAST, None))
    assert whole.strip() and whole in first


def test_a_kept_page_never_crosses_units_or_roles(app, month, login_as):
    from admin.home_figures import bodies

    dept = login_as("dept_admin").get(MISSING).get_data(as_text=True)
    assert "本单位帐号" in dept and "外单位帐号" in dept and 'id="remind-form"' in dept
    editor = login_as("unit_editor").get(MISSING).get_data(as_text=True)
    assert "本单位帐号" in editor and "外单位帐号" not in editor and 'id="remind-form"' not in editor
    other = login_as("other_editor").get(MISSING).get_data(as_text=True)
    assert "外单位帐号" in other and "本单位帐号" not in other
    leader = login_as("unit_leader").get(MISSING).get_data(as_text=True)
    auditor = login_as("auditor").get(MISSING).get_data(as_text=True)
    assert "外单位帐号" in auditor and 'id="remind-form"' not in auditor  # all units; reminding is the department's
    assert len(bodies) == 5  # each scope its own, the leader's apart from the editor's of the same unit
    assert _body(leader) == _body(editor)
    # the department after them still gets its own page, and the editor after the department theirs
    assert _body(login_as("dept_admin").get(MISSING).get_data(as_text=True)) == _body(dept)
    assert _body(login_as("unit_editor").get(MISSING).get_data(as_text=True)) == _body(editor)
    assert len(bodies) == 5
    # a chosen unit (the department's drop-down) and another language are kept apart
    chosen = login_as("dept_admin").get(f"{MISSING}&unit={month['other_unit']}").get_data(as_text=True)
    assert "外单位帐号" in chosen and "本单位帐号" not in chosen
    english = login_as("unit_editor").get(f"{MISSING}&lang=en").get_data(as_text=True)
    assert "Missing and late monthly reports" in english and "本单位帐号" in english
    assert len(bodies) == 7


def test_two_users_of_one_scope_share_the_body_each_with_their_own_token(app, month, login_as):
    from admin.home_figures import bodies

    from .factories import make_user

    with app.app_context():
        make_user("dept2", db.session.get(User, month["users"]["dept_admin"]).role)
        db.session.commit()
    first = login_as("dept_admin").get(MISSING).get_data(as_text=True)
    second = log_in(app, "dept2").get(MISSING).get_data(as_text=True)
    assert len(bodies) == 1 and _body(first) == _body(second)
    assert _body_token(first) != _body_token(second) and _body_token(first) in first


def test_a_committed_change_is_seen_at_the_next_request(app, month, login_as):
    editor = login_as("unit_editor")
    assert "本单位帐号" in _body(editor.get(MISSING).get_data(as_text=True))
    with app.app_context():
        report = make_report(db.session.get(Account, month["own_account"]), period=LAST,
                             status=ReviewStatus.unit_review)
        report.submitted_at = dt.datetime.combine(LAST, dt.time()) + dt.timedelta(days=33)
        db.session.commit()
    body = _body(editor.get(MISSING).get_data(as_text=True))
    assert "本单位帐号" not in body.split("<h2", 2)[1] and "本单位迟报帐号" in body
    # a rolled-back change leaves the kept page as it was
    with app.app_context():
        db.session.get(Account, month["own_account"]).name = "未提交的新名"
        db.session.flush()
        db.session.rollback()
    assert _body(editor.get(MISSING).get_data(as_text=True)) == body


def test_the_remind_form_posts_with_the_token_written_between_the_kept_parts(app, month, login_as):
    dept = login_as("dept_admin")
    dept.get(MISSING)
    html = dept.get(MISSING).get_data(as_text=True)  # from the kept parts
    token = _body_token(html)
    answer = dept.post("/admin/reports/missing/remind/", data={"csrf_token": token, "month": f"{LAST:%Y-%m}"})
    assert answer.status_code == 200  # the plan of who will be reminded (confirm=1 sends)
    forged = dept.post("/admin/reports/missing/remind/", data={"csrf_token": "x" + token, "month": f"{LAST:%Y-%m}"})
    assert forged.status_code == 400


@pytest.mark.parametrize("role", ["dept_admin", "unit_editor"])
def test_a_kept_missing_page_reads_the_user_and_the_data_version_only(app, month, login_as, role):
    client = login_as(role)
    with count_statements(app) as baseline:  # what any page of the user costs: the user
        assert client.get("/account/password").status_code == 200
    with count_statements(app) as counted:
        assert client.get(MISSING).status_code == 200
    assert len(counted) - len(baseline) <= 6, counted  # made anew: the version, the rows, the counts, the units
    with count_statements(app) as kept:
        assert client.get(MISSING).status_code == 200
    assert len(kept) - len(baseline) == 1 and "data_version" in kept[-1], kept


# --- the month summary ----------------------------------------------------------------------------------------
def _summary_rows(client, fmt="csv") -> list[list[str]]:
    text = client.get(f"/admin/reports/summary/?month={LAST:%Y-%m}&format={fmt}").get_data(as_text=True)
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_a_kept_summary_costs_the_user_the_version_and_its_audit_entry(app, month, login_as):
    client = login_as("dept_admin")
    url = f"/admin/reports/summary/?month={LAST:%Y-%m}&format=csv"
    first = client.get(url).data
    with count_statements(app) as kept:
        assert client.get(url).data == first
    assert len(kept) == 3, kept  # the user, the data version, the audit entry (no count of the month's reports)
    assert "data_version" in kept[1] and kept[2].startswith("INSERT INTO audit_log")
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(action=AuditAction.export).count() == 2  # every request


def test_the_summary_is_kept_per_scope_and_made_again_after_a_change(app, month, login_as):
    from services.exports import file_cache

    dept, auditor = login_as("dept_admin"), login_as("auditor")
    rows = _summary_rows(dept)
    assert [row[2] for row in rows[1:]] == ["本单位迟报帐号"]
    assert _summary_rows(auditor) == rows and len(file_cache._files) == 2  # the same rows, each scope its own file
    assert login_as("unit_editor").get(f"/admin/reports/summary/?month={LAST:%Y-%m}").status_code == 403
    with app.app_context():
        report = db.session.query(MonthlyReport).one()
        report.post_count = 41
        db.session.commit()
    assert _summary_rows(dept)[1][6] == "41" and _summary_rows(auditor)[1][6] == "41"
    assert _summary_rows(dept, "csv") == _summary_rows(dept, "csv")


def test_the_kept_pieces_name_their_database(app, month):
    """One process may serve two databases (`flask bench compare`): what is kept under the data version is kept
    under the database's address and its epoch too, so equal numbers of two databases (or of one database before
    and after a restore) never share a piece."""
    from models import data_version

    with app.app_context():
        epoch = db.session.execute(sa.select(data_version.DataVersion.epoch)).scalar()
        assert data_version.key() == (f"{db.engine.url}#{epoch}", data_version.current())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_without_a_data_version_the_summary_is_made_on_every_request(app, month, login_as, fmt):
    """A database where nothing was committed through the app yet has no data version: nothing is kept, the file
    is made (the .csv streamed after the audit entry's commit) and is the same."""
    import sqlalchemy as sa

    from models import DataVersion
    from services.exports import file_cache

    client = login_as("dept_admin")
    url = f"/admin/reports/summary/?month={LAST:%Y-%m}&format={fmt}"
    kept = client.get(url)
    with app.app_context():
        db.session.execute(sa.delete(DataVersion))
        db.session.commit()
    file_cache.clear()
    made = client.get(url)
    assert made.status_code == 200 and len(file_cache._files) == 0
    if fmt == "csv":
        assert made.get_data(as_text=True) == kept.get_data(as_text=True)
        assert "本单位迟报帐号" in made.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(action=AuditAction.export).count() == 2
