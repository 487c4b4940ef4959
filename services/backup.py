"""Backups of the whole register, attachments included (they are stored in the database).

SQLite: SQLite's online backup API (consistent while the app runs) into a single .sqlite3 file.
PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore --clean --if-exists` into the
configured (preferably fresh) database."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from models import data_version, db


class BackupError(RuntimeError):
    pass


def _url():
    return make_url(db.engine.url.render_as_string(hide_password=False))


def _pg_env(url) -> tuple[list[str], dict]:
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432), "--username",
            url.username or "postgres", "--dbname", url.database]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return args, env


def create(target: str | Path) -> Path:
    """Write a backup of the configured database to ``target``."""
    target = Path(target)
    url = _url()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        try:
            destination = sqlite3.connect(target)
            with destination:
                source.backup(destination)
            destination.close()
        finally:
            source.close()
    elif url.get_backend_name() == "postgresql":
        if not shutil.which("pg_dump"):
            raise BackupError("pg_dump is not installed (Debian: postgresql-client)")
        args, env = _pg_env(url)
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args], env=env,
                       check=True, capture_output=True, timeout=3600)
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")
    return target


def restore(source: str | Path) -> None:
    """Replace the configured database's content with the backup ``source``."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    url = _url()
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        backup = sqlite3.connect(source)
        try:
            destination = sqlite3.connect(url.database)
            with destination:
                backup.backup(destination)
            destination.close()
        finally:
            backup.close()
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_env(url)
        result = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                                 *args, str(source)], env=env, capture_output=True, timeout=3600)
        if result.returncode != 0:
            raise BackupError(result.stderr.decode(errors="replace")[-2000:])
    else:
        raise BackupError(f"no restore method for {url.get_backend_name()}")
    _new_epoch()


def _new_epoch() -> None:
    """The restored content is another than the one the app servers kept figures of, under numbers that may repeat:
    a new epoch (models/data_version.py). A backup of an older schema gets its epoch from ``flask db upgrade``."""
    try:
        with db.engine.begin() as connection:
            data_version.new_epoch(connection)
    except sa.exc.DBAPIError:
        pass  # no epoch column yet: the migration that makes it makes a new one
