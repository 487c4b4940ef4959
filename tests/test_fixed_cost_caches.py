"""What a list page no longer rebuilds on every request (issue 18, item 2) is the same for everyone: a piece kept
between requests never carries one role's or one unit's rows, menu or buttons to another, and follows the
language it was made in. Each case renders a page as one user, then as another, and checks what the second
sees (the first's page filled the caches)."""
import datetime as dt
import json
import re

from flask import g


FILTERS = re.compile(r'<div id="filter-groups-data" class="d-none">(.*?)</div>', re.S)


def filter_groups(html: str) -> dict:
    match = FILTERS.search(html)
    assert match, "the list has no filter data"
    return json.loads(match.group(1))


def test_filter_groups_are_the_same_for_every_role_and_unit(app, login_as):
    dept = login_as("dept_admin").get("/admin/accounts/").get_data(as_text=True)
    unit = login_as("unit_editor").get("/admin/accounts/").get_data(as_text=True)
    other = login_as("other_editor").get("/admin/accounts/").get_data(as_text=True)
    # Made once, served to all: nothing in them names a unit, a row or a user.
    assert filter_groups(dept) == filter_groups(unit) == filter_groups(other)
    for html in (dept, unit, other):
        groups = json.dumps(filter_groups(html), ensure_ascii=False)
        assert "会计学院" not in groups and "校团委" not in groups
        assert "本单位帐号" not in groups and "外单位帐号" not in groups


def test_a_unit_user_after_the_department_sees_only_their_own_rows_and_menu(app, login_as):
    dept = login_as("dept_admin").get("/admin/accounts/").get_data(as_text=True)
    assert "外单位帐号" in dept and "/admin/units/" in dept and "/admin/users/" in dept
    unit = login_as("unit_editor").get("/admin/accounts/").get_data(as_text=True)
    assert "本单位帐号" in unit and "外单位帐号" not in unit
    assert "/admin/units/" not in unit and "/admin/users/" not in unit  # the department's menu stays its own
    # and the department after a unit user still sees every unit
    again = login_as("dept_admin").get("/admin/accounts/").get_data(as_text=True)
    assert "外单位帐号" in again and "/admin/users/" in again


def test_the_bulk_actions_stay_the_departments(app, login_as):
    dept = login_as("dept_admin").get("/admin/accounts/").get_data(as_text=True)
    unit = login_as("unit_editor").get("/admin/accounts/").get_data(as_text=True)
    assert "set_in_matrix" in dept and "set_in_matrix" not in unit


def test_filter_groups_follow_the_language(app, login_as):
    client = login_as("dept_admin")
    zh = filter_groups(client.get("/admin/accounts/?lang=zh_Hans_CN").get_data(as_text=True))
    en = filter_groups(client.get("/admin/accounts/?lang=en").get_data(as_text=True))
    assert zh != en
    assert any("状态" in key for key in zh) and any("Status" in key for key in en)
    assert filter_groups(client.get("/admin/accounts/?lang=zh_Hans_CN").get_data(as_text=True)) == zh


def test_static_urls_follow_the_site_root(app, login_as):
    client = login_as("dept_admin")
    plain = client.get("/admin/accounts/").get_data(as_text=True)
    rooted = client.get("/admin/accounts/", base_url="http://localhost/register").get_data(as_text=True)
    assert 'href="/admin/static/admin/css/bootstrap4/admin.css?v=1.1.1"' in plain
    # The same page under another site root (a reverse proxy's prefix) gets its own URLs, not the first's.
    assert 'href="/register/admin/static/admin/css/bootstrap4/admin.css?v=1.1.1"' in rooted
    assert 'href="/admin/static/' not in rooted


def test_date_text_is_kept_per_language(app):
    from services.text import date_text

    day = dt.date(2026, 11, 25)
    with app.test_request_context("/?lang=zh_Hans_CN"):
        assert date_text(day) == "2026年11月25日"
    with app.test_request_context("/?lang=en"):
        assert date_text(day) == "November 25, 2026"
    with app.test_request_context("/?lang=zh_Hans_CN"):
        assert date_text(day) == "2026年11月25日"
        assert "date_text" not in g  # nothing of it per request


def test_home_figures_and_statements_are_kept_per_role_and_unit(app, world, login_as):
    """The home page's figures and statements (admin/home_figures.py) are kept under the user's scope — role and
    unit — the day and the data version: a unit user after another unit's, a leader after an editor of the same
    unit, the auditor after the department each get their own, never the one the page before filled."""
    from admin.home_figures import figures_kept, statements

    def own_accounts(html):
        return html.split('id="own-accounts"')[1].split("</table>")[0] if 'id="own-accounts"' in html else ""

    def names(html):  # the accounts named by a link anywhere on the page
        return set(re.findall(r'<a href="/admin/accounts/details/\?id=\d+">([^<]+)</a>', html))

    editor = login_as("unit_editor").get("/admin/").get_data(as_text=True)
    assert "本单位帐号" in names(own_accounts(editor)) and "外单位帐号" not in names(editor)
    kept, made = len(figures_kept), len(statements)
    other = login_as("other_editor").get("/admin/").get_data(as_text=True)
    assert "外单位帐号" in names(own_accounts(other)) and "本单位帐号" not in names(other)
    assert len(figures_kept) == kept + 1 and len(statements) > made  # another unit: its own figures and SQL
    leader = login_as("unit_leader").get("/admin/").get_data(as_text=True)
    assert "待您审核" in leader and "待您审核" not in editor  # the same unit, another role: its own cards
    assert len(figures_kept) == kept + 2
    dept = login_as("dept_admin").get("/admin/").get_data(as_text=True)
    assert "待您处理" in dept and 'id="own-accounts"' not in dept
    auditor = login_as("auditor").get("/admin/").get_data(as_text=True)
    assert "待您处理" not in auditor and "需要关注" in auditor
    assert len(figures_kept) == kept + 4
    # and a unit user after the department still sees only their own unit
    again = login_as("unit_editor").get("/admin/").get_data(as_text=True)
    assert "本单位帐号" in names(own_accounts(again)) and "外单位帐号" not in names(again)
    assert len(figures_kept) == kept + 4  # kept: the editor's own figures again


def test_the_kept_home_body_follows_the_language_and_names_no_one(app, world, login_as):
    """The home page's body is kept per scope, day, data version, language and site root: the user's own name is
    in the page's first line, outside it — two users of one unit and role each see their own name."""
    from models import Role, Unit, db

    from .conftest import log_in
    from .factories import make_user

    with app.app_context():
        second = make_user("editor2", Role.unit_editor, db.session.get(Unit, world["own_unit"]))
        second.display_name = "第二编辑"
        db.session.commit()

    def page(client, lang):
        return client.get(f"/admin/?lang={lang}").get_data(as_text=True)

    def body(html):  # after the page's first line (the user's name and the day), before the layout's scripts
        return html.split("</h1>", 1)[1].split("</span>", 1)[1].split("<script", 1)[0]

    client = login_as("unit_editor")
    zh, en = page(client, "zh_Hans_CN"), page(client, "en")
    assert "本单位应办事项" in zh and "What your unit must do" in en and "本单位应办事项" not in en
    assert body(page(client, "zh_Hans_CN")) == body(zh)  # kept (the layout's CSRF token moves with the clock)
    other = page(log_in(app, "editor2"), "zh_Hans_CN")
    assert "第二编辑" in other and "第二编辑" not in zh
    assert body(other) == body(zh)  # the same scope: the same kept body
