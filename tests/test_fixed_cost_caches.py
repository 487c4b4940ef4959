"""What a list page no longer rebuilds on every request (issue 18, item 2) is the same for everyone: a piece kept
between requests never carries one role's or one unit's rows, menu or buttons to another, and follows the
language it was made in. Each case renders a page as one user, then as another, and checks what the second
sees (the first's page filled the caches)."""
import datetime as dt
import json
import re

import sqlalchemy as sa
from flask import g

from models import db


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
    unit, the auditor after the department each get their own, never the one the page before filled (the
    department's and the auditor's: a ledger of counts per unit each, home_figures.Ledger)."""
    from admin.home_figures import figures_kept, ledgers, statements

    def own_accounts(html):
        return html.split('id="own-accounts"')[1].split("</table>")[0] if 'id="own-accounts"' in html else ""

    def names(html):  # the accounts named by a link anywhere on the page
        return set(re.findall(r'<a href="/admin/accounts/details/\?id=\d+">([^<]+)</a>', html))

    editor = login_as("unit_editor").get("/admin/").get_data(as_text=True)
    assert "本单位帐号" in names(own_accounts(editor)) and "外单位帐号" not in names(editor)
    kept, made, ledgers_before = len(figures_kept), len(statements), len(ledgers)
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
    assert len(figures_kept) == kept + 2 and len(ledgers) == ledgers_before + 2
    # and a unit user after the department still sees only their own unit
    again = login_as("unit_editor").get("/admin/").get_data(as_text=True)
    assert "本单位帐号" in names(own_accounts(again)) and "外单位帐号" not in names(again)
    assert len(figures_kept) == kept + 2  # kept: the editor's own figures again


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


def test_a_home_body_made_from_the_same_figures_is_taken_again_never_across_scopes(app, world, login_as):
    """After a write that changes nothing the page shows, the body made from the same figures and rows is taken
    again (``bodies_made``); a write that changes a count makes it again; two units whose pages count the same
    still each get their own (the scope is part of what it is kept under), and so do the editor and the leader of
    one unit."""
    from admin import home_figures
    from models import Account, AccountStatus, data_version, db

    def written(units):  # a committed write that raises the data version and changes nothing shown
        with app.app_context():
            with db.engine.begin() as connection:
                data_version.raise_number(connection, units)

    editor, other = login_as("unit_editor"), login_as("other_editor")
    first = editor.get("/admin/").get_data(as_text=True)
    made = len(home_figures.bodies_made)
    written({world["own_unit"]})
    again = editor.get("/admin/").get_data(as_text=True)
    assert len(home_figures.bodies_made) == made  # taken again: nothing it shows changed
    assert again.split("</h1>", 1)[1].split("<script", 1)[0] == first.split("</h1>", 1)[1].split("<script", 1)[0]
    other_page = other.get("/admin/").get_data(as_text=True)
    assert len(home_figures.bodies_made) == made + 1 and "外单位帐号" in other_page and "外单位帐号" not in first
    assert "待您审核" in login_as("unit_leader").get("/admin/").get_data(as_text=True)  # the leader: its own
    assert len(home_figures.bodies_made) == made + 2
    with app.app_context():
        account = db.session.query(Account).filter_by(unit_id=world["own_unit"]).first()
        account.status = AccountStatus.closed if account.status != AccountStatus.closed else AccountStatus.draft
        db.session.commit()
    changed = editor.get("/admin/").get_data(as_text=True)
    assert len(home_figures.bodies_made) == made + 3 and changed != again  # a count changed: made again


# --- issue 18 item 2, second round: what else is kept between requests -------------------------------------------

UNIT_OPTION = re.compile(r'<select[^>]*id="unit"[^>]*>(.*?)</select>', re.S)


def unit_options(html: str) -> list[str]:
    match = UNIT_OPTION.search(html)
    return re.findall(r"<option[^>]*>([^<]*)</option>", match.group(1)) if match else []


def test_the_unit_drop_down_is_kept_per_scope_and_never_crosses_units(app, world, login_as):
    """The department's 发布报批 form lists every unit (kept between requests; the account form's unit is a search box
    since the province-scale work); a unit user's drop-down of units,
    made from the same cache afterwards, holds only their own unit, whichever user filled it first."""
    from flask_login import login_user

    from admin.fields import _NAMED_ROWS
    from models import Unit, User, policy

    dept = login_as("dept_admin").get("/admin/publications/new/").get_data(as_text=True)
    assert {"会计学院", "校团委"} <= set(unit_options(dept))
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "publications")
    seen = {}
    for username in ("editor", "other_editor", "dept", "editor"):
        with app.test_request_context("/admin/publications/new/"):
            user = db.session.query(User).filter_by(username=username).one()
            login_user(user)
            form = view._create_form_class()  # the class's own unit field, before the policy removes it
            names = [label for _value, label, _selected, _kw in form.unit.iter_choices() if _value != "__None"]
            seen[(username, user.unit_id)] = names
            in_scope = [u.name for u in policy.scope(user, Unit, db.session.query(Unit)).order_by(Unit.code)]
            assert names == in_scope  # what the user's own query gives, though the department's list is cached
            if policy.sees_all_units(user):
                assert {"会计学院", "校团委"} <= set(names)
            else:
                assert "校团委" not in names and "会计学院" not in names or names == [db.session.get(
                    Unit, user.unit_id).name]
            assert [name for _id, name in _NAMED_ROWS.get("units", "name", policy.scope_key(user))] == in_scope
    assert seen[("dept", None)] != seen[("editor", world["own_unit"])]


def test_a_cached_drop_down_is_read_only_for_its_own_scope(app, world):
    """The read behind the cache refuses to fill a scope other than the signed-in user's."""
    import pytest
    from flask_login import login_user

    from admin.fields import _read_named_rows
    from models import User

    with app.test_request_context("/"):
        login_user(db.session.query(User).filter_by(username="editor").one())
        with pytest.raises(RuntimeError):
            _read_named_rows("units", "name", ("dept_admin", None))


