"""The list pages written for speed (issue #6) show what Flask-Admin's own template shows.

admin/list_rows.py writes a page's rows in Python and admin/menu.py keeps the navigation menu per role:
every cell must be the one Flask-Admin's ``list.html`` renders, a menu must never travel from one role
to another, and the account searches must find an account by each column they name.
"""
from __future__ import annotations

import re
from html import unescape

import pytest

from models import Account, Unit, db

from .conftest import make_account

ROLES = ("unit_editor", "unit_leader", "dept_admin", "auditor")
VIEWS = ("accounts", "managers", "reports", "changes", "violations", "assessments", "audit", "units", "users",
         "calendar")
CELL = re.compile(r'<td class="col-([^"]+)">(.*?)</td>', re.S)
TOKEN = re.compile(r'(?<=name="csrf_token" value=")[^"]+')
CHECKBOX = re.compile(r'<input type="checkbox" name="rowid" class="action-checkbox" value="([^"]*)"')


def admin_view(app, endpoint):
    return next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == endpoint)


def cells(html: str) -> list[tuple[str, str]]:
    return [(name, " ".join(value.split())) for name, value in CELL.findall(html)]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ROLES)
def test_rows_show_what_flask_admins_template_shows(app, access_world, login_as, monkeypatch, role, view):
    client = login_as(role)
    ours = client.get(f"/admin/{view}/")
    if ours.status_code == 403:
        return  # the department's lists (units, users): test_access checks the refusal
    ours = ours.get_data(as_text=True)
    monkeypatch.setattr(admin_view(app, view), "list_template", "admin/model/list.html")
    original = client.get(f"/admin/{view}/").get_data(as_text=True)
    assert cells(ours) and cells(ours) == cells(original)
    assert CHECKBOX.findall(ours) == CHECKBOX.findall(original)


def test_cells_are_escaped(app, world, login_as):
    with app.app_context():
        make_account(db.session.get(Unit, world["own_unit"]), '<b>粗体</b>&"帐号"', account_id="esc-1")
        db.session.commit()
    html = login_as("unit_editor").get("/admin/accounts/").get_data(as_text=True)
    assert "<b>粗体</b>" not in html
    assert "&lt;b&gt;粗体&lt;/b&gt;&amp;&#34;帐号&#34;" in html


def test_an_empty_list_says_why(app, world, login_as):
    html = login_as("unit_editor").get("/admin/violations/").get_data(as_text=True)
    assert 'colspan="999"' in html and not CELL.search(html)


def menu(html: str) -> str:
    return html[html.index("navbar-nav mr-auto"):html.index('id="user-menu"')]


def test_each_role_gets_its_own_menu_in_one_process(app, world, login_as):
    """The menu is kept per role: the department's entries never show to a unit, whoever came first."""
    dept, editor = login_as("dept_admin"), login_as("unit_editor")
    for _ in range(2):
        dept_menu = menu(dept.get("/admin/accounts/").get_data(as_text=True))
        editor_menu = menu(editor.get("/admin/accounts/").get_data(as_text=True))
        assert "/admin/units/" in dept_menu and "/admin/users/" in dept_menu
        assert "/admin/units/" not in editor_menu and "/admin/users/" not in editor_menu
        assert "/admin/reports/" in editor_menu


def test_the_menu_marks_the_current_page_and_follows_the_language(app, world, login_as):
    client = login_as("unit_editor")
    accounts = menu(client.get("/admin/accounts/").get_data(as_text=True))
    reports = menu(client.get("/admin/reports/").get_data(as_text=True))
    assert re.search(r'class="dropdown-item active\s*"\s+href="/admin/accounts/"', accounts)
    assert not re.search(r'class="dropdown-item active\s*"\s+href="/admin/accounts/"', reports)
    assert "月报" in reports
    english = menu(client.get("/admin/reports/?lang=en").get_data(as_text=True))
    assert "Monthly reports" in english and "月报" not in english


SEARCHED = {"name": "搜索名称甲", "platform_account_id": "srch-pid-7", "wechat_original_id": "gh_srch77abcdef",
            "homepage_url": "https://example.edu.cn/srch-home"}
#: A part of each value that the other unit's account (srch → srcx, 甲 → 乙) does not contain.
TERMS = {"name": "名称甲", "platform_account_id": "ch-pid", "wechat_original_id": "srch77ab", "homepage_url": "srch-ho"}


