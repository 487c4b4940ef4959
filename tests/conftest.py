"""Fixtures: an app on a fresh database built by the Alembic migrations, clean tables for every test (or, in
tests/access/, a world kept between tests and put back after one that wrote: ``keep_world``), a client per
role (``login_as``).
The factories are in tests/factories.py (re-exported here). DATABASE_URL selects PostgreSQL.
docs/testing.md describes the organisation."""
from __future__ import annotations

import collections
import contextlib
import copy
import os
import re
import shutil
import tempfile

import pytest
import sqlalchemy as sa

from app import create_app
from models import Account, AuditLog, Role, Unit, UnitKind, User, db

from .factories import make_responsibility, make_unit_rules  # noqa: F401
from .factories import (PASSWORD, TINY_PDF, make_account, make_assessment, make_attachment,  # noqa: F401
                        make_calendar_day, make_change, make_incident, make_manager, make_publication, make_report,
                        make_unit, make_user,
                        make_violation)


def _database_url(tmpdir: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    return f"sqlite:///{tmpdir}/test.sqlite3"


@pytest.fixture(scope="session")
def app():
    tmpdir = tempfile.mkdtemp(prefix="xmt-test-")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_url(tmpdir),
        "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashing in tests only
        # Thousands of logins from 127.0.0.1; tests/test_hardening.py lowers it to test the throttle.
        "LOGIN_RATE_LIMIT": "1000000 per minute",
    })
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(tmpdir, ignore_errors=True)


# --- what the tables hold between tests ----------------------------------------------------------------
class Tables:
    """The state of the database between two tests. Every test starts on empty tables, except the tests
    that ask for a kept world (the ``kept_world`` fixture of tests/access/): they start on that world, made
    by the same factories as a fresh one and kept for the next test as long as no statement that changes
    data ran (``wrote``). After a test that wrote, the world's rows as the build left them are put back
    (``restore``: every row of every table and the id sequences) instead of building it again.
    A test that keeps no world leaves empty tables behind."""
    kept = None          # the key of the world in the tables; None: the tables are empty
    changed = False      # a statement changed data since the kept world was built or put back
    wrote = False        # a statement that changes data ran (``_note_writes``; reset by the fixtures)
    worlds: dict = {}    # key → (ids, rows as the build left them): what ``restore`` puts back
    builds = collections.Counter()    # worlds built by the factories, by key
    restores = collections.Counter()  # worlds put back after a test that wrote
    reused = collections.Counter()    # tests that started on the kept world as it was


#: XMT_CHECK_KEPT_WORLDS=1: after every test that left a kept world as it was (no write seen), read every
#: table again and compare it with the build (slower; proves that the write detection misses nothing).
CHECK_KEPT_WORLDS = os.environ.get("XMT_CHECK_KEPT_WORLDS") == "1"

#: The first word of a statement that changes data or schema (a WITH: when it contains one of the first three).
_WRITES = re.compile(r"\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*(INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|TRUNCATE|"
                     r"CREATE|DROP|ALTER|COPY|WITH)\b", re.I | re.S)
_DML = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.I)


def _note_writes(conn, cursor, statement, parameters, context, executemany):
    match = _WRITES.match(statement)
    if match and (match.group(1).upper() != "WITH" or _DML.search(statement)):
        Tables.wrote = True


sa.event.listen(sa.engine.Engine, "before_cursor_execute", _note_writes)  # every engine, every connection


def _delete_all(conn) -> None:
    """Every row gone, and on PostgreSQL the id sequences back at 1 (what TRUNCATE … RESTART IDENTITY does,
    without its cost: a quarter of a second on a 2-core machine even for empty tables, against a few ms)."""
    for table in reversed(db.metadata.sorted_tables):
        conn.execute(table.delete())
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                             "FROM pg_sequences WHERE schemaname = current_schema()"))


def empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            _delete_all(conn)
    Tables.kept, Tables.changed = None, False


def _as_stored(column):
    """A JSON column read and written as its text, so that SQL NULL and JSON null stay apart."""
    return isinstance(column.type, sa.JSON)


