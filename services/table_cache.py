"""Values read from a few tables that change rarely, kept between requests and dropped when those tables change.

A page asked, on every request, for things that change a few times a year (the years whose holiday schedule has
been entered: ``SELECT DISTINCT year FROM work_calendar``, some 800 rows). A :class:`TableCache` keeps such a
value and drops it as soon as a write to one of its tables is committed — by any code of this process: every
statement the app's engine sends is looked at (a write naming the table marks the connection; its commit drops
the value), whether it came from a form, an import, a CLI command or raw SQL.

Where it is kept:

* with ``REDIS_URL`` set, in Redis, shared by every worker and app server: a commit on one server drops the value
  for all of them at once. A value read from the database is stored only if no commit dropped it in between (a
  generation number, compared and set in one Lua script), so a slow reader never puts back an old value.
* without Redis, in this process, per database. Another process that changes the table is then not seen until
  ``TABLE_CACHE_LOCAL_SECONDS`` have passed: **several workers or app servers need REDIS_URL** (README,
  Configuration). A value is kept at most ``TABLE_CACHE_SECONDS`` in either place (a safety net for writes made
  outside the app, e.g. with psql).

If Redis cannot be reached, the value is read from the database (as before) and a warning is logged.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app

log = logging.getLogger(__name__)

#: Every cache made, by name (init_app watches their tables on each app's engine).
CACHES: dict[str, "TableCache"] = {}

_LOCAL: dict[tuple[str, str], tuple[int, float, dict]] = {}  # (database, name) -> (generation, expires, {key: value})
_GENERATION: dict[tuple[str, str], int] = {}  # (database, name) -> commits that dropped it in this process
_LOCK = threading.Lock()

#: Stores the value (field ARGV[2] of the hash) read at generation ARGV[1] unless a commit moved it on since.
_SET_IF_SAME_GENERATION = """
if (redis.call('GET', KEYS[1]) or '') == ARGV[1] then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
  if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4])) end
  return 1
end
return 0
"""


class TableCache:
    """``read(*key)`` (a JSON-able value from ``tables``), kept per key until a write to one of the tables is
    committed. ``key``: a tuple of JSON-able parts (e.g. whose rows: policy.scope_key), or none."""

    def __init__(self, name: str, tables: tuple[str, ...], read: Callable[..., object],
                 load: Callable[[object], object] = lambda value: value):
        self.name, self.tables, self.read, self.load = name, tables, read, load
        CACHES[name] = self

    def get(self, *key):
        app = current_app._get_current_object()
        if self._written_here():
            return self.load(self.read(*key))  # this transaction changed the table: its own rows, not the cache
        database = _database_key(app)
        redis = shared_redis(app)
        if redis is not None:
            try:
                return self._get_shared(app, redis, database, key)
            except Exception as exc:  # noqa: BLE001 — any Redis failure: read the database, as without a cache
                log.warning("table cache %s: Redis unavailable (%s); reading the database", self.name, exc)
                return self.load(self.read(*key))
        return self._get_local(app, database, key)

    def _written_here(self) -> bool:
        """Whether the session's open transaction has written to one of the tables (not committed yet)."""
        from models import db

        session = db.session()
        if not session.in_transaction():
            return False
        written = session.connection().info.get("xmt_written_tables")
        return bool(written and written.intersection(self.tables))

    def _get_local(self, app, database: str, key: tuple):
        slot = (database, self.name)
        now = time.monotonic()
        generation = _GENERATION.get(slot, 0)
        entry = _LOCAL.get(slot)
        if entry is not None and entry[0] == generation and entry[1] > now and key in entry[2]:
            return entry[2][key]
        value = self.load(self.read(*key))
        if self._written_here():  # the read flushed this transaction's own changes: not for others
            return value
        with _LOCK:
            if _GENERATION.get(slot, 0) == generation:  # no commit dropped it while it was read
                entry = _LOCAL.get(slot)
                if entry is None or entry[0] != generation or entry[1] <= now:
                    seconds = min(app.config["TABLE_CACHE_SECONDS"], app.config["TABLE_CACHE_LOCAL_SECONDS"])
                    entry = _LOCAL[slot] = (generation, now + seconds, {})
                if len(entry[2]) < _MAX_KEYS:
                    entry[2][key] = value
        return value

    def _get_shared(self, app, redis, database: str, key: tuple):
        value_key, generation_key = _redis_keys(database, self.name)
        field = json.dumps(key)
        stored = redis.hget(value_key, field)
        if stored is not None:
            return self.load(json.loads(stored))
        generation = redis.get(generation_key) or b""
        raw = self.read(*key)
        if self._written_here():
            return self.load(raw)
        redis.eval(_SET_IF_SAME_GENERATION, 2, generation_key, value_key, generation, field,
                   json.dumps(raw), int(app.config["TABLE_CACHE_SECONDS"]))
        return self.load(raw)