def test_a_renamed_unit_shows_at_once_in_the_drop_down(app, world, login_as):
    from models import Unit

    client = login_as("dept_admin")
    assert "会计学院" in unit_options(client.get("/admin/publications/new/").get_data(as_text=True))
    with app.app_context():
        db.session.get(Unit, world["own_unit"]).name = "会计学院（新）"
        db.session.commit()
    options = unit_options(client.get("/admin/publications/new/").get_data(as_text=True))
    assert "会计学院（新）" in options and "会计学院" not in options


def _provisional_marks(html: str) -> int:
    return html.count('class="badge badge-warning provisional"')


def test_the_calendar_years_follow_a_committed_change_at_once(app, world, login_as):
    """The scheduled years are kept between requests (no statement), and a calendar change committed by any code
    of the process — a form, the ORM, raw SQL — drops them: the 暂定 mark goes and comes back at once."""
    from models import Account
    from tests.conftest import count_statements

    from .factories import make_calendar_day

    with app.app_context():
        db.session.get(Account, world["own_account"]).registration_due = dt.date(2031, 1, 6)
        db.session.commit()
    client = login_as("dept_admin")
    assert _provisional_marks(client.get("/admin/accounts/").get_data(as_text=True)) == 1
    with count_statements(app) as statements:
        client.get("/admin/accounts/")
    assert not [s for s in statements if "work_calendar" in s]  # kept: no statement
    with app.app_context():
        make_calendar_day(dt.date(2031, 1, 1))
        db.session.commit()
    assert _provisional_marks(client.get("/admin/accounts/").get_data(as_text=True)) == 0
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM work_calendar"))
    assert _provisional_marks(client.get("/admin/accounts/").get_data(as_text=True)) == 1


def test_an_uncommitted_calendar_change_is_not_kept_for_others(app, world):
    """A transaction that wrote to the calendar reads its own rows, and what it read is not kept for others."""
    from services import workdays

    from .factories import make_calendar_day

    with app.test_request_context("/"):
        before = workdays.scheduled_years()
        make_calendar_day(dt.date(2033, 1, 1))
        assert 2033 in workdays.scheduled_years()  # its own change
        db.session.rollback()
    with app.test_request_context("/"):
        assert workdays.scheduled_years() == before and 2033 not in before


