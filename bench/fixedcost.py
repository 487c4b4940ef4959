"""`flask --app wsgi bench fixedcost`: the fixed cost of a page (issue 18 item 2), measured so that it survives a
busy machine.

Every list page of `bench run` (both roles), their details and edit pages and the account form are opened
in-process (Flask test client), warm, ``--repeat`` times each. Per page it reports:

* **calls** — Python function calls of one request (cProfile's count): deterministic, the same on any machine and
  at any load, so the figure to compare before and after a change;
* **CPU ms** — the thread's CPU time of a request (``time.thread_time``) minus the CPU time spent inside the
  statements' execution (SQLAlchemy's cursor events): the app's own work, much less disturbed by other processes
  than the wall clock;
* **wall ms** — the wall time of a request minus the statements' wall time (the clock: noise on a loaded machine);
* **SQL** — the statements of one request.

With ``--gc-freeze`` the measured app is frozen out of the garbage collector's passes (``gc.freeze()``) right after
it is made, as wsgi.py freezes the app it serves; by default it is not (as before session 9), and the collections
its requests set off also walk its some 200,000 long-lived objects.

By default every timed request follows a full collection (``gc.collect()``), so that no collection the earlier
requests left pending lands in it. A full collection walks every object of the process and leaves the processor's
caches cold for the request that follows: about 1.2 ms of every timed request on session 10's 2-core VM, for the
code before issue 18 and today's alike (docs/benchmarks.md, "Issue 18 item 2 after session 10"). With
``--no-gc-collect`` the timed requests follow one another as in a served worker (the collections their own
allocations set off still count); the medians over ``--repeat`` keep a rare full collection out.

With ``--out`` the figures are written as JSON; ``--against`` another such file prints the change page by page and
of the medians (the same database, minutes apart: run it on main, then on the branch)."""
from __future__ import annotations

import cProfile
import gc
import json
import os
import platform
import pstats
import statistics
import time
from dataclasses import asdict, dataclass

import click
import sqlalchemy as sa

from models import db

from . import data, scenarios
from .profile import login


class SQLClock:
    """The statements of a request, their wall time and the CPU time of this thread while they ran."""

    def __init__(self, engine):
        self.engine, self.count, self.wall, self.cpu, self._start = engine, 0, 0.0, 0.0, {}
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._start[id(cursor)] = (time.perf_counter(), time.thread_time())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        wall, cpu = self._start.pop(id(cursor), (time.perf_counter(), time.thread_time()))
        self.count += 1
        self.wall += time.perf_counter() - wall
        self.cpu += time.thread_time() - cpu

    def reset(self):
        self.count, self.wall, self.cpu = 0, 0.0, 0.0

    def close(self):
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)


@dataclass
class PageCost:
    name: str
    role: str
    kind: str  # list | details | edit | form
    calls: int
    cpu_ms: float
    wall_ms: float
    sql_ms: float
    statements: int
    status: int


def page_plan(role_filter: str, name_filter: str) -> list[tuple[str, str, str, str]]:
    """(role, kind, name, path) of every page measured: the list, details and edit pages of `bench run`, and the
    account form (a new account) of each role."""
    users = scenarios.bench_users()
    plan = []
    for role in ("dept", "unit"):
        if role_filter not in ("all", role):
            continue
        for s in scenarios.list_scenarios(role, users[role], db.engine.dialect.name):
            kind = "list" if " list: " in s.name else s.name.rsplit(" ", 1)[-1]
            plan.append((role, kind, s.name, s.path))
        plan.append((role, "form", "account form (new)", "/admin/accounts/new/"))
    words = [w.strip().lower() for w in name_filter.split(",") if w.strip()]
    return [p for p in plan if not words or any(w in f"{p[2]} {p[1]}".lower() for w in words)]


