"""Login, logout, lock-out, CSRF and safe redirects."""
import pytest

from models import AuditAction, AuditLog, User, db

from .conftest import PASSWORD, csrf_from, sign_out


def _login(client, username, password, next_url=None):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def test_login_page_is_chinese(app):
    html = app.test_client().get("/login").get_data(as_text=True)
    assert "登录" in html and "新媒体帐号备案与管理系统" in html


def test_login_and_logout(app, world):
    client = app.test_client()
    response = _login(client, "editor", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    sign_out(client)
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused_with_a_neutral_message(app, world):
    client = app.test_client()
    for username in ("editor", "nobody"):
        response = _login(client, username, "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码" in response.get_data(as_text=True)
    with app.app_context():
        failed = db.session.query(AuditLog).filter_by(action=AuditAction.login_failed).all()
        assert {entry.username for entry in failed} == {"editor", "nobody"}


def test_login_without_csrf_token_is_refused(app, world):
    client = app.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "editor", "password": PASSWORD})
    assert response.status_code in (200, 400)
    assert client.get("/admin/").status_code == 302


def test_five_failures_lock_the_user_name_but_not_others(app, world):
    client = app.test_client()
    for _ in range(5):
        _login(client, "editor", "wrong-password")
    locked = _login(client, "editor", PASSWORD)
    assert locked.status_code == 200 and "15" not in locked.headers.get("Location", "")
    assert client.get("/admin/").status_code == 302
    other = app.test_client()
    assert _login(other, "leader", PASSWORD).status_code == 302


def test_inactive_user_cannot_log_in(app, world):
    with app.app_context():
        db.session.query(User).filter_by(username="editor").update({"active": False})
        db.session.commit()
    assert _login(app.test_client(), "editor", PASSWORD).status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/", "http://evil.example/", "/\\evil.example",
                                    "https:evil.example", "javascript:alert(1)", "/%0d%0aX"])
def test_unsafe_next_is_not_followed(app, world, target):
    client = app.test_client()
    response = _login(client, "editor", PASSWORD, next_url=target)
    location = response.headers.get("Location", "")
    assert "evil" not in location and "javascript" not in location


def test_safe_next_is_followed(app, world):
    response = _login(app.test_client(), "editor", PASSWORD, next_url="/admin/accounts/")
    assert response.headers["Location"].endswith("/admin/accounts/")


def test_anonymous_admin_redirects_to_login_with_next(app):
    response = app.test_client().get("/admin/accounts/")
    assert response.status_code == 302
    assert "/login?next=/admin/accounts/" in response.headers["Location"]


def test_login_is_audited_with_address(app, world):
    _login(app.test_client(), "editor", PASSWORD)
    with app.app_context():
        entry = db.session.query(AuditLog).filter_by(action=AuditAction.login).one()
        assert entry.username == "editor" and entry.ip == "127.0.0.1"


def test_language_can_be_switched_to_english(app):
    client = app.test_client()
    assert "Log in" in client.get("/login?lang=en").get_data(as_text=True)
    assert "Log in" in client.get("/login").get_data(as_text=True)
    assert "登录" in client.get("/login?lang=zh_Hans_CN").get_data(as_text=True)


@pytest.mark.parametrize("target", ["/a\n", "/\n", "/admin/\r\n"])
def test_a_trailing_line_break_is_no_safe_redirect(app, world, login_as, target):
    """`$` matched before a final newline: the record was saved and the redirect then failed with a 500."""
    from views.auth import is_safe_redirect

    assert not is_safe_redirect(target)
    client = login_as("unit_editor")
    assert client.get("/login", query_string={"next": target}).status_code < 500
    response = client.post("/admin/managers/new/", {"name": "换行测试", "employment_status": "staff",
                                                    "phone": "13800001111"}, query_string={"url": target})
    assert response.status_code < 500


def test_the_site_root_leads_to_the_login_page_when_signed_out(app):
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    follow = client.get(response.headers["Location"])
    assert follow.status_code == 302 and follow.headers["Location"].startswith("/login")
    assert client.get("/", follow_redirects=True).request.path == "/login"


@pytest.mark.parametrize("role", ["unit_editor", "dept_admin", "auditor"])
def test_the_site_root_leads_home_when_signed_in(app, world, login_as, role):
    response = login_as(role).get("/", follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/admin/"
    assert "待办" in response.get_data(as_text=True) or "To do" in response.get_data(as_text=True)


def test_login_page_and_public_matrix_link_to_each_other(app):
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/matrix"' in login and "新媒体矩阵" in login and "官方帐号查验" in login
    matrix = client.get("/matrix").get_data(as_text=True)
    assert 'href="/login"' in matrix and "登录" in matrix
    verify = client.get("/matrix/verify?q=x", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/login"' in verify and 'href="/matrix"' in verify


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Referer": "https://evil.example/page.html"}], ids=["cross-site", "same-site",
                                                                                          "foreign-referer"])
def test_a_get_of_logout_from_another_site_only_asks(app, world, headers):
    """Logout CSRF: an <img src="/logout"> or a link on another site sends a GET; it must not end the session.
    Such a GET shows a form; only its POST, with the session's CSRF token, signs out."""
    client = app.test_client()
    _login(client, "editor", PASSWORD)
    page = client.get("/logout", headers=headers)
    assert page.status_code == 200 and "确定要退出" in page.get_data(as_text=True)
    assert client.get("/admin/").status_code == 200  # still signed in
    assert client.post("/logout", data={}).status_code == 400  # no token: refused by CSRFProtect
    assert client.get("/admin/").status_code == 200
    assert sign_out(client).status_code == 302
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("headers", [{}, {"Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "none"},
                                     {"Referer": "http://localhost/admin/"}],
                         ids=["script", "same-origin", "typed", "own-referer"])
def test_a_get_of_logout_from_this_site_signs_out(app, world, headers):
    """The interface contract: GET|POST /logout — a bookmarked, typed or scripted GET signs out."""
    client = app.test_client()
    _login(client, "editor", PASSWORD)
    response = client.get("/logout", headers=headers)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/admin/").status_code == 302


def test_logout_when_signed_out_goes_to_the_login_page(app):
    response = app.test_client().get("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
