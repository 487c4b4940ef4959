"""`flask --app wsgi bench run`: serve the app with one sync gunicorn worker on loopback and time every
page of issue 6 as the department approver and as a unit editor (bench/scenarios.py), each against a base
measured in the same run by the same client (issue 18): its floor (bench/floor.py), the fixed reference page,
or, for the full export, the bare dump of the same rows; the verdicts are ratios (bench/verdict.py)."""
from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import click
import sqlalchemy as sa

from models import AuditLog, MonthlyReport, ReviewStatus, db

from . import data, floor, scenarios
from .client import Client, PeakRSS, Server
from .verdict import DUMP
from .report import Result, append, code_revision, load_average, markdown_section, row_counts, text_table

#: Fewest samples kept when a page is so slow that --max-seconds stops it early.
MIN_SAMPLES = 20
EXPORT_PATH = "/admin/reports/export/csv/"


def measure(client: Client, scenario: scenarios.Scenario, n: int, warmup: int, max_seconds: float,
            base_path: str | None = None) -> tuple[Result, list[float]]:
    """The page's requests timed one after another; with ``base_path`` (its floor page or the reference page)
    each request of the page is followed by one of its base, as the same client, so that both see the same
    moments of a busy machine. Returns the page's result and the base's times."""
    headers = dict(scenario.headers)
    if scenario.expect == 304:
        _status, response_headers, _body, _t = client.request("GET", scenario.path)
        headers["If-None-Match"] = response_headers.get("ETag", "")
    result = Result(scenario.name, scenario.role, [], scenario.target_ms, scenario.p95_rule, scenario.note,
                    rule=scenario.rule)
    base_times: list[float] = []

    def write_first():
        if scenario.after_a_write:
            status, _headers, _body, _elapsed = client.request(
                "GET", f"{floor.PREFIX}/write?role={scenario.role}&kind={scenario.after_a_write}")
            if status != 204:
                raise click.ClickException(f"HTTP {status} on {floor.PREFIX}/write")

    for _ in range(warmup):
        write_first()
        client.request("GET", scenario.path, headers=headers)
        if base_path:
            client.request("GET", base_path)
    started = time.perf_counter()
    while len(result.times) < n:
        write_first()
        status, _headers, _body, elapsed = client.request("GET", scenario.path, headers=headers)
        if status != scenario.expect:
            result.error = f"HTTP {status} (expected {scenario.expect}) on {scenario.path}"
            break
        result.times.append(elapsed)
        if base_path:
            status, _headers, _body, elapsed = client.request("GET", base_path)
            if status != 200:
                result.error = f"HTTP {status} on its base page {base_path}"
                break
            base_times.append(elapsed)
        if max_seconds and time.perf_counter() - started > max_seconds and len(result.times) >= MIN_SAMPLES:
            result.note = (result.note + "; " if result.note else "") + f"stopped after {max_seconds:g} s"
            break
    if base_times:
        result.base_ms = statistics.median(base_times) * 1000
        base = Result("base", scenario.role, base_times, None)
        result.base_spread = base.p95 / base.median if base.median > 0 else None
    return result, base_times


def measure_logins(port: int, role: str, username: str, n: int) -> Result:
    times = [Client(port).login(username, data.PASSWORD) for _ in range(n)]
    return Result("login (POST /login)", role, times, None, note="password hash check + audit row + redirect")


