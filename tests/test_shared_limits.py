"""Issue 16, finding 8: with REDIS_URL set, the per-address login limit is counted once for every worker and
server; without it each process counts on its own (README, Configuration). The lock-out lives in the shared
database, so it counts across servers in any case.

Two Flask app objects stand for two servers. The Limiter object is shared by both (one per process), and
creating an app makes it open its storage again: a fresh one for memory://, a new connection to the same
Redis for redis://. So the second app sees the first one's count only when the count is shared."""
import os

import pytest

from models import User, db

from .conftest import csrf_from, redis_database

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture
def redis_db():
    yield from redis_database(REDIS_URL, "TEST_REDIS_URL")


@pytest.fixture
def servers(app_servers):
    """``servers(redis_url)`` → a new app server on the test database with a limit of 5 logins a minute."""
    return lambda redis_url: app_servers(LOGIN_RATE_LIMIT="5 per minute", REDIS_URL=redis_url,
                                         RATELIMIT_STORAGE_URI=None)


def _attempts(server, n, username="nobody"):
    client = server.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return [client.post("/login", data={"username": username, "password": "wrong", "csrf_token": token}).status_code
            for _ in range(n)]


def test_with_redis_two_servers_count_one_login_limit(app, world, redis_db, servers):
    first = servers(REDIS_URL)
    assert first.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    assert _attempts(first, 3) == [200, 200, 200]
    second = servers(REDIS_URL)
    assert _attempts(second, 3) == [200, 200, 429]  # 3 + 2 = the 5 a minute of this address
    assert redis_db.keys("LIMITS*")  # the count is in Redis


def test_without_redis_each_process_counts_alone(app, world, servers):
    """The documented single-server limit: memory:// is per process (the case finding 8 measured)."""
    first = servers(None)
    assert first.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert _attempts(first, 3) == [200, 200, 200]
    assert _attempts(servers(None), 5) == [200] * 5


def test_the_lock_out_counts_across_servers(app, world, servers):
    first, second = servers(None), servers(None)
    for server in (first, second, first, second, first):
        _attempts(server, 1, username="editor")
    with app.app_context():
        user = db.session.query(User).filter_by(username="editor").one()
        assert user.failed_logins == 5 and user.locked_until is not None
