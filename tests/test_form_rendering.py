"""The forms written in Python (admin/form_render.py, issue 18 items 1–2) are Flask-Admin's, byte for byte.

Every create and edit form of every view, as every role that may open it, is drawn twice in one process: by
admin/form_render.py and by Flask-Admin's own macros and templates (``form_render.ENABLED = False``); the two
pages must be the same text but for the CSRF tokens and the script nonces (both are made per request). The same
for forms sent back with errors (an empty create form, an account whose team breaks the rules), and the fast
widgets' attributes (admin/form_widgets.py) against WTForms' own.
"""
from __future__ import annotations

import re

import pytest
from markupsafe import Markup
from wtforms import widgets as wt_widgets

from admin import form_render, form_widgets
from flask_babel import lazy_gettext

from models import Account, Manager, Unit, db

ROLES = ("unit_editor", "unit_leader", "dept_admin")
VIEWS = ("accounts", "managers", "changes", "reports", "violations", "incidents", "assessments", "units", "users",
         "calendar", "publications", "responsibles", "unit_rules")
TOKEN = re.compile(r'[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}')
NONCE = re.compile(r'nonce="[^"]*"')


def same_text(html: str) -> str:
    return NONCE.sub('nonce=""', TOKEN.sub("TOKEN", html))


def both_ways(monkeypatch, request):
    """The page ``request()`` answers, drawn by form_render and by Flask-Admin's macros: (status, ours, theirs)."""
    ours = request()
    monkeypatch.setattr(form_render, "ENABLED", False)
    try:
        theirs = request()
    finally:
        monkeypatch.setattr(form_render, "ENABLED", True)
    assert ours.status_code == theirs.status_code
    return ours.status_code, same_text(ours.get_data(as_text=True)), same_text(theirs.get_data(as_text=True))


def assert_same(ours: str, theirs: str):
    if ours != theirs:  # the first difference, readable
        at = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
        raise AssertionError(f"differs at {at}:\nours:   {ours[max(0, at - 300):at + 300]!r}\n"
                             f"theirs: {theirs[max(0, at - 300):at + 300]!r}")


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ROLES)
def test_every_form_is_flask_admins_byte_for_byte(app, access_world, login_as, monkeypatch, role, view):
    client = login_as(role)
    drawn = 0
    for url in (f"/admin/{view}/new/", f"/admin/{view}/edit/?id={access_world['rows'][view]['own']}"):
        status, ours, theirs = both_ways(monkeypatch, lambda: client.get(url))
        assert_same(ours, theirs)
        if status == 200 and 'class="admin-form"' in ours:
            drawn += 1
    if role == "dept_admin" and view not in ("assessments",):  # assessments are computed, never created by hand
        assert drawn == 2, f"{view}: not both forms drawn"


def test_the_calendars_holiday_form_is_flask_admins(app, world, login_as, monkeypatch):
    """Another page with lib.html's scripts (form_js) around a form of its own."""
    status, ours, theirs = both_ways(monkeypatch, lambda: login_as("dept_admin").get("/admin/calendar/batch/"))
    assert status == 200 and "admin/js/form.js" in ours
    assert_same(ours, theirs)


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ("unit_editor", "dept_admin"))
def test_a_form_sent_back_with_errors_is_flask_admins(app, access_world, login_as, monkeypatch, role, view):
    """An empty create form: every required field's error under it, the summary at the top, the flash."""
    client = login_as(role)
    status, ours, theirs = both_ways(monkeypatch, lambda: client.post(f"/admin/{view}/new/", data={"name": ""}))
    assert_same(ours, theirs)
    if role == "dept_admin" and view in ("accounts", "managers", "units", "users"):
        assert status == 200 and "invalid-feedback" in ours