class _Exports:
    """Runs of one streamed export: time to the last byte, rows, bytes and the worker's largest memory growth."""

    def __init__(self, name: str, role: str):
        self.name, self.role, self.times, self.error = name, role, [], ""
        self.growth, self.baseline, self.peak, self.lines, self.size = 0, 0, 0, 0, 0

    def run(self, client: Client, server: Server, path: str) -> None:
        if self.error:
            return
        counter = {"bytes": 0, "lines": 0}

        def sink(chunk):
            counter["bytes"] += len(chunk)
            counter["lines"] += chunk.count(b"\n")

        with PeakRSS(server.worker_pid()) as rss:
            status, _h, _b, elapsed = client.request("GET", path, sink=sink)
        if status != 200:
            self.error = f"HTTP {status}"
            return
        self.times.append(elapsed)
        if rss.growth >= self.growth:
            self.growth, self.baseline, self.peak = rss.growth, rss.baseline, rss.peak
        self.lines, self.size = counter["lines"] - 1, counter["bytes"]

    def result(self) -> Result:
        if self.error:
            return Result(self.name, self.role, [], None, error=self.error)
        mb = self.growth / 2**20
        return Result(self.name, self.role, self.times, None,
                      checks=((f"{self.lines:,} rows, {self.size / 2**20:.0f} MB; worker RSS "
                               f"{self.baseline / 2**20:.0f} → {self.peak / 2**20:.0f} MB, +{mb:.1f} MB "
                               f"(target < {scenarios.FULL_EXPORT_RSS_MB} MB)", mb < scenarios.FULL_EXPORT_RSS_MB),))


def full_export(client: Client, server: Server, role: str, runs: int, path: str = EXPORT_PATH,
                name: str = "full reports export .csv (streamed)") -> Result:
    """The whole reports list as CSV, streamed: time to the last byte and the worker's peak memory growth."""
    exports = _Exports(name, role)
    for _ in range(runs):
        exports.run(client, server, path)
    return exports.result()


def export_against_dump(client: Client, server: Server, runs: int, dump_name: str) -> tuple[Result, Result]:
    """The department's full export and the bare dump of its rows (``/_floor/export``), judged one against the
    other: one unmeasured dump first, then dump and export in turn, ``runs`` times each.

    The unmeasured dump reads every page of the database file that both read, so neither is timed against a cold
    file: the export's SELECT walks the reports in (period, id) order, a table page per row, and the one that came
    first used to pay for reading the file from disk (SQLite, the same statement with the same plan on both: the
    dump, first, 71.6 s and the export 4.95 s on a busy disk in session 8; 5.98 s and 2.59 s after the file was
    dropped from the page cache, docs/benchmarks.md "SQLite after session 9"). Taking turns gives both the same
    moments of a busy machine, as the pages and their floors do."""
    dump_path = floor.PREFIX + "/export"
    status, _h, _b, _t = client.request("GET", dump_path, sink=lambda _chunk: None)
    exports = _Exports("full reports export .csv (streamed)", "dept")
    dumps = _Exports(dump_name, "dept")
    if status != 200:
        dumps.error = f"HTTP {status}"
    for _ in range(runs):
        dumps.run(client, server, dump_path)
        exports.run(client, server, EXPORT_PATH)
    export, dump = exports.result(), dumps.result()
    dump.note, dump.checks = "; ".join(text for text, _ok in dump.checks), ()  # the base, not judged
    export.rule, export.base_ms = DUMP, (dump.median if not dump.error else None)
    return export, dump


def bulk_approve(client: Client, ids: list[int]) -> Result:
    """POST /admin/reports/action/ action=approve with the ids, then check the rows and the audit log."""
    with db.engine.connect() as conn:
        audit_before = conn.execute(sa.select(sa.func.max(AuditLog.id))).scalar() or 0
    token = client.csrf("/admin/reports/")
    status, headers, _body, elapsed = client.request(
        "POST", "/admin/reports/action/", {"csrf_token": token, "action": "approve", "rowid": [str(i) for i in ids],
                                           "url": "/admin/reports/"})
    with db.engine.connect() as conn:
        approved = conn.execute(sa.select(sa.func.count()).select_from(MonthlyReport).where(
            MonthlyReport.id.in_(ids), MonthlyReport.status == ReviewStatus.approved)).scalar()
        logged = conn.execute(sa.select(sa.func.count()).select_from(AuditLog).where(
            AuditLog.id > audit_before, AuditLog.action == "approve", AuditLog.object_type == "MonthlyReport")).scalar()
    ok = status == 302 and approved == len(ids) and logged == len(ids)
    return Result(f"bulk approve of {len(ids):,} reports", "dept", [elapsed], None,
                  checks=((f"{approved:,} approved, {logged:,} audit entries", ok),),
                  error="" if status == 302 else f"HTTP {status}")