#: Keys one cache keeps at most in this process (units' scopes: one per unit and one for the department).
_MAX_KEYS = 5000


def invalidate(app, tables) -> None:
    """Drop every cached value read from ``tables`` (here and, with Redis, on every server)."""
    database = _database_key(app)
    names = [cache.name for cache in CACHES.values() if set(cache.tables) & set(tables)]
    with _LOCK:
        for name in names:
            key = (database, name)
            _GENERATION[key] = _GENERATION.get(key, 0) + 1
            _LOCAL.pop(key, None)
    redis = shared_redis(app)
    if redis is not None and names:
        try:
            pipe = redis.pipeline(transaction=True)
            for name in names:
                value_key, generation_key = _redis_keys(database, name)
                pipe.incr(generation_key)
                pipe.delete(value_key)
            pipe.execute()
        except Exception as exc:  # noqa: BLE001
            log.error("table cache: could not drop %s in Redis (%s): other servers keep it at most %s s",
                      names, exc, app.config["TABLE_CACHE_SECONDS"])


def init_app(app) -> None:
    """Watch the app's engine: a committed write to a cached table drops what was read from it."""
    app.config.setdefault("TABLE_CACHE_SECONDS", 3600)
    app.config.setdefault("TABLE_CACHE_LOCAL_SECONDS", 60)
    from models import db

    with app.app_context():
        engine = db.engine
    if getattr(engine, "_xmt_table_cache_watched", False):
        return
    engine._xmt_table_cache_watched = True

    def note_write(conn, _cursor, statement, _parameters, _context, _executemany):
        if statement[:6].upper() in ("SELECT", "SAVEPO", "RELEAS", "PRAGMA"):
            return
        tables = {table for cache in CACHES.values() for table in cache.tables if table in statement}
        if tables:
            conn.info.setdefault("xmt_written_tables", set()).update(tables)
            if not conn.in_transaction():  # autocommit: it is committed already
                invalidate(app, conn.info.pop("xmt_written_tables"))

    def committed(conn):
        tables = conn.info.pop("xmt_written_tables", None)
        if tables:
            invalidate(app, tables)

    def rolled_back(conn):
        if conn.invalidated:  # a cut connection: its info went with it (reading it would raise)
            return
        conn.info.pop("xmt_written_tables", None)

    sa.event.listen(engine, "after_cursor_execute", note_write)
    sa.event.listen(engine, "commit", committed)
    sa.event.listen(engine, "rollback", rolled_back)


def shared_redis(app):
    """The app's Redis client (REDIS_URL), or None: made once per app."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    client = app.extensions.get("xmt_redis")
    if client is None or app.extensions.get("xmt_redis_url") != url:
        import redis

        client = app.extensions["xmt_redis"] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        app.extensions["xmt_redis_url"] = url
    return client


def _database_key(app) -> str:
    """Which database a value was read from (two apps on one database share it; another database has its own)."""
    key = app.extensions.get("xmt_database_key")
    if key is None:
        from models import db

        with app.app_context():
            url = db.engine.url.render_as_string(hide_password=True)
        key = app.extensions["xmt_database_key"] = hashlib.sha1(url.encode()).hexdigest()[:16]
    return key


def _redis_keys(database: str, name: str) -> tuple[str, str]:
    return f"xmt:cache:{database}:{name}", f"xmt:cache:{database}:{name}:generation"
