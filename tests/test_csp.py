"""The Content-Security-Policy (issue #7): scripts only from this site with the request's nonce, so every
page must work without inline event handlers or javascript: links, and every <script> carries the nonce.
Also the list's row icons: edit and delete show only on rows the user may change."""
from __future__ import annotations

import re
from html import unescape

import pytest

from models import Account, AccountStatus, Unit, db

from .conftest import make_account

ROLES = ("unit_editor", "unit_leader", "dept_admin", "auditor")
VIEWS = ("accounts", "managers", "reports", "changes", "violations", "assessments", "audit", "units", "users",
         "calendar")
#: Pages that are not a view's list/details/edit/create (ids filled in from access_world).
OTHER_PAGES = ("/admin/", "/admin/accounts/import/", "/admin/accounts/move/?ids={account}",
               "/admin/accounts/replace-manager/?ids={account}", "/admin/calendar/batch/",
               "/admin/reports/missing/", "/admin/reports/dormant/", "/account/password", "/matrix",
               "/matrix/verify?q=%E6%9C%AC%E5%8D%95%E4%BD%8D", "/admin/accounts/details/?id=999999", "/no-such-page",
               "/admin/units/")

HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)
SCRIPT = re.compile(r"<script\b[^>]*>", re.I)
NONCE_SOURCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'(;|$)")


def script_src(policy: str) -> str:
    return next(d.strip() for d in policy.split(";") if d.strip().startswith("script-src"))


def assert_strict_page(response, url):
    """No inline handler, no javascript: URL, and every <script> carries this response's nonce."""
    html = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in script_src(policy) and "'unsafe-eval'" not in policy, url
    assert not HANDLER.search(html), (url, HANDLER.search(html).group(0))
    assert not JS_URL.search(html), (url, JS_URL.search(html).group(0))
    scripts = SCRIPT.findall(html)
    if scripts:
        match = NONCE_SOURCE.search(policy)
        assert match, (url, policy)
        for tag in scripts:
            assert f'nonce="{match.group(1)}"' in tag, (url, tag)
    return html


def page_urls(w) -> list[str]:
    urls = []
    for view in VIEWS:
        own = w["rows"][view]["own"]
        urls += [f"/admin/{view}/", f"/admin/{view}/details/?id={own}", f"/admin/{view}/edit/?id={own}",
                 f"/admin/{view}/new/"]
    return urls + [page.format(account=w["own_account"]) for page in OTHER_PAGES]


def test_header_has_no_unsafe_inline_and_a_fresh_nonce_per_request(app, access_world, login_as):
    client = login_as("dept_admin")
    nonces = []
    for _ in range(2):
        response = client.get("/admin/accounts/")
        policy = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in script_src(policy) and "'unsafe-eval'" not in policy
        for directive in ("object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "form-action 'self'",
                          "default-src 'self'"):
            assert directive in policy
        nonces.append(NONCE_SOURCE.search(policy).group(1))
        assert f'nonce="{nonces[-1]}"' in response.get_data(as_text=True)
    assert nonces[0] != nonces[1]


def test_pages_without_scripts_get_no_nonce(app):
    policy = app.test_client().get("/healthz").headers["Content-Security-Policy"]
    assert script_src(policy) == "script-src 'self'"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_works_under_the_policy(app, access_world, login_as, role):
    client = login_as(role)
    checked = 0
    for url in page_urls(access_world):
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            continue  # e.g. the edit form of a row the role may not edit sends to its details page
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        assert_strict_page(response, url)
        checked += 1
    assert checked >= 30


def test_anonymous_pages_work_under_the_policy(app, access_world):
    client = app.test_client()
    for url in ("/login", "/matrix", "/matrix/verify?q=x", "/no-such-page", "/matrix/qr/0.img"):
        assert_strict_page(client.get(url), url)


def test_bulk_action_pages_work_under_the_policy(app, access_world, login_as):
    client = login_as("dept_admin")
    response = client.post("/admin/accounts/action/", data={"action": "move", "rowid": access_world["own_account"],
                                                            "url": "/admin/accounts/"}, follow_redirects=True)
    assert response.status_code == 200
    html = assert_strict_page(response, "move")
    assert 'data-confirm="' in html  # moving asks first, in the interface's language


def test_destructive_buttons_ask_for_confirmation_in_chinese(app, access_world, login_as):
    client = login_as("dept_admin")
    with app.app_context():
        db.session.get(Account, access_world["own_account"]).status = AccountStatus.dept_review
        db.session.commit()
    accounts = client.get("/admin/accounts/").get_data(as_text=True)
    assert 'data-model-action="reject"' in accounts and "onclick" not in accounts
    details = client.get(f"/admin/accounts/details/?id={access_world['own_account']}").get_data(as_text=True)
    assert re.search(r'value="reject"\s+class="[^"]*"\s+data-confirm="[^"]*[\u4e00-\u9fff]', details), \
        "the reject button asks for confirmation in Chinese"
    draft_page = client.get("/admin/reports/").get_data(as_text=True)
    assert re.search(r'data-confirm="[^"]*[\u4e00-\u9fff][^"]*"', draft_page)  # delete of a draft report
    importing = client.get("/admin/accounts/import/").get_data(as_text=True)
    assert re.search(r'value="import" data-confirm="[^"]*[\u4e00-\u9fff]', importing)


