"""Issue 16, finding 3: an attempt is counted (atomically, in the database shared by every server) before
the password is checked, so that however many guesses arrive at once, at most 5 are checked against the
real hash. The lock's length and its reset are those of the interface contract (5 failures, 15 minutes)."""
import datetime as dt
import threading
import time

import pytest

import models.user
from models import User, db, utcnow

from .conftest import PASSWORD, csrf_from


def _login(client, username, password, token=None):
    token = token or csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def real_checks(app, monkeypatch):
    """The checks made against ``editor``'s real password hash (the dummy hash's checks are not counted)."""
    with app.app_context():
        real_hash = db.session.query(User.password_hash).filter_by(username="editor").scalar()
    checks = []
    lock = threading.Lock()
    original = models.user.check_password_hash

    def spy(pwhash, password):
        if pwhash == real_hash:
            with lock:
                checks.append(password)
            time.sleep(0.2)  # a real scrypt check takes this long: it widens the window of a race, if any
        return original(pwhash, password)

    monkeypatch.setattr(models.user, "check_password_hash", spy)
    return checks


def _state(app):
    with app.app_context():
        user = db.session.query(User).filter_by(username="editor").one()
        return user.failed_logins, user.locked_until


def test_sequential_guesses_get_five_checks_then_the_lock(app, world, real_checks):
    client = app.test_client()
    for _ in range(8):
        assert _login(client, "editor", "wrong-password").status_code == 200
    assert len(real_checks) == 5
    failures, locked_until = _state(app)
    assert failures == 5
    assert dt.timedelta(minutes=14) < locked_until - utcnow() <= dt.timedelta(minutes=15)
    assert _login(client, "editor", PASSWORD).status_code == 200  # the right password waits too
    assert len(real_checks) == 5


def test_the_lock_ends_after_its_quarter_of_an_hour_and_counting_starts_again(app, world, real_checks):
    client = app.test_client()
    for _ in range(5):
        _login(client, "editor", "wrong-password")
    with app.app_context():
        db.session.query(User).filter_by(username="editor").update(
            {"locked_until": utcnow() - dt.timedelta(seconds=1)})
        db.session.commit()
    for _ in range(4):
        _login(client, "editor", "wrong-password")
    assert _state(app) == (4, None)  # the count started again at the first attempt after the lock
    assert _login(client, "editor", PASSWORD).status_code == 302
    assert _state(app) == (0, None) and len(real_checks) == 10


def test_a_success_clears_the_count(app, world, real_checks):
    client = app.test_client()
    for _ in range(4):
        _login(client, "editor", "wrong-password")
    assert _login(app.test_client(), "editor", PASSWORD).status_code == 302
    assert _state(app) == (0, None)
    for _ in range(4):
        _login(client, "editor", "wrong-password")
    assert _login(app.test_client(), "editor", PASSWORD).status_code == 302  # 4 + 4 failures, never 5 in a row


def test_parallel_guesses_get_at_most_five_checks(app, world, real_checks):
    """16 wrong passwords at once, each request in its own thread with its own database connection: before
    the fix each read failed_logins = 0, and all 16 were checked against the hash."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("parallel requests need PostgreSQL: SQLite serialises writers (DATABASE_URL=postgresql…)")
    parallel = 16
    clients = [app.test_client() for _ in range(parallel)]
    tokens = [csrf_from(c.get("/login").get_data(as_text=True)) for c in clients]
    start = threading.Barrier(parallel)
    codes = [None] * parallel

    def guess(i):
        start.wait()
        codes[i] = _login(clients[i], "editor", f"wrong-{i}", tokens[i]).status_code

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * parallel
    assert len(real_checks) == 5, f"{len(real_checks)} of {parallel} parallel guesses were checked"
    failures, locked_until = _state(app)
    assert failures == 5 and locked_until is not None
    assert _login(app.test_client(), "editor", PASSWORD).status_code == 200  # locked
