"""`flask --app wsgi bench seed --scale S`: load the benchmark world into the configured database.

Rows go straight into the tables the migrations built (reflected from the database, so a column the
migrations do not have is an error, not a silent drift): COPY on PostgreSQL (psycopg ``cursor.copy``),
``insert()`` executemany in batches of 10,000 on SQLite, everything in one transaction. The ORM, its
audit hooks and the per-row rules are bypassed on purpose; the generator keeps the rules itself
(one head per team, 第八条 staff for verified accounts, approved ⇒ approved_at, unique platform ids …).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import time

import click
import sqlalchemy as sa
from flask import current_app
from werkzeug.security import generate_password_hash

from models import data_version, db
from models.base import SQLITE_SEARCH_TABLE

from . import data, sqlgen
from .history import audit_rows, calendar_rows
from .world import World

#: Parents before children.
ORDER = ["units", "users", "managers", "work_calendar", "accounts", "account_team", "monthly_reports",
         "change_records", "violations", "assessments", "attachments", "audit_log"]


class Loader:
    def __init__(self, conn: sa.Connection):
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.meta = sa.MetaData()
        self.meta.reflect(bind=conn)
        self.quote = conn.dialect.identifier_preparer.quote

    def check(self, name: str, cols: tuple | None = None) -> sa.Table:
        table = self.meta.tables.get(name)
        if table is None:
            raise click.ClickException(f"Table {name} is missing: run `flask --app wsgi db upgrade` first.")
        if cols is None:
            return table
        unknown = set(cols) - set(table.c.keys())
        required = {c.name for c in table.c if not c.nullable and c.server_default is None
                    and not (c.primary_key and c.autoincrement)} - set(cols)
        if unknown or required:
            raise click.ClickException(f"{name}: the seed and the migrations disagree (unknown columns "
                                       f"{sorted(unknown)}, missing required columns {sorted(required)}).")
        return table

    def insert_select(self, name: str, cols: tuple, sql: str) -> int:
        """PostgreSQL: the rows made by one INSERT … SELECT (bench/sqlgen.py), the indexes built afterwards."""
        self.check(name, cols)
        rebuild = self.drop_secondary_indexes(name)
        with self.without_triggers(), self.conn.connection.driver_connection.cursor() as cursor:
            cursor.execute(sql)  # (no parameters: psycopg leaves the % of the SQL alone)
            count = cursor.rowcount
        for definition in rebuild:
            self.conn.exec_driver_sql(definition)
        return count

    @contextlib.contextmanager
    def without_triggers(self):
        """PostgreSQL, as a superuser: the foreign keys' per-row checks off during a load (the generator makes the
        references itself: every id it writes is one it loaded before). Otherwise they stay on."""
        superuser = self.postgres and self.conn.exec_driver_sql(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
        if superuser:
            self.conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield  # (an error aborts the transaction, and SET LOCAL ends with it)
        if superuser:
            self.conn.exec_driver_sql("SET LOCAL session_replication_role = origin")

    def load(self, name: str, cols: tuple, rows, batch: int = 10_000) -> int:
        table = self.check(name, cols)
        json_at = [i for i, c in enumerate(cols) if isinstance(table.c[c].type, sa.JSON)]
        count = 0
        if self.postgres:
            rebuild = self.drop_secondary_indexes(name)
            column_list = ", ".join(self.quote(c) for c in cols)
            with self.without_triggers(), self.conn.connection.driver_connection.cursor() as cursor:
                with cursor.copy(f"COPY {self.quote(name)} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        if json_at:
                            row = list(row)
                            for i in json_at:
                                if row[i] is not None:
                                    row[i] = json.dumps(row[i], ensure_ascii=False)
                        copy.write_row(row)
                        count += 1
            for definition in rebuild:  # one sort per index instead of an index update per row
                self.conn.exec_driver_sql(definition)
            return count
        insert, chunk = table.insert(), []
        for row in rows:
            chunk.append(dict(zip(cols, row)))
            if len(chunk) >= batch:
                self.conn.execute(insert, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            self.conn.execute(insert, chunk)
            count += len(chunk)
        return count

    def drop_secondary_indexes(self, name: str) -> list[str]:
        """PostgreSQL: drop the table's indexes that no constraint owns (the trigram GIN indexes, the list
        indexes) and return their definitions, to be built again once the rows are in. Updating eight indexes
        (two of them GIN) row by row made the 10 million audit rows of scale 10 a matter of hours; building
        them afterwards takes minutes. Inside the table's transaction: a failure leaves them as they were. The
        unique constraints other than the primary key (and that no foreign key refers to) go the same way."""
        table = self.quote(name)
        rows = self.conn.exec_driver_sql(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %(table)s::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            {"table": table}).all()
        unique = self.conn.exec_driver_sql(
            "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid = %(table)s::regclass AND c.contype = 'u' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)",
            {"table": table}).all()
        for index, _definition in rows:
            self.conn.exec_driver_sql(f"DROP INDEX {index}")
        for constraint, _definition in unique:
            self.conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {self.quote(constraint)}")
        return ([definition for _index, definition in rows]
                + [f"ALTER TABLE {table} ADD CONSTRAINT {self.quote(constraint)} {definition}"
                   for constraint, definition in unique])

    def app_tables(self) -> list[sa.Table]:
        # The SQLite search index (an FTS5 table and its shadow tables) is kept by triggers on audit_log.
        return [t for t in reversed(self.meta.sorted_tables)
                if t.name != "alembic_version" and not t.name.startswith(SQLITE_SEARCH_TABLE)]

    def row_counts(self) -> dict[str, int]:
        return {t.name: self.conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in self.app_tables()}

    def is_benchmark(self) -> bool:
        users = self.meta.tables["users"]
        return self.conn.execute(sa.select(users.c.id).where(users.c.username == data.DEPT_LOGIN)).first() is not None

    def wipe(self, names: list[str] | None = None) -> None:
        """Every table of the app, or only ``names`` (a resumed seed: the tables from the first incomplete one)."""
        tables = self.app_tables() if names is None else [t for t in self.app_tables() if t.name in names]
        if self.postgres:
            self.conn.exec_driver_sql("TRUNCATE " + ", ".join(self.quote(t.name) for t in tables)
                                      + " RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                self.conn.execute(table.delete())

    def after_load(self) -> None:
        if not self.postgres:
            return
        for table in self.app_tables():
            if "id" in table.c and isinstance(table.c.id.type, sa.Integer):  # (revoked_sessions: text ids)
                self.conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {self.quote(table.name)}))")


def holidays() -> dict[dt.date, tuple[str, str | None]]:
    """The work calendar the app would get from `flask calendar sync` (chinese-calendar)."""
    import chinese_calendar

    from services.workdays import _name

    days = {day: ("holiday", _name(name)) for day, name in chinese_calendar.holidays.items()}
    days.update({day: ("workday", _name(name)) for day, name in chinese_calendar.workdays.items()})
    return days


def seed(scale: float, today: dt.date, yes: bool, echo=click.echo, resume: bool = False,
         in_database: bool | None = None) -> dict:
    """Load the world table by table, each table in a transaction of its own: a stopped seed keeps the tables it
    finished, and ``resume`` goes on from the first table that is not complete (empties it and the ones after it).
    ``in_database`` (PostgreSQL only, the default there): the big tables (bench/sqlgen.TABLES) are made by
    ``INSERT … SELECT … generate_series`` inside PostgreSQL instead of rows built in Python and COPYed."""
    started = time.perf_counter()
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    world = World(scale, today, generate_password_hash(data.PASSWORD, method=method), holidays())
    echo(f"Scale {scale:g}: {world.size['units']} units, {len(world.accounts)} accounts, {len(world.managers)} "
         f"managers, {len(world.accounts) * data.MONTHS} reports ({world.first_month:%Y-%m}–{world.anchor:%Y-%m}), "
         f"{world.size['changes']} changes, {world.size['audit']} audit rows.")
    timings = {}
    expected = world.expected_counts()
    with db.engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        in_database = postgres if in_database is None else in_database and postgres
        if postgres:
            # Session settings only: a lost commit of a benchmark seed costs nothing (it is re-run), and the index
            # builds after each table sort in memory.
            conn.exec_driver_sql("SET synchronous_commit = off")
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            conn.exec_driver_sql("SET work_mem = '64MB'")
        else:
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
        conn.commit()
        loader = Loader(conn)
        for name in ORDER:
            loader.check(name)
        counts = loader.row_counts()
        conn.commit()
        start_at = 0
        # The data version's single row is bookkeeping made by the migration, not data (models/data_version.py).
        if any(v for k, v in counts.items() if k != data_version.DataVersion.__tablename__):
            if not loader.is_benchmark() and not yes:
                raise click.ClickException(
                    "The database holds data that the benchmark did not make ("
                    + ", ".join(f"{k}: {v}" for k, v in counts.items() if v and k != data_version.DataVersion.__tablename__)
                    + "). Point DATABASE_URL at an empty database, or pass --yes to DELETE ALL OF IT.")
            if resume and loader.is_benchmark():
                if counts["units"] != expected["units"] or counts["accounts"] not in (0, expected["accounts"]):
                    raise click.ClickException(
                        f"The database holds another scale's benchmark ({counts['units']} units, {counts['accounts']} "
                        f"accounts; scale {scale:g} has {expected['units']} and {expected['accounts']}): "
                        "seed again without --resume.")
                while start_at < len(ORDER) and counts[ORDER[start_at]] == expected[ORDER[start_at]]:
                    start_at += 1
                echo(f"Resuming: {', '.join(ORDER[:start_at]) or 'no table'} complete, kept.")
            t0 = time.perf_counter()
            conn.commit()
            with conn.begin():
                if start_at == 0:
                    echo("Emptying the database (earlier benchmark data"
                         + ("" if loader.is_benchmark() else ", --yes given") + ") …")
                    loader.wipe()
                else:
                    loader.wipe(ORDER[start_at:])
            timings["(wipe)"] = (0, time.perf_counter() - t0)
            echo(f"  emptied in {timings['(wipe)'][1]:.1f} s")
        tables = {
            "units": world.unit_rows, "users": world.user_rows, "managers": world.manager_rows,
            "work_calendar": lambda: calendar_rows(world.holidays), "accounts": world.account_rows,
            "account_team": world.team_rows, "monthly_reports": world.report_rows,
            "change_records": world.change_rows, "violations": world.violation_rows,
            "assessments": world.assessment_rows, "attachments": world.attachment_rows,
            "audit_log": lambda: audit_rows(world),
        }
        made_in_database = {"monthly_reports": sqlgen.reports_sql, "assessments": sqlgen.assessments_sql,
                            "audit_log": sqlgen.audit_sql}
        helpers = False
        conn.commit()
        for name in ORDER[start_at:]:
            t0 = time.perf_counter()
            with conn.begin():  # one transaction per table: what is committed stays
                if in_database and name in made_in_database:
                    if not helpers:
                        with conn.connection.driver_connection.cursor() as cursor:
                            sqlgen.make_helpers(cursor, world)
                        helpers = True
                    cols, sql = made_in_database[name](world)
                    count = loader.insert_select(name, cols, sql)
                else:
                    cols, rows = tables[name]()
                    count = loader.load(name, cols, rows)
            if count != expected[name]:
                raise click.ClickException(f"{name}: {count} rows loaded, {expected[name]} expected.")
            timings[name] = (count, time.perf_counter() - t0)
            echo(f"  {name:<16} {count:>10,} rows  {timings[name][1]:7.1f} s"
                 + ("  (in the database)" if in_database and name in made_in_database else ""))
        with conn.begin():
            loader.after_load()
            # The rows came by COPY and INSERT … SELECT, not through a session: what was kept under the data
            # version (the home pages, models/data_version.py) is to be counted again.
            data_version.raise_number(conn)
    t0 = time.perf_counter()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum would do in the next minutes: fresh statistics and a visibility map.
        with db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
            conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
            conn.exec_driver_sql("VACUUM ANALYZE")
        timings["(vacuum analyze)"] = (0, time.perf_counter() - t0)
        echo(f"  VACUUM ANALYZE               {timings['(vacuum analyze)'][1]:7.1f} s")
    else:
        # SQLite keeps no statistics until ANALYZE makes them (sqlite_stat1); without them it picks an index by
        # its shape alone, e.g. a unit's 10,920 reports to count one account's 120 (5.4 → 0.3 ms at scale 1).
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        timings["(analyze)"] = (0, time.perf_counter() - t0)
        echo(f"  ANALYZE                      {timings['(analyze)'][1]:7.1f} s")
    total = time.perf_counter() - started
    echo(f"Loaded in {total:.1f} s.")
    return {"world": world, "timings": timings, "total": total}


def print_logins(world: World, echo=click.echo) -> None:
    echo(f"Logins (password for all: {data.PASSWORD}):")
    echo(f"  {data.DEPT_LOGIN:<16} dept_admin   (also bench_dept2)")
    echo(f"  {data.AUDITOR_LOGIN:<16} auditor")
    first = world.units[0]
    echo(f"  {data.EDITOR_LOGIN:<16} unit_editor  {first['code']} {first['name']} "
         f"({world.accounts_per_unit[0]} accounts, the largest unit)")
    echo(f"  {data.LEADER_LOGIN:<16} unit_leader  {first['code']} {first['name']}")
    example = world.units[-1]["code"].lower()
    echo(f"  e_<code>, l_<code>  unit_editor, unit_leader of every other unit (e.g. e_{example})")