def test_the_script_is_served(app):
    response = app.test_client().get("/assets/admin.js")
    assert response.status_code == 200 and "data-confirm" in response.get_data(as_text=True)
    assert response.mimetype in ("text/javascript", "application/javascript")


# --- row icons -------------------------------------------------------------------------------------
@pytest.fixture
def rows(app, access_world):
    """In the own unit: a draft account (unit may edit and delete), a returned one (edit only: only drafts
    are deleted) and an approved one (the unit may do neither; the department may edit it)."""
    with app.app_context():
        unit = db.session.get(Unit, access_world["own_unit"])
        ids = {"draft": access_world["own_account"],
               "returned": make_account(unit, "退回帐号", AccountStatus.returned, account_id="ret-1").id,
               "approved": make_account(unit, "已备案帐号", AccountStatus.approved, account_id="ok-1").id,
               "closed": make_account(unit, "已注销帐号", AccountStatus.closed, account_id="cl-1").id}
        db.session.commit()
    return ids


def icons(html: str, row_id: int) -> set[str]:
    found = set()
    if re.search(rf'/admin/accounts/details/\?url=[^"]*&amp;id={row_id}"', html):
        found.add("details")
    if re.search(rf'/admin/accounts/edit/\?url=[^"]*&amp;id={row_id}"', html):
        found.add("edit")
    if re.search(rf'action="/admin/accounts/delete/">\s*<input type="hidden" name="id" value="{row_id}">', html):
        found.add("delete")
    return found


EXPECTED_ICONS = {
    "unit_editor": {"draft": {"details", "edit", "delete"}, "returned": {"details", "edit"},
                    "approved": {"details"}, "closed": {"details"}},
    "unit_leader": {"draft": {"details", "edit", "delete"}, "returned": {"details", "edit"},
                    "approved": {"details"}, "closed": {"details"}},
    "dept_admin": {"draft": {"details", "edit", "delete"}, "returned": {"details", "edit"},
                   "approved": {"details", "edit"}, "closed": {"details"}},
    "auditor": {"draft": {"details"}, "returned": {"details"}, "approved": {"details"}, "closed": {"details"}},
}


@pytest.mark.parametrize("role", ROLES)
def test_row_icons_follow_the_policy(app, rows, login_as, role):
    html = login_as(role).get("/admin/accounts/").get_data(as_text=True)
    assert {state: icons(html, row_id) for state, row_id in rows.items()} == EXPECTED_ICONS[role]


def test_row_links_carry_the_return_url_and_work(app, rows, login_as):
    with app.app_context():
        spare = make_account(db.session.get(Account, rows["draft"]).unit, "无报表草稿", account_id="spare-1").id
        db.session.commit()
    client = login_as("unit_editor")
    html = client.get("/admin/accounts/?sort=0").get_data(as_text=True)
    match = re.search(rf'href="(/admin/accounts/edit/\?url=[^"]*&amp;id={spare})"', html)
    assert match and "sort%3D0" in match.group(1)
    assert client.get(match.group(1).replace("&amp;", "&")).status_code == 200
    # The delete icon's form deletes the draft (and the forged delete of an approved row is still refused).
    form = re.search(rf'<form class="icon" method="POST" action="([^"]+)">\s*<input type="hidden" name="id" '
                     rf'value="{spare}">(.*?)</form>', html, re.S)
    fields = {name: unescape(value)
              for name, value in re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', form.group(2))}
    assert fields["url"].startswith("/admin/accounts/?sort=0") and fields["csrf_token"]
    assert client.client.post(form.group(1), data={"id": spare, **fields}).status_code == 302
    client.post("/admin/accounts/delete/", data={"id": rows["approved"], "url": "/admin/accounts/"})
    with app.app_context():
        assert db.session.get(Account, spare) is None
        assert db.session.get(Account, rows["approved"]) is not None


def test_row_icons_cost_no_query_per_row(app, rows, login_as):
    """The per-row checks read the loaded row only: 4 rows or 40 rows, the same number of queries."""
    import sqlalchemy as sa

    client = login_as("unit_editor")

    def count_queries():
        statements = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/admin/accounts/").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    few = count_queries()
    with app.app_context():
        unit = db.session.get(Unit, rows and db.session.get(Account, rows["draft"]).unit_id)
        for n in range(15):
            make_account(unit, f"多行帐号{n}", account_id=f"many-{n}")
        db.session.commit()
    assert count_queries() == few