def test_list_labels_follow_the_language(app, world, login_as):
    """Flask-Admin's messages and the column labels, looked up once per language, are each language's own."""
    client = login_as("dept_admin")
    en = client.get("/admin/accounts/?lang=en").get_data(as_text=True)
    zh = client.get("/admin/accounts/?lang=zh_Hans_CN").get_data(as_text=True)
    assert "With selected" in en and "Sort by" in en and "Status" in en
    assert "With selected" not in zh and "Sort by" not in zh and "状态" in zh
    assert client.get("/admin/accounts/?lang=en").get_data(as_text=True).count("Sort by") == en.count("Sort by")


def test_equal_members_of_two_enums_keep_their_own_labels(app):
    """Two enums' "approved" hash alike: the labels kept per request, per language and per badge are each class's
    own (已备案 for an account, 已通过 for a report), in whichever order they are asked."""
    from admin.formatters import badge
    from models import AccountStatus, ReviewStatus
    from services.text import text

    assert hash(AccountStatus.approved) == hash(ReviewStatus.approved)
    for order in ((AccountStatus, ReviewStatus), (ReviewStatus, AccountStatus)):
        with app.test_request_context("/?lang=zh_Hans_CN"):
            first, second = (text(cls.approved) for cls in order)
            assert first != second
            assert {first, second} == {str(AccountStatus.approved.label), str(ReviewStatus.approved.label)}
            assert badge("success", AccountStatus.approved) != badge("success", ReviewStatus.approved)


NONCES = re.compile(r'nonce="([^"]+)"')
TOKEN = re.compile(r'(csrf_token[^>]*value=")[^"]*"')


def _normal(html: str) -> str:
    return TOKEN.sub(r'\1T"', NONCES.sub('nonce="N"', html))


def test_kept_layout_blocks_carry_each_requests_nonce_and_nothing_of_another_user(app, login_as):
    """admin/menu.py ``kept_block``: the layout's static blocks (title, styles, scripts) are rendered once per view,
    language and site root, then written with the request's own CSP nonce: every script of every page carries the
    nonce its Content-Security-Policy header allows, and a page made from kept blocks is the page made afresh."""
    app.extensions.pop("xmt_kept_blocks", None)
    dept, unit = login_as("dept_admin"), login_as("unit_editor")
    pages = []
    for client in (dept, unit, dept):
        response = client.get("/admin/reports/")
        html = response.get_data(as_text=True)
        header = response.headers["Content-Security-Policy"]
        nonces = set(NONCES.findall(html))
        assert len(nonces) == 1 and f"'nonce-{nonces.pop()}'" in header
        pages.append(html)
    assert NONCES.findall(pages[0])[0] != NONCES.findall(pages[2])[0]  # a nonce per request, never a kept one
    assert app.extensions["xmt_kept_blocks"]
    assert _normal(pages[0]) == _normal(pages[2])
    # the unit user's page after the department's: their own name and unit, the same kept styles and scripts
    assert "会计学院" in pages[1] and _normal(pages[1]).count("<script") == _normal(pages[0]).count("<script")
    kept = "".join(app.extensions["xmt_kept_blocks"].values())
    assert "csrf_token" not in kept and "会计学院" not in kept and "nonce=\"" + NONCES.findall(pages[2])[0] not in kept
    app.extensions.pop("xmt_kept_blocks")
    assert _normal(dept.get("/admin/reports/").get_data(as_text=True)) == _normal(pages[2])


def test_kept_layout_blocks_follow_the_language(app, login_as):
    client = login_as("dept_admin")
    zh = client.get("/admin/reports/?lang=zh_Hans_CN").get_data(as_text=True)
    en = client.get("/admin/reports/?lang=en").get_data(as_text=True)
    assert "<title>" in zh and zh.split("<title>")[1].split("</title>")[0] != en.split("<title>")[1].split("</title>")[0]
    assert "moment-zh-cn.js" in zh and "moment-zh-cn.js" not in en
    assert "moment-zh-cn.js" in client.get("/admin/reports/?lang=zh_Hans_CN").get_data(as_text=True)


