"""Login throttling per address, security headers, password change and policy, idle logins."""
import datetime as dt

import pytest

from models import User, db

from .conftest import PASSWORD, csrf_from


@pytest.fixture
def throttled(app):
    from extensions import limiter

    old = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = "5 per minute"
    limiter.reset()
    yield app
    app.config["LOGIN_RATE_LIMIT"] = old
    limiter.reset()


def test_login_attempts_per_address_are_limited(throttled, world):
    client = throttled.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    codes = [client.post("/login", data={"username": f"nobody{i}", "password": "x", "csrf_token": token}).status_code
             for i in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert "一分钟后再试" in client.post("/login", data={"username": "x", "password": "x", "csrf_token": token}) \
        .get_data(as_text=True)
    other = throttled.test_client()
    elsewhere = {"REMOTE_ADDR": "127.0.0.2"}
    token = csrf_from(other.get("/login", environ_base=elsewhere).get_data(as_text=True))
    ok = other.post("/login", data={"username": "leader", "password": PASSWORD, "csrf_token": token},
                    environ_base=elsewhere)
    assert ok.status_code == 302  # another address logs in normally


@pytest.mark.parametrize("url", ["/login", "/matrix", "/healthz"])
def test_security_headers(app, url):
    headers = app.test_client().get(url).headers
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(app, world):
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "editor", "password": PASSWORD, "csrf_token": token})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _change(client, current, new, repeat=None):
    page = client.get("/account/password")
    return client.post("/account/password", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                  "current": current, "new": new, "repeat": repeat or new})


@pytest.mark.parametrize("current, new, message", [
    ("wrong-password", "good-pass-2026", "当前密码不正确"),
    (PASSWORD, "short1", "至少"),
    (PASSWORD, "onlyletterspassword", "字母和数字"),
    (PASSWORD, "editor-2026-pass", "用户名"),
])
def test_password_change_refuses_bad_passwords(app, world, login_as, current, new, message):
    client = login_as("unit_editor").client
    response = _change(client, current, new)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(User).filter_by(username="editor").one().check_password(PASSWORD)


def test_password_change(app, world, login_as):
    client = login_as("unit_editor").client
    assert _change(client, PASSWORD, "new-pass-2026x").status_code == 302
    with app.app_context():
        assert db.session.query(User).filter_by(username="editor").one().check_password("new-pass-2026x")


def test_idle_logins_are_deactivated(app, world):
    with app.app_context():
        editor = db.session.query(User).filter_by(username="editor").one()
        editor.last_login_at = dt.datetime.now() - dt.timedelta(days=120)
        leader = db.session.query(User).filter_by(username="leader").one()
        leader.last_login_at = dt.datetime.now() - dt.timedelta(days=10)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "deactivate-idle"])
    assert result.exit_code == 0
    with app.app_context():
        assert not db.session.query(User).filter_by(username="editor").one().active
        assert db.session.query(User).filter_by(username="leader").one().active


@pytest.mark.parametrize("url", ["/admin/accounts/?search=a%00b", "/matrix?q=%00", "/matrix/verify?q=x%00"])
def test_nul_bytes_are_refused_cleanly(app, world, login_as, url):
    assert login_as("dept_admin").get(url).status_code == 400


def test_unknown_user_names_cost_a_password_check_too(app, world, monkeypatch):
    """No user enumeration by timing: an unknown name runs the same hash check as a wrong password."""
    import werkzeug.security

    from models import user as user_module

    calls = []
    real = werkzeug.security.check_password_hash
    monkeypatch.setattr(user_module, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    client = app.test_client()
    for username in ("editor", "nobody-by-this-name"):
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"username": username, "password": "wrong-password-1",
                                               "csrf_token": token})
        assert "The user name or password is wrong" in response.get_data(as_text=True) or \
            "用户名或密码错误" in response.get_data(as_text=True)
    assert len(calls) == 2 and calls[1].split("$")[0] == calls[0].split("$")[0]


def test_signed_in_pages_are_not_stored_by_caches(app, access_world, login_as):
    client = login_as("unit_editor")
    for url in ("/admin/", "/admin/accounts/", f"/admin/accounts/details/?id={access_world['own_account']}",
                "/admin/accounts/export/csv/"):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", url
    public = app.test_client().get("/matrix.json")
    assert "public" in public.headers["Cache-Control"]  # the public matrix keeps its own caching


def test_a_new_password_ends_the_users_other_sessions(app, world, login_as):
    """A1/A07: someone who kept a session open elsewhere (a shared office computer) is logged out when the
    password changes; the session that changed it goes on."""
    here, elsewhere = login_as("unit_editor"), login_as("unit_editor")
    assert elsewhere.get("/admin/accounts/").status_code == 200
    new = "Changed-password-2026"
    response = here.post("/account/password", data={"current": PASSWORD, "new": new, "repeat": new})
    assert response.status_code == 302
    assert here.get("/admin/accounts/").status_code == 200
    gone = elsewhere.get("/admin/accounts/")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]


def test_the_current_password_cannot_be_guessed_past_the_lock(app, world, login_as):
    """Review finding: the password-change page checked the current password with neither the login's count nor
    its lock, so a session left open let anyone guess the password without end (and past a lock)."""
    client = login_as("unit_editor").client
    for attempt in range(5):
        assert "当前密码不正确" in _change(client, f"wrong-{attempt}", "good-pass-2026").get_data(as_text=True)
    response = _change(client, PASSWORD, "good-pass-2026")
    assert response.status_code == 200
    with app.app_context():
        editor = db.session.query(User).filter_by(username="editor").one()
        assert editor.check_password(PASSWORD) and editor.locked_until is not None
