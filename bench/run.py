"""`flask --app wsgi bench run`: serve the app with one sync gunicorn worker on loopback and time every
page of issue 6 as the department approver and as a unit editor (bench/scenarios.py)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import click
import sqlalchemy as sa

from models import AuditLog, MonthlyReport, ReviewStatus, db

from . import data, scenarios
from .client import Client, PeakRSS, Server
from .report import Result, append, code_revision, load_average, markdown_section, row_counts, text_table

#: Fewest samples kept when a page is so slow that --max-seconds stops it early.
MIN_SAMPLES = 20


def measure(client: Client, scenario: scenarios.Scenario, n: int, warmup: int, max_seconds: float) -> Result:
    headers = dict(scenario.headers)
    if scenario.expect == 304:
        _status, response_headers, _body, _t = client.request("GET", scenario.path)
        headers["If-None-Match"] = response_headers.get("ETag", "")
    result = Result(scenario.name, scenario.role, [], scenario.target_ms, scenario.p95_rule, scenario.note)
    for _ in range(warmup):
        client.request("GET", scenario.path, headers=headers)
    started = time.perf_counter()
    while len(result.times) < n:
        status, _headers, _body, elapsed = client.request("GET", scenario.path, headers=headers)
        if status != scenario.expect:
            result.error = f"HTTP {status} (expected {scenario.expect}) on {scenario.path}"
            break
        result.times.append(elapsed)
        if max_seconds and time.perf_counter() - started > max_seconds and len(result.times) >= MIN_SAMPLES:
            result.note = (result.note + "; " if result.note else "") + f"stopped after {max_seconds:g} s"
            break
    return result


def measure_logins(port: int, role: str, username: str, n: int) -> Result:
    times = [Client(port).login(username, data.PASSWORD) for _ in range(n)]
    return Result("login (POST /login)", role, times, None, note="password hash check + audit row + redirect")


def full_export(client: Client, server: Server, role: str, runs: int) -> Result:
    """The whole reports list as CSV, streamed: time to the last byte and the worker's peak memory growth."""
    times, growth, lines, size, baseline, peak = [], 0, 0, 0, 0, 0
    for _ in range(runs):
        counter = {"bytes": 0, "lines": 0}

        def sink(chunk):
            counter["bytes"] += len(chunk)
            counter["lines"] += chunk.count(b"\n")

        with PeakRSS(server.worker_pid()) as rss:
            status, _h, _b, elapsed = client.request("GET", "/admin/reports/export/csv/", sink=sink)
        if status != 200:
            return Result("full reports export .csv", role, [], scenarios.FULL_EXPORT_TARGET_S * 1000,
                          error=f"HTTP {status}")
        times.append(elapsed)
        if rss.growth >= growth:
            growth, baseline, peak = rss.growth, rss.baseline, rss.peak
        lines, size = counter["lines"] - 1, counter["bytes"]
    mb = growth / 2**20
    return Result("full reports export .csv (streamed)", role, times, scenarios.FULL_EXPORT_TARGET_S * 1000,
                  checks=((f"{lines:,} rows, {size / 2**20:.0f} MB; worker RSS {baseline / 2**20:.0f} → "
                           f"{peak / 2**20:.0f} MB, +{mb:.1f} MB (target < {scenarios.FULL_EXPORT_RSS_MB} MB)",
                           mb < scenarios.FULL_EXPORT_RSS_MB),))


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
    return Result(f"bulk approve of {len(ids):,} reports", "dept", [elapsed], scenarios.BULK_TARGET_S * 1000,
                  checks=((f"{approved:,} approved, {logged:,} audit entries", ok),),
                  error="" if status == 302 else f"HTTP {status}")


def run(n: int, warmup: int, max_seconds: float, full_runs: int, bulk_size: int, out: Path | None,
        wsgi_app: str = "wsgi:app", only: str = "", echo=click.echo) -> list[Result]:
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
    echo(f"{sum(map(len, plan.values())) + len(public)} pages × {n} requests on {db_name}; starting gunicorn …")
    server = Server(url, wsgi_app=wsgi_app)
    results: list[Result] = []
    try:
        clients = {"dept": Client(server.port), "unit": Client(server.port), "public": Client(server.port)}
        clients["dept"].login(data.DEPT_LOGIN, data.PASSWORD)
        clients["unit"].login(data.EDITOR_LOGIN, data.PASSWORD)
        for role, items in (*plan.items(), ("public", public)):  # warm-up: every page once
            for scenario in items:
                clients[role].request("GET", scenario.path)
        for role, items in (*plan.items(), ("public", public)):
            for scenario in items:
                result = measure(clients[role], scenario, n, warmup, max_seconds)
                results.append(result)
                echo(f"  {result.name:<44} {role:<6} median {result.median:8.1f} ms  p95 {result.p95:8.1f} ms"
                     + (f"  {result.error}" if result.error else ""))
        if not only or "login" in only:
            for role, login in (("dept", data.DEPT_LOGIN), ("unit", data.EDITOR_LOGIN)):
                results.append(measure_logins(server.port, role, login, n))
        if not only or "full" in only or "bulk" in only:
            # A fresh worker, so that the memory growth is the export's own and not the high-water mark
            # left by the pages before; warmed with a couple of pages first.
            server.stop()
            server = Server(url, wsgi_app=wsgi_app)
            clients = {role: Client(server.port) for role in ("dept", "unit")}
            clients["dept"].login(data.DEPT_LOGIN, data.PASSWORD)
            clients["unit"].login(data.EDITOR_LOGIN, data.PASSWORD)
            for client in clients.values():
                for path in ("/admin/", "/admin/reports/"):
                    client.request("GET", path)
        if not only or "full" in only:
            results.append(full_export(clients["dept"], server, "dept", full_runs))
            results.append(full_export(clients["unit"], server, "unit", 1))
            echo(f"  full export: {results[-2].median / 1000:.1f} s "
                 f"({results[-2].checks[0][0] if results[-2].checks else results[-2].error})")
        if ids and (not only or "bulk" in only):
            results.append(bulk_approve(clients["dept"], ids))
            echo(f"  bulk approve: {results[-1].median / 1000:.2f} s ({results[-1].checks[0][0]})")
        elif not ids:
            echo("  bulk approve skipped: no report awaits the department (seed again).")
    finally:
        server.stop()
    seconds = time.perf_counter() - started
    echo("")
    echo(text_table(results))
    passed = sum(1 for r in results if r.passed is True)
    failed = sum(1 for r in results if r.passed is False)
    echo(f"\n{passed} PASS, {failed} FAIL in {seconds:.0f} s.")
    if out:
        extra = [f"load average (1/5/15 min) at the start {load_before}, at the end {load_average()}",
                 f"{n} requests per page after {warmup} warm-up requests (pages slower than {max_seconds:g} s in "
                 f"total stop at ≥ {MIN_SAMPLES}); the bulk approve is one request, the full export "
                 f"{full_runs} run(s) for the department, on a fresh worker warmed by two pages (its memory "
                 f"growth is measured from there)",
                 f"the unit editor is `{data.EDITOR_LOGIN}` of the largest unit"]
        append(out, markdown_section(results, counts, seconds, extra, code))
        echo(f"Written to {out}.")
    return results