def dump_tables(app) -> dict:
    """Every row of every table (in id order), and on PostgreSQL the id sequences' positions."""
    with app.app_context(), db.engine.connect() as conn:
        rows = {}
        for table in db.metadata.sorted_tables:
            columns = [sa.cast(c, sa.Text).label(c.name) if _as_stored(c) else c for c in table.c]
            query = sa.select(*columns).order_by(*table.primary_key.columns)
            rows[table.name] = [dict(row) for row in conn.execute(query).mappings()]
        sequences = []
        if conn.dialect.name == "postgresql":
            sequences = [tuple(row) for row in conn.execute(sa.text(
                "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() ORDER BY 1"))]
    return {"rows": rows, "sequences": sequences}


def restore_tables(app, dump: dict) -> None:
    """The tables exactly as ``dump_tables`` found them."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            postgres = conn.dialect.name == "postgresql"
            _delete_all(conn)
            for table in db.metadata.sorted_tables:
                rows = dump["rows"][table.name]
                if not rows:
                    continue
                values = {}
                for c in table.c:
                    if _as_stored(c):
                        text = sa.bindparam(c.name, type_=sa.Text)
                        values[c.name] = sa.cast(text, c.type) if postgres else text
                    else:
                        values[c.name] = sa.bindparam(c.name, type_=c.type)
                conn.execute(table.insert().values(values), rows)
            for name, last_value in dump["sequences"]:
                conn.execute(sa.select(sa.func.setval(name, last_value or 1, last_value is not None)))


def keep_world(app, key, build) -> dict:
    """The world ``key`` made by ``build()`` on empty tables; kept while no test writes, put back as the
    build left it after one that did. A deep copy of its ids."""
    if Tables.wrote:
        Tables.changed = True
    if Tables.kept == key and not Tables.changed:
        Tables.reused[key] += 1
    elif key in Tables.worlds:
        Tables.kept, Tables.changed = key, True  # (until it is back)
        restore_tables(app, Tables.worlds[key][1])
        if not Tables.restores[key]:  # the first time: the rows are exactly those of the build
            assert dump_tables(app) == Tables.worlds[key][1], f"the world {key} was not put back as it was"
        Tables.restores[key] += 1
    else:
        if Tables.kept is not None or Tables.changed:
            empty_tables(app)
        Tables.kept, Tables.changed = key, True  # (until it is built)
        ids = build()
        Tables.worlds[key] = (ids, dump_tables(app))
        Tables.builds[key] += 1
    Tables.changed = Tables.wrote = False
    return copy.deepcopy(Tables.worlds[key][0])


@pytest.fixture(autouse=True)
def clean_tables(app, request):
    keeps = "kept_world" in request.fixturenames
    if not keeps and Tables.kept is not None:
        empty_tables(app)  # a kept world from the tests before: this test starts on empty tables
    Tables.wrote = False
    yield
    from views.matrix import rendered

    rendered.clear()  # the public pages rendered per matrix version (one process serves every test)
    from services.exports import file_cache

    file_cache.clear()
    from admin.home_figures import bodies, bodies_made, figures_kept, ledgers, statements

    ledgers.clear()  # the department's counts per unit
    from services import settings as settings_service

    settings_service._UNDER.clear()  # the settings per data version (the version is put back by hand too)
    figures_kept.clear()  # the home pages' figures per data version (tables are emptied and put back by hand)
    statements.clear()
    bodies.clear()
    bodies_made.clear()
    with app.app_context():
        db.session.remove()
    if not keeps:
        empty_tables(app)
    elif Tables.wrote:
        Tables.changed = True
    elif CHECK_KEPT_WORLDS and Tables.kept is not None and not Tables.changed:
        assert dump_tables(app) == Tables.worlds[Tables.kept][1], "a test changed the world without a write seen"


def pytest_terminal_summary(terminalreporter):
    if Tables.builds:
        built, restored, reused = (sum(c.values()) for c in (Tables.builds, Tables.restores, Tables.reused))
        terminalreporter.write_line(f"kept worlds: {built} built, {restored} put back after a test that wrote, "
                                    f"{reused} tests on a world as it was")


@contextlib.contextmanager
def count_statements(app):
    """The SQL statements the app's engine executes inside the block (a list that fills as they run)."""
    statements = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