def capture_floors(pages: list[tuple[str, str]], with_export: bool, plan_path: Path, url: str) -> None:
    """The floor plan (bench/floor.py): each page's statements and the export's SELECT, recorded in-process."""
    from app import create_app

    from .profile import login

    # A second application object, as `bench queries` does: its requests push their own app context.
    app = create_app({"RATELIMIT_ENABLED": False})
    clients = {}
    for role, login_name in (("dept", data.DEPT_LOGIN), ("unit", data.EDITOR_LOGIN), ("public", None)):
        clients[role] = app.test_client()
        if login_name:
            login(clients[role], login_name)
    statements, export = floor.capture(app, clients, pages, EXPORT_PATH if with_export else None)
    with app.app_context():
        db.session.remove()
    floor.Plan(url, statements, export).save(plan_path)


def run(n: int, warmup: int, max_seconds: float, full_runs: int, bulk_size: int, out: Path | None,
        wsgi_app: str = "wsgi:app", only: str = "", echo=click.echo) -> list[Result]:
    import tempfile

    started = time.perf_counter()
    load_before = load_average()
    code = code_revision()
    if os.getloadavg()[0] > 0.7:
        echo(f"Warning: the machine is busy (load average {load_before}); figures will be slower than usual.")
    db_name = db.engine.dialect.name
    users = scenarios.bench_users()
    plan = {"dept": [], "unit": []}
    month_filter = scenarios.month_filter_query()
    for role in plan:
        plan[role] = scenarios.list_scenarios(role, users[role], db_name) + \
            scenarios.other_scenarios(role, users[role], month_filter)
    public = scenarios.public_scenarios()
    if only:  # a subset, e.g. while trying a fix: pages whose name contains one of the comma-separated words
        words = [w.strip().lower() for w in only.split(",") if w.strip()]
        keep = lambda s: any(w in s.name.lower() for w in words)  # noqa: E731
        plan = {role: [s for s in items if keep(s)] for role, items in plan.items()}
        public = [s for s in public if keep(s)]
    ids = scenarios.bulk_ids(bulk_size)
    counts = row_counts()
    url = db.engine.url.render_as_string(hide_password=False)
    db.session.remove()
    ordered = [(role, scenario) for role, items in (*plan.items(), ("public", public)) for scenario in items]
    with_floor = [(role, s) for role, s in ordered if s.rule is not None and s.rule.base == "floor"]
    floor_page = {id(s): i for i, (_role, s) in enumerate(with_floor)}
    want_export = not only or "full" in only
    echo(f"{len(ordered)} pages × {n} requests on {db_name}, each floor page as many; recording the floors' "
         f"statements …")
    plan_file = tempfile.NamedTemporaryFile(prefix="xmt-bench-floor-", suffix=".pickle", delete=False)
    plan_file.close()
    plan_path = Path(plan_file.name)
    capture_floors([(role, s.path) for role, s in with_floor], want_export, plan_path, url)
    db.session.remove()
    env = {floor.PLAN_ENV: str(plan_path), "XMT_BENCH_APP": wsgi_app}
    served = "bench.floor_wsgi:app"
    echo("Starting gunicorn …")
    server = Server(url, wsgi_app=served, env=env)
    results: list[Result] = []
    reference_times: list[float] = []
    try:
        clients = {"dept": Client(server.port), "unit": Client(server.port), "public": Client(server.port)}
        clients["dept"].login(data.DEPT_LOGIN, data.PASSWORD)
        clients["unit"].login(data.EDITOR_LOGIN, data.PASSWORD)
        for role, scenario in ordered:  # warm-up: every page and its floor once
            clients[role].request("GET", scenario.path)
            if id(scenario) in floor_page:
                clients[role].request("GET", f"{floor.PREFIX}/page/{floor_page[id(scenario)]}")
        clients["public"].request("GET", floor.PREFIX + "/reference")
        for role, scenario in ordered:
            base_path = None
            if id(scenario) in floor_page:
                base_path = f"{floor.PREFIX}/page/{floor_page[id(scenario)]}"
            elif scenario.rule is not None and scenario.rule.base == "reference":
                base_path = floor.PREFIX + "/reference"
            result, base_times = measure(clients[role], scenario, n, warmup, max_seconds, base_path)
            if scenario.rule is not None and scenario.rule.base == "reference":
                reference_times += base_times
            results.append(result)
            echo(f"  {result.name:<44} {role:<6} median {result.median:8.1f} ms  p95 {result.p95:8.1f} ms"
                 + (f"  {scenario.rule.base} {result.base_ms:6.1f} ms  {result.ratio:5.2f}×" if result.base_ms else "")
                 + (f"  {result.error}" if result.error else ""))
        if reference_times:
            reference = Result("reference page (fixed: 20 accounts + count, bare SQL, minimal template)", "—",
                               reference_times, None, note="each request of a page judged against it is followed "
                                                           "by one of it; all of those requests")
            results.insert(0, reference)
            echo(f"  reference page: median {reference.median:.1f} ms")
        if not only or "login" in only:
            for role, login in (("dept", data.DEPT_LOGIN), ("unit", data.EDITOR_LOGIN)):
                results.append(measure_logins(server.port, role, login, n))
        if want_export or (not only or "bulk" in only):
            # A fresh worker, so that the memory growth is the export's own and not the high-water mark
            # left by the pages before; warmed with a couple of pages first.
            server.stop()
            server = Server(url, wsgi_app=served, env=env)
            clients = {role: Client(server.port) for role in ("dept", "unit")}
            clients["dept"].login(data.DEPT_LOGIN, data.PASSWORD)
            clients["unit"].login(data.EDITOR_LOGIN, data.PASSWORD)
            for client in clients.values():
                for path in ("/admin/", "/admin/reports/"):
                    client.request("GET", path)
        if want_export:
            export, dump = export_against_dump(
                clients["dept"], server, full_runs,
                "bare dump of the same rows (" + ("COPY … TO STDOUT" if db_name == "postgresql" else "cursor → csv")
                + ")")
            results += [export, dump]
            results.append(full_export(clients["unit"], server, "unit", 1))
            echo(f"  full export: {export.median / 1000:.2f} s, bare dump {dump.median / 1000:.2f} s "
                 f"({export.checks[0][0] if export.checks else export.error})")
        if ids and (not only or "bulk" in only):
            results.append(bulk_approve(clients["dept"], ids))
            echo(f"  bulk approve: {results[-1].median / 1000:.2f} s ({results[-1].checks[0][0]})")
        elif not ids:
            echo("  bulk approve skipped: no report awaits the department (seed again).")
    finally:
        server.stop()
        plan_path.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    echo("")
    echo(text_table(results))
    passed = sum(1 for r in results if r.passed is True)
    failed = sum(1 for r in results if r.passed is False)
    echo(f"\n{passed} PASS, {failed} FAIL in {seconds:.0f} s.")
    if out:
        extra = [f"load average (1/5/15 min) at the start {load_before}, at the end {load_average()}",
                 f"{n} requests per page after {warmup} warm-up requests, each followed by one of its base page "
                 f"(pages slower than {max_seconds:g} s in total stop at ≥ {MIN_SAMPLES}); the bulk approve "
                 f"is one request, the full export and its bare dump {full_runs} run(s) each for the department, in "
                 f"turn after one unmeasured dump, on a fresh worker warmed by two pages (its memory growth is "
                 f"measured from there)",
                 "base ms: the page's floor (its own SELECTs replayed on a raw connection, every row written by a "
                 "minimal template, bench/floor.py), the fixed reference page, or the bare dump of the export",
                 f"the unit editor is `{data.EDITOR_LOGIN}` of the largest unit"]
        append(out, markdown_section(results, counts, seconds, extra, code))
        echo(f"Written to {out}.")
    return results
