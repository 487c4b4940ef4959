"""The pool's ping as libpq's empty query (models/pool_ping.py): a healthy pooled connection is pinged without
changing it; a connection whose server process is gone is found dead and replaced before the request uses it (the
request succeeds, as docs/faults.md says); the SQLAlchemy and psycopg code it stands on is pinned."""
from __future__ import annotations

import inspect

import pytest
import sqlalchemy as sa

from models import db


def _postgres(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("psycopg's ping: PostgreSQL only")


def _engine(app, **options):
    """An engine of its own on the test database, with the app's pool options and the ping installed."""
    from models import pool_ping

    with app.app_context():
        url = db.engine.url
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=0, **options)
    pool_ping.install(engine)
    return engine


def test_installed_on_postgresql_with_psycopg_only(app):
    with app.app_context():
        dialect = db.engine.dialect
        assert getattr(dialect, "xmt_empty_ping", False) == (dialect.name == "postgresql" and dialect.driver == "psycopg")
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_a_healthy_connection_is_pinged_with_an_empty_query_and_left_as_it_was(app):
    _postgres(app)
    engine = _engine(app)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1")).all()
            raw = conn.connection.driver_connection
            pid = raw.info.backend_pid
        sent = []
        original = raw.pgconn.exec_

        class Watched:
            """The connection's PGconn, noting what is sent through ``exec_``."""
            def __getattr__(self, name):
                return getattr(original.__self__, name)

            def exec_(self, command):
                sent.append(command)
                return original(command)
        before = (raw.autocommit, raw.info.transaction_status)
        assert engine.dialect.do_ping(_Proxy(raw, Watched())) is True
        assert sent == [b";"]
        assert (raw.autocommit, raw.info.transaction_status) == before
        with engine.connect() as conn:  # the same connection again, pinged on checkout, and usable
            assert conn.connection.driver_connection.info.backend_pid == pid
            assert conn.execute(sa.text("SELECT 2")).scalar() == 2
    finally:
        engine.dispose()


class _Proxy:
    """A psycopg connection with another ``pgconn`` (to watch what the ping sends)."""
    def __init__(self, raw, pgconn):
        self._raw, self.pgconn = raw, pgconn

    def __getattr__(self, name):
        return getattr(self._raw, name)


def test_a_connection_whose_server_process_died_is_replaced_before_use(app):
    _postgres(app)
    engine = _engine(app)
    try:
        with engine.connect() as conn:
            pid = conn.connection.driver_connection.info.backend_pid
        with app.app_context():
            with db.engine.connect() as other:
                assert other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        import time

        for _ in range(100):  # the server process ends shortly after the signal
            with app.app_context():
                with db.engine.connect() as other:
                    if not other.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                         {"pid": pid}).scalar():
                        break
            time.sleep(0.05)
        with engine.connect() as conn:  # no error: the ping found it dead, the pool made a new one
            assert conn.execute(sa.text("SELECT 3")).scalar() == 3
            assert conn.connection.driver_connection.info.backend_pid != pid
    finally:
        engine.dispose()


def test_a_connection_in_a_transaction_is_pinged_the_dialects_way(app):
    """Not idle (never so at a checkout, but if it were): the dialect's own ping, with its own answer (psycopg
    refuses to switch autocommit inside a transaction)."""
    import psycopg
    from sqlalchemy.dialects.postgresql import _psycopg_common

    _postgres(app)
    engine = _engine(app)
    try:
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            driver.execute("SELECT 1")  # psycopg began a transaction
            with pytest.raises(psycopg.ProgrammingError) as ours:
                engine.dialect.do_ping(driver)
            with pytest.raises(psycopg.ProgrammingError) as dialects:
                _psycopg_common._PGDialect_common_psycopg.do_ping(engine.dialect, driver)
            assert str(ours.value) == str(dialects.value)
            assert driver.info.transaction_status.name == "INTRANS"
            driver.rollback()
        finally:
            raw.close()
    finally:
        engine.dispose()


def test_the_code_it_relies_on_is_unchanged():
    """The pool calls the dialect's ``do_ping`` through ``_do_ping_w_event``, which turns a driver error on a
    closed or broken connection into False (a new connection); the psycopg dialect's own ping is the one replaced."""
    from sqlalchemy.dialects.postgresql import _psycopg_common, psycopg as sa_psycopg
    from sqlalchemy.engine import default
    from sqlalchemy.pool import base as pool_base

    assert "pool._dialect._do_ping_w_event(" in inspect.getsource(pool_base._ConnectionFairy._checkout)
    event = inspect.getsource(default.DefaultDialect._do_ping_w_event)
    assert "return self.do_ping(dbapi_connection)" in event and "if is_disconnect:\n                return False" in event
    ping = inspect.getsource(_psycopg_common._PGDialect_common_psycopg.do_ping)
    assert "dbapi_connection.autocommit = True" in ping and "cursor.execute(self._dialect_specific_select_one)" in ping
    assert "if connection.closed or connection.broken:" in inspect.getsource(sa_psycopg.PGDialect_psycopg.is_disconnect)