@pytest.mark.parametrize("column", list(SEARCHED))
def test_the_accounts_search_finds_each_column_in_scope(app, world, login_as, column):
    with app.app_context():
        own, other = db.session.get(Unit, world["own_unit"]), db.session.get(Unit, world["other_unit"])
        values = dict(SEARCHED)
        make_account(own, account_id=values.pop("platform_account_id"), **values)
        values = {key: value.replace("srch", "srcx").replace("甲", "乙") for key, value in SEARCHED.items()}
        make_account(other, account_id=values.pop("platform_account_id"), name=values.pop("name"), **values)
        db.session.commit()
    term = TERMS[column]
    editor = unescape(login_as("unit_editor").get(f"/admin/accounts/?search={term}").get_data(as_text=True))
    dept = unescape(login_as("dept_admin").get(f"/admin/accounts/?search={term}").get_data(as_text=True))
    assert "搜索名称甲" in editor and "搜索名称乙" not in editor
    assert "搜索名称甲" in dept
    # Upper case finds lower case (ILIKE on PostgreSQL, LIKE on SQLite: ASCII letters).
    assert "搜索名称甲" in unescape(login_as("dept_admin").get(
        f"/admin/accounts/?search={term.upper()}").get_data(as_text=True)) or not term.isascii()


def test_the_reports_search_finds_accounts_by_original_id(app, world, login_as):
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.wechat_original_id = "gh_rptsearch001"
        db.session.commit()
    html = login_as("unit_editor").get("/admin/reports/?search=rptsearch0").get_data(as_text=True)
    assert "本单位帐号" in html


@pytest.mark.parametrize("term, found", [("规帐号甲", True), ("图片未注明", True), ("张三丰", True),
                                         ("规帐号乙", False), ("不存在", False)])
@pytest.mark.parametrize("role", ["dept_admin", "unit_editor"])
def test_the_violations_search_finds_the_account_name_and_its_own_texts(app, world, login_as, role, term, found):
    """The account's name through the accounts' look-up (admin/search.py ``account_search``), the description
    and the responsible persons in the violation itself; a unit user finds only their unit's."""
    from .conftest import make_violation

    with app.app_context():
        own, other = db.session.get(Unit, world["own_unit"]), db.session.get(Unit, world["other_unit"])
        mine = make_violation(make_account(own, name="违规帐号甲", account_id="vsearch-1"))
        mine.description, mine.responsible_persons = "转载图片未注明来源", "张三丰"
        make_violation(make_account(other, name="违规帐号乙", account_id="vsearch-2"))
        db.session.commit()
    html = unescape(login_as(role).get("/admin/violations/", query_string={"search": term}).get_data(as_text=True))
    # (the page repeats the term in its search box: the rows are found by the account's whole name)
    assert ("违规帐号甲" in html) == found
    assert "违规帐号乙" not in html or role == "dept_admin"
    if role == "dept_admin" and term == "规帐号乙":
        assert "违规帐号乙" in html  # positive control: the department finds the other unit's violation


@pytest.mark.parametrize("view", VIEWS)
def test_filter_choices_are_labels_not_codes(app, access_world, login_as, view):
    """The filter menu's choices (status, platform, kind …) are the Chinese labels, not the stored codes."""
    import json

    html = login_as("dept_admin").get(f"/admin/{view}/").get_data(as_text=True)
    groups = json.loads(unescape(re.search(r'id="filter-groups-data" class="d-none">(.*?)</div>', html, re.S).group(1)))
    choices = [(value, label) for filters in groups.values() for flt in filters for value, label in flt["options"] or []]
    codes = [(value, label) for value, label in choices if value == label]
    assert not codes, codes
    if view in ("accounts", "reports", "calendar"):
        assert choices


def test_ilike_on_sqlite_is_like(app):
    """models.base writes ILIKE as LIKE on SQLite: the same matches (ASCII letters in any case, other
    characters exactly), without lower() on every value."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import sqlite

    text = sa.literal_column("'会计学院 WeChat 公众号'")
    compiled = str(sa.select(text.ilike("%wechat%")).compile(dialect=sqlite.dialect()))
    assert "lower(" not in compiled and "LIKE" in compiled
    with app.app_context():
        for pattern, found in [("%wechat%", True), ("%WECHAT%", True), ("%会计%", True), ("%会计学院 w%", True),
                               ("%公众号X%", False), ("wechat%", False)]:
            assert db.session.execute(sa.select(text.ilike(pattern))).scalar() == found, pattern
            assert db.session.execute(sa.select(text.not_ilike(pattern))).scalar() == (not found), pattern


@pytest.mark.parametrize("view", ["accounts", "reports", "managers", "audit", "violations"])
def test_a_pasted_paragraph_searches_its_first_words(app, world, login_as, view):
    """Each search word is a condition (or a look-up of accounts): a search uses its first ten different
    words, so thousands of words cannot overflow the database's bind parameters (65,535 on PostgreSQL)."""
    import sqlalchemy as sa

    client = login_as("dept_admin")
    words = " ".join(["帐号"] * 3000 + [f"词{n}" for n in range(600)])
    parameters = []

    def count(conn, cursor, statement, params, context, executemany):
        parameters.append(len(params or ()))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(f"/admin/{view}/", query_string={"search": words})
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert parameters and max(parameters) < 100, max(parameters)
    kept = client.get(f"/admin/{view}/", query_string={"search": "帐号 " + " ".join(["帐号"] * 50)})
    assert kept.status_code == 200
    if view in ("accounts", "reports"):
        assert "本单位帐号" in kept.get_data(as_text=True)