def test_the_user_menu_is_the_signed_in_users_own(app, login_as):
    """admin/menu.py ``user_menu`` writes the navigation bar's user menu per request: each user's own name, role and
    unit, the words in the page's language, and a sign-out form whose token signs out."""
    from models import User

    from .conftest import USERNAMES

    menu = re.compile(r'id="user-menu".*?</ul>', re.S)
    with app.app_context():
        people = {role: db.session.query(User).filter_by(username=USERNAMES[role]).one()
                  for role in ("dept_admin", "unit_editor", "other_editor")}
        expected = {role: (u.display_name, str(u.role.label), u.unit.name if u.unit else None)
                    for role, u in people.items()}
    for role in ("unit_editor", "dept_admin", "other_editor"):
        client = login_as(role)
        html = menu.search(client.get("/admin/reports/").get_data(as_text=True)).group(0)
        name, label, unit = expected[role]
        assert name in html and label in html and "退出登录" in html
        assert (f" · {unit}" in html) if unit else (" · " not in html)
        assert f'<i class="fa fa-user"></i> {name}\n' in html
        english = menu.search(client.get("/admin/reports/?lang=en").get_data(as_text=True)).group(0)
        assert "Log out" in english and "Change password" in english
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code in (302, 303)
    assert client.get("/admin/reports/").status_code in (302, 401, 403)


def test_the_kept_step_bar_is_each_roles_own(app, login_as):
    """admin/list_bar.py ``bulk_toolbar`` keeps the step buttons above a list per steps offered and language: a role
    never gets the buttons of the role that filled the store before it, and each language has its own words."""
    bar = re.compile(r'<div class="bulk-steps.*?</div>', re.S)
    offered = {"dept_admin": {"approve", "reject"}, "unit_editor": {"submit"}, "unit_leader": {"confirm", "reject", "submit"}}
    for _round in range(2):  # the second round is served from the kept store
        for role, steps in offered.items():
            html = login_as(role).get("/admin/reports/").get_data(as_text=True)
            match = bar.search(html)
            assert match is not None, role
            shown = set(re.findall(r'data-model-action="(\w+)"', match.group(0)))
            assert shown == steps, role
    english = bar.search(login_as("dept_admin").get("/admin/accounts/?lang=en").get_data(as_text=True))
    assert english is not None and "Select this page" in english.group(0)
    kept = app.extensions["xmt_bulk_toolbars"]
    assert all("csrf" not in str(html) and "会计学院" not in str(html) for html in kept.values())
    assert {key[0] for key in kept} >= {"zh_Hans_CN", "en"}


def test_kept_badges_and_platform_texts_follow_the_language(app, login_as):
    """admin/formatters.py ``badge`` and services/text.py ``platform_text`` are kept per language for the process: a
    page in one language never shows the other's words, whichever language filled them first."""
    badge = re.compile(r'<span class="badge badge-\w+">([^<]*)</span>')
    client = login_as("dept_admin")
    pages = {lang: client.get(f"/admin/reports/?lang={lang}").get_data(as_text=True) for lang in ("en", "zh_Hans_CN")}
    english, chinese = (set(badge.findall(pages[lang])) for lang in ("en", "zh_Hans_CN"))
    assert english and chinese and not english & chinese
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in chinese)
    assert not any(re.search(r"[\u4e00-\u9fff]", label) for label in english)
    again = client.get("/admin/reports/?lang=en").get_data(as_text=True)
    assert set(badge.findall(again)) == english
    assert ("微信公众号" in pages["zh_Hans_CN"]) == ("WeChat" in pages["en"])