def test_the_team_editor_with_errors_is_flask_admins(app, world, login_as, monkeypatch):
    """The account form's management team sent back: a row without a person, two heads; the rows' own errors."""
    client = login_as("unit_editor")
    url = f"/admin/accounts/edit/?id={world['own_account']}"
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="row_version" type="hidden" value="(\d+)"', html).group(1)
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        form = {"name": account.name, "platform": account.platform.name, "creator_entity": "<b>主体</b>",
                "created_on": "2099-01-01", "maintenance": "self_run", "row_version": version, "verified": "y",
                "team-0-id": account.team[0].id, "team-0-manager": account.team[0].manager_id, "team-0-role": "head",
                "team-1-id": account.team[1].id, "team-1-manager": account.team[1].manager_id, "team-1-role": "head",
                "team-2-manager": "", "team-2-role": "admin"}
    status, ours, theirs = both_ways(monkeypatch, lambda: client.post(url, data=form))
    assert status == 200 and "is-invalid" in ours and "form-error-summary" in ours
    assert_same(ours, theirs)


def test_a_new_account_form_starts_with_two_team_rows_and_a_blank_one(app, world, login_as, monkeypatch):
    for role in ("unit_editor", "dept_admin"):
        status, ours, theirs = both_ways(monkeypatch, lambda: login_as(role).get("/admin/accounts/new/"))
        assert status == 200 and ours.count('class="inline-field card card-body bg-light mb-3"') == 2
        assert ours.count("&lt;div class=&#34;inline-field card card-body bg-light mb-3&#34;&gt;") == 1  # "Add"
        assert_same(ours, theirs)


def test_forms_follow_the_language(app, world, login_as, monkeypatch):
    client = login_as("dept_admin")
    for lang in ("en", "zh_Hans_CN"):
        url = f"/admin/accounts/edit/?id={world['own_account']}&lang={lang}"
        status, ours, theirs = both_ways(monkeypatch, lambda: client.get(url))
        assert_same(ours, theirs)
        assert ("Management team" in ours) == (lang == "en")


def test_nothing_of_one_users_form_shows_on_anothers(app, world, login_as):
    """Nothing is kept between requests: two unit editors and the department, one after the other in one process,
    each see their own record, people and new-person dialog."""
    with app.app_context():
        other_name = db.session.get(Account, world["other_account"]).name
        own_name = db.session.get(Account, world["own_account"]).name
        own_person = db.session.get(Manager, world["own_manager"]).name
        other_unit = db.session.get(Unit, world["other_unit"]).name
    for _ in range(2):
        own = login_as("unit_editor").get(f"/admin/accounts/edit/?id={world['own_account']}").get_data(as_text=True)
        other = login_as("other_editor").get(f"/admin/accounts/edit/?id={world['other_account']}")
        other = other.get_data(as_text=True)
        dept = login_as("dept_admin").get(f"/admin/accounts/edit/?id={world['other_account']}").get_data(as_text=True)
        assert own_name in own and other_name not in own and other_unit not in own
        assert other_name in other and own_name not in other and own_person not in other
        assert other_name in dept and 'name="unit"' in dept and 'name="unit"' not in own
        assert "data-new-person" in own and "data-new-person" in dept


@pytest.mark.parametrize("value", ["plain", 'quo"te', "<b>&</b>", Markup('<i a="1">'), 0, 7, None, "",
                                   lazy_gettext("Management team")])
def test_html_params_writes_what_wtforms_writes(app, value):
    with app.test_request_context("/?lang=zh_Hans_CN"):
        arguments = {"class_": value, "data_role": value, "aria_label": value, "id": "x", "checked": True,
                     "disabled": False, "data-json": value}
        assert str(form_widgets.html_params(**arguments)) == str(wt_widgets.html_params(**arguments))


def test_every_fast_widget_is_its_original_with_fewer_calls():
    """A fast twin adds nothing but speed: same class hierarchy below it, no method but __call__/html_params."""
    for original, twin in form_widgets.FAST_WIDGETS.items():
        assert issubclass(twin, original) and twin.__mro__[2] is original
        own = {name for name in vars(twin.__mro__[1]) if not name.startswith("__") or name == "__call__"}
        assert own <= {"__call__", "html_params"}, (twin, own)