# --- worlds -------------------------------------------------------------------------------------------
def build_world(app) -> dict:
    """Two units with a user of every role, and records of each kind in both units."""
    with app.app_context():
        own, other = make_unit("KJXY", "会计学院"), make_unit("TW", "校团委", UnitKind.student_org)
        users = {
            "unit_editor": make_user("editor", Role.unit_editor, own),
            "unit_leader": make_user("leader", Role.unit_leader, own),
            "dept_admin": make_user("dept", Role.dept_admin),
            "auditor": make_user("auditor", Role.auditor),
            "other_editor": make_user("other_editor", Role.unit_editor, other),
        }
        own_account = make_account(own, "本单位帐号")
        other_account = make_account(other, "外单位帐号")
        data = {
            "own_unit": own.id, "other_unit": other.id,
            "own_account": own_account.id, "other_account": other_account.id,
            "own_manager": own_account.team[0].manager_id, "other_manager": other_account.team[0].manager_id,
            "own_admin": own_account.team[1].manager_id,
            "own_report": make_report(own_account).id, "other_report": make_report(other_account).id,
            "users": {k: v.id for k, v in users.items()},
        }
        db.session.commit()
    return data


def build_access_world(app, world: dict) -> dict:
    """``world`` plus a change request, a violation and an assessment in each unit, a calendar day,
    and ``rows[view] = {"own": id, "other": id}`` for every admin view (calendar rows have no unit)."""
    with app.app_context():
        own_account = db.session.get(Account, world["own_account"])
        other_account = db.session.get(Account, world["other_account"])
        own_change, other_change = make_change(own_account), make_change(other_account)
        own_violation, other_violation = make_violation(own_account), make_violation(other_account)
        own_incident, other_incident = make_incident(own_account), make_incident(other_account)
        own_assessment = make_assessment(own_account.unit, own_account)
        other_assessment = make_assessment(other_account.unit, other_account)
        day = make_calendar_day()
        own_publication, other_publication = make_publication(own_account), make_publication(other_account)
        # 第九条, 第十条: each unit's 第一责任人/责任领导 and 新媒体管理制度 (named so that the other unit's show as such).
        own_persons = make_responsibility(own_account.unit, first="本单位书记", leader="本单位领导")
        other_persons = make_responsibility(other_account.unit, first="外单位书记", leader="外单位领导")
        own_rules = make_unit_rules(own_account.unit, "本单位管理办法")
        other_rules = make_unit_rules(other_account.unit, "外单位管理办法")
        db.session.commit()

        def audit_id(account_id):
            return db.session.query(AuditLog.id).filter_by(object_type="Account", object_id=account_id) \
                .order_by(AuditLog.id).limit(1).scalar()

        rows = {
            "accounts": {"own": world["own_account"], "other": world["other_account"]},
            "managers": {"own": world["own_manager"], "other": world["other_manager"]},
            "reports": {"own": world["own_report"], "other": world["other_report"]},
            "changes": {"own": own_change.id, "other": other_change.id},
            "violations": {"own": own_violation.id, "other": other_violation.id},
            "incidents": {"own": own_incident.id, "other": other_incident.id},
            "assessments": {"own": own_assessment.id, "other": other_assessment.id},
            "audit": {"own": audit_id(world["own_account"]), "other": audit_id(world["other_account"])},
            "units": {"own": world["own_unit"], "other": world["other_unit"]},
            "users": {"own": world["users"]["unit_editor"], "other": world["users"]["other_editor"]},
            "calendar": {"own": day.id, "other": day.id},
            "publications": {"own": own_publication.id, "other": other_publication.id},
            "responsibles": {"own": own_persons.id, "other": other_persons.id},
            "unit_rules": {"own": own_rules.id, "other": other_rules.id},
        }
        assert all(pair["own"] and pair["other"] for pair in rows.values()), rows
    return {**world, "rows": rows}