def test_the_eleventh_word_is_not_searched(app, world, login_as):
    client = login_as("dept_admin")
    ten = "本 单 位 帐 号 本单 单位 位帐 帐号 本单位"  # ten different words, all in 本单位帐号
    html = client.get("/admin/accounts/", query_string={"search": ten + " 不存在的词"}).get_data(as_text=True)
    assert "本单位帐号" in html
    html = client.get("/admin/accounts/", query_string={"search": "不存在的词 " + ten}).get_data(as_text=True)
    assert "本单位帐号" not in html


@pytest.mark.parametrize("view", ["accounts", "reports", "managers", "audit"])
def test_a_search_says_when_it_dropped_words(app, world, login_as, view):
    """Words after the tenth are not searched, and the page says so (how many were used and dropped)."""
    client = login_as("dept_admin")
    twelve = " ".join(f"词{n}" for n in range(12))
    html = client.get(f"/admin/{view}/", query_string={"search": twelve + " 词0"}).get_data(as_text=True)
    assert "检索只使用了前 10 个不同的词，其余 2 个词未参与检索。" in html
    ten = " ".join(f"词{n}" for n in range(10))
    assert "未参与检索" not in client.get(f"/admin/{view}/", query_string={"search": ten}).get_data(as_text=True)


def test_a_menu_belongs_to_its_app(app, world, login_as):
    """The menus are kept in the app that rendered them, not in the process."""
    from app import create_app

    login_as("dept_admin").get("/admin/accounts/")
    assert app.extensions["xmt_menus"]
    other = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "xmt_menus" not in other.extensions


def test_every_row_action_is_one_the_rows_can_write(app):
    """admin/list_rows.py writes the details, edit and delete icons; a view with another row action would
    fail on its list page, so none has one."""
    from admin.row_links import RowLinks

    with app.test_request_context():
        for view in app.extensions["admin"][0]._views:
            if hasattr(view, "get_list_row_actions"):
                kinds = [RowLinks.kind(action) for action in view.get_list_row_actions()]
                assert None not in kinds, view.endpoint


@pytest.mark.parametrize("view", ["managers", "reports", "audit"])
def test_a_list_gets_the_hidden_fields_flask_admins_forms_would_write(app, view):
    """On a GET of a list, the delete and action forms are their hidden fields only (admin/row_links.py
    page_forms): each writes what the WTForms form Flask-Admin makes would write, the same CSRF token included.
    A POST (a delete, an action) still gets Flask-Admin's forms, which validate."""
    from flask import request
    from markupsafe import Markup

    from admin.row_links import PageField

    target = admin_view(app, view)
    with app.test_request_context(f"/admin/{view}/?page=1&url=/elsewhere"):
        assert request.endpoint == f"{view}.index_view"
        light_delete, light_action = target.delete_form(), target.action_form()
        assert isinstance(light_delete.url, PageField) and isinstance(light_action.action, PageField)
        real_delete, real_action = target._delete_form_class(), target._action_form_class()
        for light, real in ((light_delete, real_delete), (light_action, real_action)):
            assert str(light.url(value="/admin/x/?a=1&b=<2>")) == str(real.url(value="/admin/x/?a=1&b=<2>"))
            assert str(light.url()) == str(real.url())
            assert Markup(light.csrf_token).__html__() == Markup(real.csrf_token).__html__()
            assert light.csrf_token.current_token == real.csrf_token.current_token
        assert str(light_delete.id(value=7)) == str(real_delete.id(value=7))
        assert str(light_action.action()) == str(real_action.action())
    with app.test_request_context(f"/admin/{view}/delete/", method="POST", data={"id": "1"}):
        assert not isinstance(target.delete_form().url, PageField)
    with app.test_request_context(f"/admin/{view}/details/?id=1"):
        assert not isinstance(target.delete_form().url, PageField)


@pytest.mark.parametrize("return_url", [None, "/admin/managers/?page=2&search=张 三&flt0_1=a/b?c#d", "/x?u=%2F&v=+"])
def test_the_row_icons_urls_are_the_ones_get_url_makes(app, return_url):
    """admin/row_links.py builds the icons' URLs with the view's ``fast_url`` (no url_for each): the same text."""
    from admin.row_links import RowLinks

    target = admin_view(app, "managers")
    with app.test_request_context("/admin/managers/"):
        links = RowLinks(target, return_url, None)
        assert links.details == target.get_url(".details_view", url=return_url, id=7)[:-1]
        assert links.edit == target.get_url(".edit_view", url=return_url, id=7)[:-1]
        assert links.delete == target.get_url(".delete_view")


