"""views/session_cookie.py keeps a session cookie's verified content per cookie text: the same answers as Flask's
own verification — a forged, changed, expired or re-keyed cookie is refused, every user's cookie gives that
user's session, a signed-out session stays signed out — and Flask's code it replaces is pinned by its source."""
from __future__ import annotations

import hashlib
import inspect
import time

from flask import session
from flask.sessions import SecureCookieSessionInterface

from views.session_cookie import KeptCookieSessionInterface

from .conftest import sign_out

#: Flask's open_session, which KeptCookieSessionInterface.open_session does with a memory (start of its SHA-256).
PINNED_OPEN_SESSION = "61f68cced15fcddc"


def _cookie(client, app) -> str:
    cookie = getattr(client, "client", client).get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def _open(app, value: str):
    with app.test_request_context("/", headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={value}"}) as ctx:
        return dict(app.session_interface.open_session(app, ctx.request))


def test_flasks_open_session_is_the_pinned_one():
    source = inspect.getsource(SecureCookieSessionInterface.open_session)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == PINNED_OPEN_SESSION, (
        "Flask's open_session changed: compare it with views/session_cookie.py, then update the pin")


def test_the_app_uses_the_kept_cookie_sessions(app):
    assert isinstance(app.session_interface, KeptCookieSessionInterface)


def test_a_kept_cookie_gives_what_flask_verifies(app, login_as):
    client = login_as("unit_editor")
    client.get("/admin/accounts/")
    value = _cookie(client, app)
    plain = SecureCookieSessionInterface()
    with app.test_request_context("/", headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={value}"}) as ctx:
        expected = dict(plain.open_session(app, ctx.request))
    assert expected.get("_user_id")
    assert _open(app, value) == expected  # verified and kept
    assert _open(app, value) == expected  # from memory
    assert value in app.extensions["xmt_session_cookies"]


def test_a_forged_or_changed_cookie_is_refused_after_the_true_one_was_kept(app, login_as):
    client = login_as("dept_admin")
    client.get("/admin/accounts/")
    value = _cookie(client, app)
    assert _open(app, value).get("_user_id")
    payload, _, signature = value.rpartition(".")
    forged = f"{payload}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}"
    assert _open(app, forged) == {}
    assert _open(app, value[1:]) == {}
    assert _open(app, "") == {}


def test_an_expired_cookie_is_refused_though_it_was_kept(app, login_as, monkeypatch):
    client = login_as("unit_editor")
    client.get("/admin/accounts/")
    value = _cookie(client, app)
    assert _open(app, value).get("_user_id")
    lifetime = app.permanent_session_lifetime.total_seconds()
    later = time.time() + lifetime + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert _open(app, value) == {}


def test_another_secret_key_refuses_a_kept_cookie(app, login_as, monkeypatch):
    client = login_as("unit_editor")
    client.get("/admin/accounts/")
    value = _cookie(client, app)
    assert _open(app, value).get("_user_id")
    monkeypatch.setattr(app, "secret_key", "another key altogether")
    monkeypatch.setitem(app.config, "SECRET_KEY", "another key altogether")
    assert _open(app, value) == {}


def test_each_users_cookie_gives_that_users_session_and_sign_out_holds(app, login_as):
    clients = {role: login_as(role) for role in ("unit_editor", "other_editor", "dept_admin")}
    ids = {}
    for _round in range(2):
        for role, client in clients.items():
            assert client.get("/admin/accounts/").status_code == 200
            ids.setdefault(role, _open(app, _cookie(client, app))["_user_id"])
            assert _open(app, _cookie(client, app))["_user_id"] == ids[role]
    assert len(set(ids.values())) == 3
    client = clients["unit_editor"]
    old = _cookie(client, app)
    sign_out(client)
    assert client.get("/admin/accounts/").status_code in (302, 401, 403)
    # The cookie from before the sign-out, replayed, still names the user, but its session was revoked.
    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], old)
    assert replay.get("/admin/accounts/").status_code in (302, 401, 403)


def test_a_changed_session_is_written_and_read_back(app, login_as):
    client = login_as("unit_editor")
    client.get("/admin/accounts/?lang=zh_Hans_CN")
    before = _cookie(client, app)
    assert _open(app, before)["lang"] == "zh_Hans_CN"
    client.get("/admin/accounts/?lang=en")  # the language is kept in the session: a new cookie
    after = _cookie(client, app)
    assert after != before and _open(app, after)["lang"] == "en"
    assert "Log out" in client.get("/admin/accounts/").get_data(as_text=True)
