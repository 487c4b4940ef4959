"""Issue 16, finding 2: a locked login and an unknown user name get the same answer and cost the same work
(one password-hash check), so that neither the words nor the work tell which user names exist."""
import re

import pytest

import models.user

from .conftest import PASSWORD, count_statements, csrf_from


def _login(client, username, password):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def _shape(response, username):
    """The answer with what differs by nature taken out: the CSRF token, the CSP nonce, the name typed."""
    html = response.get_data(as_text=True)
    html = re.sub(r'(name="csrf_token" type="hidden" value=")[^"]+', r"\1…", html)
    html = re.sub(r'nonce-[^\';" ]+|nonce="[^"]+"', "nonce", html)
    html = html.replace(f'value="{username}"', 'value="…"')
    varying = ("Set-Cookie", "Content-Length", "Content-Security-Policy", "Retry-After",
               "X-Request-ID")  # values vary by nature
    headers = sorted((k, "…" if k in varying or k.startswith("X-RateLimit") else v)
                     for k, v in response.headers.items())
    return response.status_code, headers, html


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password-hash check made (the hash it was made against), through the one function all make."""
    checks = []
    original = models.user.check_password_hash

    def spy(pwhash, password):
        checks.append(pwhash)
        return original(pwhash, password)

    monkeypatch.setattr(models.user, "check_password_hash", spy)
    return checks


def _lock(app, username):
    client = app.test_client()
    for _ in range(5):
        assert "用户名或密码" in _login(client, username, "wrong-password").get_data(as_text=True)


@pytest.mark.parametrize("password", ["wrong-password", PASSWORD])
def test_a_locked_user_and_an_unknown_name_get_the_same_answer(app, world, password):
    _lock(app, "editor")
    locked = _login(app.test_client(), "editor", password)
    unknown = _login(app.test_client(), "nobody", password)
    assert _shape(locked, "editor") == _shape(unknown, "nobody")
    assert locked.status_code == 200 and "用户名或密码错误" in locked.get_data(as_text=True)


def test_a_locked_user_and_an_unknown_name_cost_one_hash_check_each(app, world, hash_checks):
    _lock(app, "editor")
    with app.app_context():
        real_hash = db_hash("editor")
    del hash_checks[:]
    _login(app.test_client(), "editor", PASSWORD)
    locked = list(hash_checks)
    del hash_checks[:]
    _login(app.test_client(), "nobody", PASSWORD)
    unknown = list(hash_checks)
    assert len(locked) == len(unknown) == 1, (locked, unknown)
    # The locked login's real hash is not checked (the lock's point), a dummy made the same way is.
    assert real_hash not in locked
    assert locked[0].split("$")[0] == unknown[0].split("$")[0] == real_hash.split("$")[0]


def test_a_locked_user_and_an_unknown_name_run_the_same_statements(app, world):
    """The same work in the database too: the attempt's reservation (which changes no row for either), the
    user's look-up, the audit entry."""
    _lock(app, "editor")
    shapes = []
    for username in ("editor", "nobody"):
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        with count_statements(app) as statements:
            client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        shapes.append([re.sub(r"\s+", " ", s.split(" WHERE")[0]) for s in statements])
    assert shapes[0] == shapes[1]
    assert shapes[0][0].startswith("UPDATE users")


def test_a_wrong_password_costs_the_same_check_as_an_unknown_name(app, world, hash_checks):
    """Positive control: before the lock a real check is made, one per attempt."""
    with app.app_context():
        real_hash = db_hash("editor")
    _login(app.test_client(), "editor", "wrong-password")
    assert hash_checks == [real_hash]


def db_hash(username):
    from models import User, db

    return db.session.query(User.password_hash).filter_by(username=username).scalar()
