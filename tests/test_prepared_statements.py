"""A transaction that only read ends with COMMIT, so that psycopg keeps the statements it prepared (models/prepared.py):
what it keeps, and that nothing written without a commit is ever kept by it — an ORM flush, a Core statement, a
statement on the driver's own cursor, a failed transaction — plus the psycopg and SQLAlchemy code it stands on."""
from __future__ import annotations

import inspect

import pytest
import sqlalchemy as sa

from models import Unit, UnitKind, db, prepared



def _postgres(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("psycopg's prepared statements: PostgreSQL only")


def _driver_connection():
    return db.session.connection().connection.driver_connection


def _units_named(app, name: str) -> int:
    with app.app_context():
        with db.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(Unit).where(Unit.name == name)).scalar()


def test_a_read_only_request_keeps_the_connections_prepared_statements(app, login_as):
    _postgres(app)
    client = login_as("dept_admin")
    for _ in range(7):  # psycopg prepares a statement at its fifth run on a connection
        assert client.get("/admin/units/").status_code == 200
    with app.app_context():
        raw = _driver_connection()
        prepared_here = db.session.execute(sa.text("SELECT count(*) FROM pg_prepared_statements")).scalar()
        assert raw not in prepared.wrote
    assert prepared_here > 0  # the same connection, after seven requests each ended by the session's removal


def test_a_read_only_transaction_is_committed_and_keeps_its_statements(app):
    _postgres(app)
    with app.app_context():
        for _ in range(6):
            db.session.execute(sa.select(Unit.id).where(Unit.code == sa.bindparam("code")), {"code": "X"}).all()
        raw = _driver_connection()
        names = dict(raw._prepared._names)
        assert names  # prepared at the fifth run
        db.session.remove()  # SQLAlchemy rolls back: a read-only transaction is committed instead
        assert dict(raw._prepared._names) == names  # the connection (back in the pool) still has them


@pytest.mark.parametrize("how", ["orm flush", "core update", "driver cursor", "failed statement"])
def test_what_was_written_without_a_commit_is_rolled_back(app, how):
    """Whatever a transaction wrote, by any way, and then did not commit, is rolled back as before (on SQLite too,
    where nothing is changed)."""
    with app.app_context():
        db.session.add(Unit(code="KEEP", name="已提交单位", kind=UnitKind.college))
        db.session.commit()
        db.session.execute(sa.select(Unit.id)).all()  # a read first: the transaction is not empty of SELECTs
        if how == "orm flush":
            db.session.add(Unit(code="GONE", name="未提交单位", kind=UnitKind.college))
            db.session.flush()
        elif how == "core update":
            db.session.execute(sa.update(Unit).where(Unit.code == "KEEP").values(name="未提交单位"))
        elif how == "driver cursor":
            cursor = db.session.connection().connection.driver_connection.cursor()
            cursor.execute("UPDATE units SET name = '未提交单位' WHERE code = 'KEEP'")
            cursor.close()
        else:
            with pytest.raises(sa.exc.DBAPIError):
                db.session.execute(sa.text("SELECT * FROM no_such_table")).all()
        db.session.remove()
    assert _units_named(app, "未提交单位") == 0
    assert _units_named(app, "已提交单位") == 1


def test_a_copy_on_the_driver_cursor_is_rolled_back(app):
    _postgres(app)
    with app.app_context():
        db.session.execute(sa.select(Unit.id)).all()
        cursor = db.session.connection().connection.driver_connection.cursor()
        with cursor.copy("COPY units (code, name, kind, active, created_at, updated_at) FROM STDIN") as copy:
            copy.write_row(("COPY", "未提交单位", "college", True, "2026-12-01 00:00:00", "2026-12-01 00:00:00"))
        cursor.close()
        db.session.remove()
    assert _units_named(app, "未提交单位") == 0


def test_sqlite_is_left_alone(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        assert not getattr(db.engine.dialect, "xmt_read_commit", False)


def test_the_code_it_stands_on():
    """Pinned: psycopg drops its prepared statements on rollback (the reason), the cursor methods the noting
    cursor overrides, and SQLAlchemy's dialect method that ends a transaction."""
    psycopg = pytest.importorskip("psycopg")
    from psycopg import _connection_base
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    assert "self._prepared.clear()" in inspect.getsource(_connection_base.BaseConnection._rollback_gen)
    assert list(inspect.signature(PGDialect_psycopg.do_rollback).parameters) == ["self", "dbapi_connection"]
    for name, first in (("execute", ["self", "query", "params"]), ("executemany", ["self", "query", "params_seq"]),
                        ("copy", ["self", "statement", "params"]), ("stream", ["self", "query", "params"])):
        assert list(inspect.signature(getattr(psycopg.Cursor, name)).parameters)[:3] == first, name
    assert "self.cursor_factory" in inspect.getsource(psycopg.Connection.cursor)  # what models/prepared.py sets


def test_a_long_statements_conversion_is_kept(app):
    """The home page's long statements are converted to ``$n`` placeholders once per process, not at every run
    (models/prepared.py ``keep_long_conversions``), and the psycopg code that reads the bounds is pinned."""
    psycopg = pytest.importorskip("psycopg")
    from psycopg import _queries

    source = inspect.getsource(_queries.PostgresQuery.convert)
    assert "MAX_CACHED_STATEMENT_LENGTH" in source and "MAX_CACHED_STATEMENT_PARAMS" in source
    assert "_query2pg_nocache" in source and hasattr(_queries._query2pg, "cache_info")
    _postgres(app)
    assert _queries.MAX_CACHED_STATEMENT_LENGTH >= prepared.CONVERTED_LENGTH
    assert _queries.MAX_CACHED_STATEMENT_PARAMS >= prepared.CONVERTED_PARAMS
    names = [f"v{n}" for n in range(60)]  # more parameters than psycopg's own bound (50)
    text = "SELECT " + ", ".join(f"%({name})s::int AS {name}_{'x' * 100}" for name in names)  # over 4 KiB
    assert len(text) > 4096
    values = {name: n for n, name in enumerate(names)}
    with app.app_context():
        raw = _driver_connection()
        with raw.cursor() as cursor:
            cursor.execute(text, values)
            hits = _queries._query2pg.cache_info().hits
            cursor.execute(text, values)
            assert cursor.fetchone()[59] == 59
        assert _queries._query2pg.cache_info().hits == hits + 1
        db.session.rollback()
