"""Issue 18 item 2: values read from rarely changed tables (the calendar's scheduled years, the units of a drop-down)
are kept between requests (services/table_cache.py) — in Redis with REDIS_URL, shared by every server, else in the
process. Two Flask app objects on the test database stand for two app servers (as in tests/test_shared_limits.py):
a calendar change committed on one is seen at once by the other."""
import datetime as dt
import os

import pytest

from models import db
from services import table_cache, workdays

from .conftest import redis_database
from .factories import make_calendar_day

REDIS_URL = os.environ.get("TEST_CACHE_REDIS_URL", "redis://127.0.0.1:6379/8")


@pytest.fixture
def redis_db():
    yield from redis_database(REDIS_URL, "TEST_CACHE_REDIS_URL")


@pytest.fixture
def servers(app_servers):
    return lambda redis_url: app_servers(REDIS_URL=redis_url, RATELIMIT_STORAGE_URI="memory://")


def years(server):
    with server.test_request_context("/"):
        return workdays.scheduled_years()


def add_day(server, day):
    with server.test_request_context("/"):
        make_calendar_day(day)
        db.session.commit()


@pytest.mark.parametrize("shared", [True, False], ids=["redis", "process"])
def test_a_calendar_change_on_one_server_is_seen_by_the_other_at_once(app, request, servers, shared):
    redis_url = request.getfixturevalue("redis_db") and REDIS_URL if shared else None
    first, second = servers(redis_url), servers(redis_url)
    assert years(first) == years(second) == frozenset()
    add_day(second, dt.date(2031, 1, 1))
    assert years(first) == frozenset({2031})  # what first had kept was dropped by second's commit
    add_day(first, dt.date(2032, 1, 1))
    assert years(second) == years(first) == frozenset({2031, 2032})


def test_with_redis_the_years_are_read_once_for_all_servers(app, redis_db, servers):
    from tests.conftest import count_statements

    first, second = servers(REDIS_URL), servers(REDIS_URL)
    add_day(first, dt.date(2031, 1, 1))
    assert years(first) == frozenset({2031})
    with count_statements(second) as statements:
        assert years(second) == frozenset({2031})
    assert not [s for s in statements if "work_calendar" in s]  # from Redis: no statement
    assert any(b"scheduled_years" in key for key in redis_db.keys("xmt:cache:*"))


def test_a_slow_reader_never_puts_back_what_a_commit_dropped(app, redis_db, servers, monkeypatch):
    """A server that read the years before another server's commit, and stores them after it, stores nothing."""
    first, second = servers(REDIS_URL), servers(REDIS_URL)
    read = workdays._SCHEDULED_YEARS.read

    def read_then_commit_elsewhere():
        value = read()
        add_day(second, dt.date(2034, 1, 1))  # lands between the read and the store
        return value

    monkeypatch.setattr(workdays._SCHEDULED_YEARS, "read", read_then_commit_elsewhere)
    assert years(first) == frozenset()  # what it read
    monkeypatch.setattr(workdays._SCHEDULED_YEARS, "read", read)
    assert years(first) == frozenset({2034})  # not the stale value: it was never stored


def test_without_a_reachable_redis_the_database_is_read(app, servers):
    server = servers("redis://127.0.0.1:1/0")  # nothing listens there
    add_day(server, dt.date(2031, 1, 1))
    assert years(server) == frozenset({2031})


def test_a_value_is_kept_no_longer_than_the_configured_seconds(app, servers, monkeypatch):
    """Without Redis, a change this process cannot see (another process's, here a raw DB-API write) shows once the
    entry's TABLE_CACHE_LOCAL_SECONDS are up (the README: several servers need REDIS_URL)."""
    import time

    server = servers(None)
    assert years(server) == frozenset()
    with server.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("INSERT INTO work_calendar (day, kind, name, source, created_at, updated_at) "
                           "VALUES ('2035-01-01', 'holiday', 'x', 'manual', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
            raw.commit()
        finally:
            raw.close()
    assert years(server) == frozenset()  # kept: not seen yet
    later = time.monotonic() + server.config["TABLE_CACHE_LOCAL_SECONDS"] + 1
    monkeypatch.setattr(table_cache.time, "monotonic", lambda: later)
    assert years(server) == frozenset({2035})