def measure(role_filter: str = "all", name_filter: str = "", repeat: int = 10,
            freeze: bool = False, collect: bool = True) -> list[PageCost]:
    from app import create_app

    # An application object of its own: its requests push their own app context (see bench/profile.py).
    app = create_app({"RATELIMIT_ENABLED": False, "REQUEST_LOG": False})
    with app.app_context():
        plan = page_plan(role_filter, name_filter)
        engine = db.engine
        db.session.remove()
    if freeze:
        # As wsgi.py does for the app it serves: the app's long-lived objects out of the collector's passes. An
        # app that is not frozen pays for walking some 200,000 objects in the collections its requests set off.
        gc.freeze()
    clients = {}
    for role, login_name in (("dept", data.DEPT_LOGIN), ("unit", data.EDITOR_LOGIN)):
        clients[role] = app.test_client()
        login(clients[role], login_name)
    clock = SQLClock(engine)
    results = []
    try:
        for role, kind, name, path in plan:
            client = clients[role]
            for _ in range(2):  # warm: the first request of a page fills what is kept between requests
                client.get(path).get_data()
            profiler = cProfile.Profile()
            gc.collect()
            profiler.enable()
            response = client.get(path)
            response.get_data()
            profiler.disable()
            calls = pstats.Stats(profiler).total_calls
            cpu, wall, sql_wall, statements = [], [], [], []
            for _ in range(repeat):
                if collect:
                    gc.collect()
                clock.reset()
                began_wall, began_cpu = time.perf_counter(), time.thread_time()
                response = client.get(path)
                response.get_data()
                cpu_total, wall_total = time.thread_time() - began_cpu, time.perf_counter() - began_wall
                cpu.append(cpu_total - clock.cpu)
                wall.append(wall_total - clock.wall)
                sql_wall.append(clock.wall)
                statements.append(clock.count)
            results.append(PageCost(name, role, kind, calls, statistics.median(cpu) * 1000,
                                    statistics.median(wall) * 1000, statistics.median(sql_wall) * 1000,
                                    max(statements), response.status_code))
    finally:
        clock.close()
        with app.app_context():
            db.session.remove()
        if freeze:
            gc.unfreeze()
    return results


MEASURES = (("calls", "calls", "{:,.0f}"), ("cpu_ms", "CPU ms", "{:.2f}"), ("wall_ms", "wall ms", "{:.2f}"),
            ("statements", "SQL", "{:.0f}"))


def medians(results: list[dict]) -> dict[str, dict[str, float]]:
    """Per kind of page (list, details, edit, form; and every page): the median of each measure."""
    groups: dict[str, list[dict]] = {}
    for r in results:
        groups.setdefault(r["kind"], []).append(r)
    groups["all pages"] = list(results)
    return {kind: {key: statistics.median(r[key] for r in rows) for key, _l, _f in MEASURES} | {"pages": len(rows)}
            for kind, rows in groups.items()}


def machine() -> dict:
    return {"load_average": [round(x, 2) for x in os.getloadavg()], "python": platform.python_version(),
            "database": db.engine.dialect.name, "time": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def report(results: list[dict], before: dict | None, echo=click.echo) -> None:
    old = {(r["role"], r["name"]): r for r in (before or {}).get("pages", [])}
    head = f"{'page':<40} {'as':<5}" + "".join(f" {label:>9}" for _k, label, _f in MEASURES)
    echo(head + ("   calls Δ   CPU Δ" if before else ""))
    for r in results:
        line = f"{r['name'][:40]:<40} {r['role']:<5}" + "".join(f" {fmt.format(r[k]):>9}" for k, _l, fmt in MEASURES)
        prev = old.get((r["role"], r["name"]))
        if prev:
            line += f"  {_change(prev['calls'], r['calls']):>8} {_change(prev['cpu_ms'], r['cpu_ms']):>7}"
        if r["status"] != 200:
            line += f"  HTTP {r['status']}"
        echo(line)
    now = medians(results)
    then = medians(before["pages"]) if before else {}
    echo("")
    echo("medians" + ("   (before → after, change)" if before else ""))
    for kind, values in now.items():
        parts = []
        for key, label, fmt in MEASURES:
            if kind in then:
                parts.append(f"{label} {fmt.format(then[kind][key])} → {fmt.format(values[key])} "
                             f"({_change(then[kind][key], values[key])})")
            else:
                parts.append(f"{label} {fmt.format(values[key])}")
        echo(f"  {kind:<10} ({values['pages']:>2} pages): " + "; ".join(parts))


def _change(before: float, after: float) -> str:
    if not before:
        return "—"
    return f"{(after - before) / before * 100:+.0f} %"


def fixedcost(role_filter: str, name_filter: str, repeat: int, out, against, echo=click.echo,
              freeze: bool = False, collect: bool = True) -> None:
    results = [asdict(r) for r in measure(role_filter, name_filter, repeat, freeze, collect)]
    before = json.loads(open(against, encoding="utf-8").read()) if against else None
    from app import create_app

    with create_app({"RATELIMIT_ENABLED": False, "REQUEST_LOG": False}).app_context():
        about = machine()
    about["gc_freeze"], about["gc_collect"] = freeze, collect
    report(results, before, echo)
    echo(f"\n{about['database']}, load average {about['load_average']}, {about['time']}, "
         f"{'app frozen as wsgi.py freezes it' if freeze else 'app not frozen'}"
         f"{'' if collect else ', no full collection before each timed request'}"
         + (f"; before: load average {before['machine']['load_average']}, {before['machine']['time']}"
            if before else ""))
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"machine": about, "repeat": repeat, "pages": results}, f, ensure_ascii=False, indent=1)