def test_a_kept_header_is_the_header_made_afresh(app, login_as):
    """admin/listing.py keeps a list's header per query string, columns, actions, language and site root: the same
    header cells as made afresh, for each role (the unit user's list has no bulk actions' checkbox column)."""
    header = re.compile(r"<thead>(.*?)</thead>", re.S)
    pages = ["/admin/reports/", "/admin/reports/?sort=1&desc=1&search=公众号", "/admin/reports/?page=2"]
    for role in ("dept_admin", "unit_editor", "auditor"):
        client = login_as(role)
        for page in pages:
            client.get(page)
            app.extensions.pop("xmt_list_headers", None)
            fresh = header.search(client.get(page).get_data(as_text=True)).group(1)
            kept = header.search(client.get(page).get_data(as_text=True)).group(1)
            assert kept == fresh, page
    dept = header.search(login_as("dept_admin").get(pages[0]).get_data(as_text=True)).group(1)
    auditor = header.search(login_as("auditor").get(pages[0]).get_data(as_text=True)).group(1)
    assert ("action-rowtoggle" in dept) != ("action-rowtoggle" in auditor)


def test_a_kept_menu_bar_is_the_menu_bar_made_afresh(app, login_as):
    """admin/list_bar.py keeps the menu bar (count, create and export links, filters, page sizes, actions, search
    box) per query string, count, what the user may do, language and site root: the same HTML as made afresh, and
    a role's actions, links and count stay its own."""
    bar = re.compile(r'(<ul class="nav nav-tabs">.*?role="search">.*?</form>)', re.S)
    pages = ["/admin/reports/", "/admin/reports/?search=公众号&page_size=50", "/admin/accounts/?sort=1"]
    seen = {}
    for role in ("dept_admin", "unit_editor", "auditor"):
        client = login_as(role)
        for page in pages:
            client.get(page)
            app.extensions.pop("xmt_list_menu_bar_end", None)
            app.extensions.pop("xmt_list_menu_bar_start", None)
            fresh = TOKEN.sub("T", bar.search(client.get(page).get_data(as_text=True)).group(1))
            kept = TOKEN.sub("T", bar.search(client.get(page).get_data(as_text=True)).group(1))
            assert kept == fresh, page  # the view's own buttons between the kept pieces carry a token each second
            seen.setdefault(role, kept)
    assert 'data-model-action="approve"' in seen["dept_admin"]
    assert 'data-model-action="approve"' not in seen["unit_editor"] + seen["auditor"]
    assert "/admin/reports/new/" in seen["unit_editor"] and "/admin/reports/new/" not in seen["auditor"]
    # the count is the user's own: the department's list counts every unit's reports, the unit's its own
    counts = {role: re.search(r'aria-current="page">[^<(]*\((\d+)\)', html).group(1) for role, html in seen.items()}
    assert int(counts["dept_admin"]) > int(counts["unit_editor"])
    kept = "".join(str(html) for name in ("xmt_list_menu_bar_start", "xmt_list_menu_bar_end", "xmt_list_headers")
                   for html in app.extensions[name].values())
    assert kept and "csrf_token" not in kept and 'value="T"' not in kept


def test_the_row_icons_follow_what_each_role_may_do(app, login_as):
    """The row icons' objects are kept per view for each combination of what the user may do: a unit editor's
    draft reports get the edit icon, the auditor's never, whoever opened the list first."""
    for _ in range(2):
        auditor = login_as("auditor").get("/admin/reports/").get_data(as_text=True)
        editor = login_as("unit_editor").get("/admin/reports/").get_data(as_text=True)
        assert "/admin/reports/edit/" not in auditor and "fa-trash" not in auditor
        assert "/admin/reports/details/" in auditor and "/admin/reports/details/" in editor
        assert "/admin/reports/edit/" in editor


def test_an_estimated_count_is_not_taken_for_the_same_exact_count(app):
    """The menu bar is kept per count and the count's type: 约 5 (an estimate) and 5 are different bars."""
    from flask import render_template_string

    from admin.counting import ApproximateCount

    target = admin_view(app, "reports")
    with app.test_request_context("/admin/reports/"):
        bars = [render_template_string("{{ list_menu_bar_start() }}", admin_view=target, count=count,
                                       return_url="/admin/reports/") for count in (5, ApproximateCount(5), 5)]
    assert "约" not in bars[0] and "约" in bars[1] and bars[2] == bars[0]