def build_deletable(app, access_world: dict) -> dict:
    """``access_world["rows"]``, with accounts and managers that nothing refers to (so that an allowed
    delete really deletes; the world's accounts have reports, the managers are on teams)."""
    rows = {view: dict(pair) for view, pair in access_world["rows"].items()}
    with app.app_context():
        own, other = db.session.get(Unit, access_world["own_unit"]), db.session.get(Unit, access_world["other_unit"])
        rows["accounts"] = {"own": make_account(own, "本单位帐号草稿", account_id="own-spare").id,
                            "other": make_account(other, "外单位帐号草稿", account_id="other-spare").id}
        rows["managers"] = {"own": make_manager(own, "本单位帐号闲置人员").id,
                            "other": make_manager(other, "外单位帐号闲置人员").id}
        db.session.commit()
    return rows


def build_attachment_world(app, access_world: dict) -> dict:
    """``access_world`` plus one attachment on each unit's account: ``attachments = {"own": id, "other": id}``."""
    with app.app_context():
        own = make_attachment(db.session.get(Account, access_world["own_account"]), "本单位帐号备案表.pdf")
        other = make_attachment(db.session.get(Account, access_world["other_account"]), "外单位帐号备案表.pdf")
        db.session.commit()
        ids = {"own": own.id, "other": other.id}
    return {**access_world, "attachments": ids}


@pytest.fixture
def world(app):
    return build_world(app)


@pytest.fixture
def access_world(app, world):
    return build_access_world(app, world)


@pytest.fixture
def deletable(app, access_world):
    return build_deletable(app, access_world)


@pytest.fixture
def attachment_world(app, access_world):
    return build_attachment_world(app, access_world)


# --- other app servers and Redis -------------------------------------------------------------------------
#: What another app server shares with the test app: the same database, key and test settings.
SERVER_SHARED = ("TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED", "SERVER_NAME",
                 "PASSWORD_HASH_METHOD")


@pytest.fixture
def app_servers(app):
    """``app_servers(**config)`` → another app server: its own process state (Flask app, engine, pool, caches),
    the same database, key and test settings as ``app``, with ``config`` on top; disposed of afterwards."""
    made = []

    def make(**config):
        server = create_app({**{key: app.config[key] for key in SERVER_SHARED}, **config})
        made.append(server)
        return server

    yield make
    for server in made:
        with server.app_context():
            db.session.remove()
            db.engine.dispose()
    from extensions import limiter

    limiter.init_app(app)  # the limiter object is shared: back to the test app's own storage


def redis_database(url: str, variable: str):
    """For a fixture (``yield from``): a client of the Redis database ``url`` (a test's own number), emptied
    before and after; the test is skipped when no Redis answers there (``variable`` names the setting)."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url} (set {variable})")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


# --- logging in ---------------------------------------------------------------------------------------
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
USERNAMES = {"unit_editor": "editor", "unit_leader": "leader", "dept_admin": "dept", "auditor": "auditor",
             "other_editor": "other_editor"}


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1) or match.group(2)


def sign_out(client):
    """Sign out as the user menu does: GET /logout only asks (a link from another site must not sign anyone
    out); the form it shows POSTs with the session's CSRF token. Returns the POST's response."""
    raw = getattr(client, "client", client)
    page = raw.get("/logout")
    if page.status_code != 200:  # not signed in: GET /logout just goes to the login page
        return page
    return raw.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})


class RoleClient:
    def __init__(self, client):
        self.client = client
        self.csrf = None

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, **kw)


def log_in(app, username: str) -> RoleClient:
    """A client with the session a successful POST /login leaves (views/auth.py calls Flask-Login's
    ``login_user``: ``_user_id`` — the id and the password's fingerprint —, ``_fresh`` and ``_id``, the
    "strong" session protection's hash of the client's address and User-Agent), and a CSRF token of that
    session for its forms. Without the three requests, and without what a login writes to the database
    (last_login_at, the audit entry): tests/test_auth.py and tests/test_hardening.py test the login itself,
    over HTTP."""
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):
        user = db.session.query(User).filter_by(username=username).one()
        assert login_user(user), f"{username} may not log in"
        token = generate_csrf()
        state = dict(session)
    with client.session_transaction() as stored:
        stored.update(state)
    rc = RoleClient(client)
    rc.csrf = token
    return rc


@pytest.fixture
def login_as(app, world):
    def _login(role: str) -> RoleClient:
        return log_in(app, USERNAMES[role])

    return _login