def test_the_kept_search_placeholder_follows_the_language(app, login_as):
    """admin/listing.py ``search_placeholder``: Flask-Admin's text, kept per view and language."""
    from flask_babel import force_locale

    placeholder = re.compile(r'name="search"[^>]*placeholder="([^"]*)"')
    client = login_as("unit_editor")
    seen = {}
    for lang in ("en", "zh_Hans_CN", "en"):
        html = client.get(f"/admin/accounts/?lang={lang}").get_data(as_text=True)
        seen.setdefault(lang, placeholder.search(html).group(1))
        assert placeholder.search(html).group(1) == seen[lang]
    assert seen["en"] != seen["zh_Hans_CN"]
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "accounts")
    for lang in ("en", "zh_Hans_CN"):
        with app.test_request_context(f"/?lang={lang}"), force_locale(lang):
            from flask_admin.contrib.sqla.view import ModelView

            assert view.search_placeholder() == ModelView.search_placeholder(view)


def test_kept_action_texts_follow_the_language_and_actions_stay_the_roles(app, login_as):
    """admin/listing.py ``get_actions_list``: the actions' names kept per view and language; which actions a user
    is offered is still asked on every request."""
    dept = login_as("dept_admin")
    zh = dept.get("/admin/accounts/?lang=zh_Hans_CN").get_data(as_text=True)
    en = dept.get("/admin/accounts/?lang=en").get_data(as_text=True)
    assert 'data-model-action="approve"' in zh
    assert "审核通过" in zh and "Approve" in en and "审核通过" not in en
    unit = login_as("unit_editor").get("/admin/accounts/?lang=en").get_data(as_text=True)
    assert "set_in_matrix" in en and "set_in_matrix" not in unit and 'data-model-action="approve"' not in unit


def test_a_pages_cells_are_made_once_per_value_only_where_the_value_is_all_they_show(app):
    """admin/list_rows.py ``cell_html_function``: within one page, a cell that depends only on its value is made
    once per distinct value; a formatter that reads the rest of the row is asked for every row; nothing outlives
    the page (each page makes its functions afresh)."""
    from types import SimpleNamespace

    from admin.formatters import value_only
    from admin.list_rows import cell_html_function

    calls = []

    @value_only
    def by_value(_view, _context, model, name):
        calls.append(("value", getattr(model, name)))
        return f"<{getattr(model, name)}>"

    def by_row(_view, _context, model, name):
        calls.append(("row", model.other))
        return f"{getattr(model, name)}/{model.other}"

    view = SimpleNamespace(column_formatters={"state": by_value, "mixed": by_row}, _column_choices_map={},
                           column_type_formatters={})
    rows = [SimpleNamespace(state=s, mixed=s, other=i) for i, s in enumerate(["a", "b", "a", "a", "b"])]
    with app.test_request_context("/"):
        state, mixed = cell_html_function(view, "state"), cell_html_function(view, "mixed")
        assert [state(r) for r in rows] == ["&lt;a&gt;", "&lt;b&gt;", "&lt;a&gt;", "&lt;a&gt;", "&lt;b&gt;"]
        assert [mixed(r) for r in rows] == ["a/0", "b/1", "a/2", "a/3", "b/4"]
        assert [c for c in calls if c[0] == "value"] == [("value", "a"), ("value", "b")]
        assert len([c for c in calls if c[0] == "row"]) == 5
        again = cell_html_function(view, "state")  # the next page: made afresh
        again(rows[0])
        assert [c for c in calls if c[0] == "value"][-1] == ("value", "a") and len(calls) == 8


def test_kept_loader_options_name_attributes_only(app, login_as):
    """admin/eager.py: the options kept for the list queries are each the option of one model attribute, equal to
    one made afresh — nothing of the user, the unit or the request who made it first — and a unit user after the
    department still sees only the unit's rows."""
    from sqlalchemy import orm

    from admin import eager

    dept = login_as("dept_admin")
    for name in ("accounts", "reports", "changes", "violations", "managers", "audit"):
        assert dept.get(f"/admin/{name}/").status_code == 200
    unit = login_as("unit_editor").get("/admin/accounts/").get_data(as_text=True)
    assert "本单位帐号" in unit and "外单位帐号" not in unit
    assert eager._KEPT
    with app.app_context():
        for (kind, ident), (attribute, option) in list(eager._KEPT.items()):
            assert ident == id(attribute) and getattr(attribute.class_, attribute.key) is attribute
            fresh = getattr(orm, kind)(attribute)
            assert option._generate_cache_key() == fresh._generate_cache_key()
