"""`flask --app wsgi bench queries`: the pages of `bench run`, in-process (Flask test client), with the number
of SQL statements, the time spent in the database and the rest (ORM, forms, templates) — and on request
the query plans (``--explain``) or a pyinstrument profile (``--profile``; pyinstrument comes with requirements-dev.txt)."""
from __future__ import annotations

import statistics
import time

import click
import sqlalchemy as sa

from models import db

from . import data, scenarios
from .client import CSRF


class StatementLog:
    """Every statement the engine sends, with its parameters and duration."""

    def __init__(self, engine):
        self.engine, self.items, self._start = engine, [], {}
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._start[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        began = self._start.pop(id(cursor), time.perf_counter())
        self.items.append((statement, parameters, time.perf_counter() - began))

    def reset(self):
        self.items = []

    def close(self):
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)


def login(client, username: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    match = CSRF.search(html)
    token = match.group(1) or match.group(2)
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": data.PASSWORD})
    if response.status_code != 302:
        raise click.ClickException(f"Login of {username} failed ({response.status_code}).")


def explain(engine, statement: str, parameters) -> str:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + statement, parameters)
        rows = cursor.fetchall()
        return "\n".join("    " + " | ".join(str(c) for c in row) for row in rows)
    finally:
        raw.rollback()
        raw.close()


def queries(role_filter: str, name_filter: str, repeat: int, explain_plans: bool, profile: bool,
            echo=click.echo) -> None:
    from app import create_app

    # A second application object: its requests push their own app context (the CLI's would share ``g``,
    # and with it the logged-in user, across requests).
    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        engine = db.engine
    users = scenarios.bench_users()
    month_filter = scenarios.month_filter_query()
    plan = []
    for role in ("dept", "unit"):
        if role_filter in ("all", role):
            plan += [(role, s) for s in scenarios.list_scenarios(role, users[role], db.engine.dialect.name)
                     + scenarios.other_scenarios(role, users[role], month_filter)]
    if role_filter in ("all", "public"):
        plan += [("public", s) for s in scenarios.public_scenarios() if s.expect == 200]
    plan = [(role, s) for role, s in plan if name_filter.lower() in s.name.lower()]
    db.session.remove()
    clients = {}
    for role, login_name in (("dept", data.DEPT_LOGIN), ("unit", data.EDITOR_LOGIN), ("public", None)):
        clients[role] = app.test_client()
        if login_name:
            login(clients[role], login_name)
    log = StatementLog(engine)
    echo(f"{'page':<44} {'as':<6} {'SQL':>4} {'SQL ms':>8} {'total ms':>9} {'other ms':>9}  slowest statement")
    try:
        for role, scenario in plan:
            client = clients[role]
            if scenario.after_a_write:
                scenarios.write(engine, role, scenario.after_a_write)
            client.get(scenario.path)  # warm
            totals, sql_times = [], []
            for _ in range(repeat):
                if scenario.after_a_write:
                    scenarios.write(engine, role, scenario.after_a_write)
                log.reset()
                began = time.perf_counter()
                response = client.get(scenario.path)
                response.get_data()
                totals.append(time.perf_counter() - began)
                sql_times.append(sum(t for _s, _p, t in log.items))
            items = list(log.items)
            slowest = max(items, key=lambda item: item[2]) if items else ("", None, 0)
            total, sql_ms = statistics.median(totals) * 1000, statistics.median(sql_times) * 1000
            echo(f"{scenario.name:<44} {role:<6} {len(items):>4} {sql_ms:>8.1f} {total:>9.1f} {total - sql_ms:>9.1f}  "
                 f"{slowest[2] * 1000:.1f} ms: {' '.join(slowest[0].split())[:90]}"
                 + ("" if response.status_code == scenario.expect else f"  HTTP {response.status_code}"))
            if explain_plans:
                for statement, parameters, seconds in sorted(items, key=lambda item: -item[2])[:3]:
                    echo(f"  -- {seconds * 1000:.1f} ms: {' '.join(statement.split())[:400]}")
                    echo(explain(engine, statement, parameters))
            if profile:
                try:
                    from pyinstrument import Profiler
                except ImportError:
                    raise click.ClickException("--profile needs pyinstrument: run make dev (requirements-dev.txt).")
                profiler = Profiler(interval=0.0005)
                profiler.start()
                for _ in range(repeat):
                    if scenario.after_a_write:
                        scenarios.write(engine, role, scenario.after_a_write)
                    client.get(scenario.path).get_data()
                profiler.stop()
                echo(profiler.output_text(unicode=True, color=False, show_all=True))
    finally:
        log.close()
