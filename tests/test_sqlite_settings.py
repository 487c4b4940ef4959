"""SQLite's settings on every connection of the app's engine (models/base.py): foreign keys enforced, and a database
file kept in write-ahead-log mode with a full sync at each commit (fast commits, readers not held up by a writer,
a committed change kept through a power cut)."""
import pytest
import sqlalchemy as sa

from models import db


def test_a_database_file_is_in_wal_mode_with_full_sync_and_foreign_keys(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        assert db.engine.url.database not in (None, "", ":memory:")  # the tests' database is a file
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_new_engine_on_an_in_memory_database_stays_in_memory():
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
