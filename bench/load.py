"""`flask --app wsgi bench load`: many users at once against gunicorn on loopback (issue 7, item 4).

Seeds a small deterministic data set (bench/seed.py), serves the app with the project's gunicorn.conf.py
and several sync workers (as `make serve` does), runs the virtual users of bench/locustfile.py headless
for a bounded time, then checks the database against what the clients were told was saved: every
confirmed edit and workflow step has its audit entry and its effect, nothing else was written, and the
number of reports in each state moved exactly as the confirmed steps say ("zero lost writes").
Fails on any server error (5xx) or lost write; writes the figures to docs/load.md.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import click
import sqlalchemy as sa

from models import AuditLog, MonthlyReport, ReviewStatus, Role, User, db

from . import data
from .client import ROOT, Server
from .report import code_revision, command_line, load_average, machine, row_counts

#: Where each confirmed workflow step moves a report (the source of "submit" is in the ledger).
TARGET = {"submit": "unit_review", "confirm": "dept_review", "approve": "approved", "reject": "returned"}
SOURCE = {"confirm": "unit_review", "approve": "dept_review", "reject": "dept_review"}
STEPS = tuple(TARGET)


def _filter_arg(view, column: str, cls: str, n: int) -> str:
    for i, flt in enumerate(view._filters or []):
        if type(flt).__name__ == cls and getattr(getattr(flt, "column", None), "key", None) == column:
            return f"flt{n}_{view.get_filter_arg(i, flt)}"
    raise RuntimeError(f"The reports list has no {cls} filter on {column}.")


def client_config(ledger: Path, think: tuple[float, float]) -> dict:
    """What the virtual users need to know, read from the database and the admin views before the run."""
    from services.reports import reporting_period

    from .scenarios import admin_views

    view = admin_views()["reports"]
    logins = {role.name: list(db.session.execute(
        sa.select(User.username).where(User.role == role, User.active.is_(True)).order_by(User.id)).scalars())
        for role in Role}
    if not all(logins.values()):
        raise click.ClickException("No benchmark logins in this database: run with --scale, or `bench seed` first.")
    names = list(db.session.execute(sa.text("SELECT name FROM accounts ORDER BY id LIMIT 40")).scalars())
    reports = db.session.execute(sa.select(sa.func.count()).select_from(MonthlyReport)).scalar()
    accounts = db.session.execute(sa.text("SELECT count(*) FROM accounts")).scalar()
    return {"logins": logins, "password": data.PASSWORD, "ledger": str(ledger), "think": list(think),
            "period": reporting_period().isoformat(),
            "filters": {"status": _filter_arg(view, "status", "EnumEqualFilter", 0),
                        "period": _filter_arg(view, "period", "DateEqualFilter", 1)},
            "pages": max(1, min(50, reports // view.page_size)),
            "account_pages": max(1, min(20, accounts // view.page_size)),
            "search_terms": sorted({name[:3] for name in names[::4]}) or ["帐号"]}


def status_counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(MonthlyReport.status, sa.func.count()).group_by(MonthlyReport.status))
    counts = {status.name: 0 for status in ReviewStatus}
    counts.update({status.name: n for status, n in rows})
    db.session.rollback()
    return counts


def check_writes(ledger: dict, audit_marker: int, before: dict[str, int]) -> list[tuple[str, bool]]:
    """Compare what the clients were told was saved with the database. Returns (finding, passed) lines."""
    confirmed = ledger["confirmed"]
    rows = db.session.execute(
        sa.select(AuditLog.action, AuditLog.object_type, AuditLog.object_id, AuditLog.user_id)
        .where(AuditLog.id > audit_marker).order_by(AuditLog.id)).all()
    findings = _audit_findings(confirmed, rows) + [_edit_finding(confirmed)] + _state_findings(confirmed, rows, before)
    db.session.rollback()
    return findings


def _audit_findings(confirmed: list, rows) -> list[tuple[str, bool]]:
    """Every confirmed write has its audit entry, and no entry lacks its confirmed write."""
    findings = []
    on_reports = [r for r in rows if r.object_type == "MonthlyReport"]
    names = dict(db.session.execute(sa.select(User.id, User.username)).all())

    def compare(label: str, told: Counter, logged: Counter) -> None:
        lost, unexpected = told - logged, logged - told
        text = f"{label}: {sum(told.values()):,} confirmed to the clients, {sum(logged.values()):,} in the audit log"
        if lost:
            text += f"; LOST {sum(lost.values())} (e.g. {sorted(lost)[:5]})"
        if unexpected:
            text += f"; {sum(unexpected.values())} written but not confirmed to a client (e.g. {sorted(unexpected)[:5]})"
        findings.append((text, not lost and not unexpected))

    for step in STEPS:
        compare(f"report {step}", Counter(rid for kind, rid, _x in confirmed if kind == step),
                Counter(r.object_id for r in on_reports if r.action.name == step))
    compare("report edits", Counter(rid for kind, rid, _x in confirmed if kind == "edit"),
            Counter(r.object_id for r in on_reports if r.action.name == "update"))
    compare("logins", Counter(name for kind, _r, name in confirmed if kind == "login"),
            Counter(names.get(r.user_id) for r in rows if r.action.name == "login"))
    compare("exports", Counter(kind for kind, _r, _x in confirmed if kind == "export"),
            Counter("export" for r in rows if r.action.name == "export"))
    other = Counter(f"{r.action.name} {r.object_type or ''}".strip() for r in rows
                    if not (r.object_type == "MonthlyReport" and r.action.name in STEPS + ("update",))
                    and r.action.name not in ("login", "export"))
    findings.append((f"other audit entries during the run: {dict(other) or 'none'}", not other))
    return findings


def _edit_finding(confirmed: list) -> tuple[str, bool]:
    """Each edited report holds the figures of one of its confirmed edits (posts and the topics' marker)."""
    written: dict[int, dict[str, int]] = {}
    for _kind, rid, (posts, marker) in (entry for entry in confirmed if entry[0] == "edit"):
        written.setdefault(rid, {})[marker] = posts
    stored = {r.id: r for r in db.session.execute(
        sa.select(MonthlyReport.id, MonthlyReport.post_count, MonthlyReport.topics)
        .where(MonthlyReport.id.in_(list(written) or [0]))).all()}
    wrong = []
    for rid, markers in written.items():
        row = stored.get(rid)
        found = re.search(r"\[([0-9a-f]{12})\]", row.topics or "") if row else None
        if not found or markers.get(found.group(1)) != row.post_count:
            wrong.append(rid)
    return (f"edited reports holding a confirmed edit's figures (posts and topics): "
            f"{len(written) - len(wrong):,} of {len(written):,}" + (f"; WRONG {wrong[:10]}" if wrong else ""),
            not wrong)


def _state_findings(confirmed: list, rows, before: dict[str, int]) -> list[tuple[str, bool]]:
    """Each report is in the state of its last logged step; the states moved as the confirmed steps say."""
    last_step = {r.object_id: TARGET[r.action.name] for r in rows
                 if r.object_type == "MonthlyReport" and r.action.name in TARGET}
    states = dict(db.session.execute(sa.select(MonthlyReport.id, MonthlyReport.status)
                                     .where(MonthlyReport.id.in_(list(last_step) or [0]))).all())
    mismatched = [rid for rid, target in last_step.items() if states.get(rid) is None or states[rid].name != target]
    expected = Counter(before)
    for kind, _rid, source in confirmed:
        if kind in TARGET:
            expected[source if kind == "submit" else SOURCE[kind]] -= 1
            expected[TARGET[kind]] += 1
    after = status_counts()
    moved = ", ".join(f"{name} {before[name]:,} → {after[name]:,}" for name in after if before[name] != after[name])
    return [(f"reports whose state is their last step's: {len(last_step) - len(mismatched):,} of "
             f"{len(last_step):,}" + (f"; WRONG {mismatched[:10]}" if mismatched else ""), not mismatched),
            (f"reports per state as the confirmed steps predict: {moved or 'no change'}"
             + ("" if all(after[k] == expected[k] for k in after) else f"; EXPECTED {dict(expected)}"),
             all(after[k] == expected[k] for k in after))]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def server_cpu_seconds(server: Server) -> float | None:
    """CPU time (user + system) of gunicorn's master and workers so far, from /proc (Linux only); workers
    recycled during the run (max_requests) are not counted, so this is a lower bound."""
    try:
        pids = [server.process.pid] + [int(pid) for pid in Path(
            f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()]
        ticks = 0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return None


def read_csv(prefix: Path, kind: str) -> list[dict]:
    """locust's ``--csv`` output: ``stats`` (one row per request type and "Aggregated") or ``failures``."""
    path = Path(f"{prefix}_{kind}.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run_locust(port: int, users: int, seconds: int, spawn_rate: float, config: Path, prefix: Path,
               log: Path) -> int:
    locust = shutil.which("locust", path=str(Path(sys.executable).parent)) or "locust"
    command = [locust, "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--users", str(users),
               "--spawn-rate", str(spawn_rate), "--run-time", f"{seconds}s", "--stop-timeout", "30",
               "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
               "--loglevel", "WARNING"]
    env = dict(os.environ, XMT_LOAD_CONFIG=str(config))
    with log.open("w") as out:
        return subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode


def gunicorn_problems(log_path: str) -> list[str]:
    text = Path(log_path).read_text(errors="replace") if Path(log_path).exists() else ""
    return [line for line in text.splitlines()
            if any(word in line for word in ("Traceback", "Error handling request", "WORKER TIMEOUT", "[CRITICAL]"))]


def markdown(stats: list[dict], findings: list[tuple[str, bool]], facts: dict, passed: bool) -> str:
    total = next(row for row in stats if row["Name"] == "Aggregated")
    lines = ["# Load test (issue 7, item 4)", "",
             "Written by `flask --app wsgi bench load` (bench/load.py, virtual users in bench/locustfile.py); "
             "run it again to replace this file. The users of the four roles work the monthly reports of the "
             "reporting month and the months before: unit editors fill in and submit drafts and returned reports, "
             "unit leaders give the unit's opinion, the department approves (and returns about one in ten), the "
             "auditor reads the audit log and exports the month; all of them browse lists, pages, searches, "
             "records and the home page. Think time between two tasks: "
             f"{facts['think']} s. The fault test (a PostgreSQL restart under requests) is in docs/faults.md.", "",
             "```sh", "createdb -h 127.0.0.1 -U postgres xmt_load    # a database of its own: the run seeds it",
             "export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/xmt_load SECRET_KEY=load",
             "flask --app wsgi db upgrade",
             "flask --app wsgi bench load    # --users 50 --seconds 60 --workers 5 --scale 0.05 --out docs/load.md",
             "```", "", "This run:", "", "```", facts["command"], "```", "",
             f"**Result: {'PASS' if passed else 'FAIL'}** — {facts['users']} users for {facts['seconds']} s, "
             f"{int(total['Request Count']):,} requests, {float(total['Requests/s']):.1f} req/s, "
             f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms, "
             f"{facts['server_errors']} server errors (5xx), {int(total['Failure Count'])} failed requests.", ""]
    lines += [f"- **{key}**: {value}" for key, value in facts["machine"].items()]
    lines += [f"- **Load average** (1/5/15 min): {facts['load_before']} before, {facts['load_after']} after",
              f"- **Server**: gunicorn with the project's gunicorn.conf.py, {facts['workers']} sync workers, on "
              f"127.0.0.1; locust {facts['locust']} on the same machine (the client's CPU is part of the picture)",
              f"- **Users**: {facts['users']} ({facts['mix']}), spawned {facts['spawn_rate']}/s, "
              f"run time {facts['seconds']} s (then each user finishes its task)",
              "- **Data**: " + facts["data"],
              "- **CPU used**: " + facts["cpu"],
              "", "## Latency and throughput per request type", "",
              "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in sorted(stats, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = "**all requests**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        lines.append(f"| {name} | {int(row['Request Count']):,} | {row['Failure Count']} | "
                     f"{float(row['Requests/s']):.2f} | {row['50%']} | {row['95%']} | {row['99%']} | "
                     f"{float(row['Max Response Time']):.0f} |")
    lines += ["", "Percentiles as locust computes them (rounded to two significant digits above 100 ms). Requests "
              "that finish while the users stop (each finishes its task) are in the write check below but not "
              "always in these counts.", "",
              "## Writes: what the clients were told against the database", "",
              "A write counts as confirmed when the server redirected to a page showing a success message and no "
              "error; writes refused because a colleague took the step first (the step no longer offered, or a "
              "stale row version) are not counted and must not be in the database.", ""]
    lines += [f"- {'✔' if ok else '✘'} {text}" for text, ok in findings]
    lines.append(f"- {facts['refused']:,} writes or steps were refused because a colleague was first (the record no "
                 "longer editable, the step no longer offered or already taken); none of them is in the database")
    if facts["failures"]:
        lines += ["", "Failed requests (locust):", ""] + [f"- {line}" for line in facts["failures"]]
    if facts["problems"]:
        lines += ["", "gunicorn error log:", "", "```", *facts["problems"][:20], "```"]
    return "\n".join(lines) + "\n"


def _cpu_text(server_cpu: float | None, client_cpu: float, elapsed: float, requests: int) -> str:
    cores = os.cpu_count() or 1
    text = (f"locust (the client) used {client_cpu:.0f} CPU-seconds; the machine had {cores * elapsed:.0f} "
            f"core-seconds in the {elapsed:.0f} s of the run")
    if server_cpu is None or not requests:
        return text
    per_request = server_cpu / requests * 1000
    return (f"gunicorn (master and workers) used {server_cpu:.0f} CPU-seconds for {requests:,} requests, "
            f"{per_request:.0f} ms of CPU per request on average, logins' password hashing included "
            f"(so about {cores * 1000 / per_request:.0f} req/s would fill {cores} idle cores, PostgreSQL aside); "
            + text)


def load(users: int, seconds: int, workers: int, spawn_rate: float, scale: float | None, out: Path | None,
         think: tuple[float, float] = (1.0, 3.0), echo=click.echo) -> bool:
    import locust

    from .seed import seed

    if scale:
        seed(scale, dt.date.today(), False, echo=lambda *_a, **_k: None)
        echo(f"Seeded the benchmark data at scale {scale:g}.")
    counts = row_counts()
    work = tempfile.mkdtemp(prefix="xmt-load-")
    try:
        config_path, prefix, log = Path(work, "config.json"), Path(work, "locust"), Path(work, "locust.log")
        ledger_path = Path(work, "ledger.json")
        config = client_config(ledger_path, think)
        config_path.write_text(json.dumps(config, ensure_ascii=False))
        audit_marker = db.session.execute(sa.select(sa.func.max(AuditLog.id))).scalar() or 0
        before = status_counts()
        url = db.engine.url.render_as_string(hide_password=False)
        db.session.remove()
        load_before = load_average()
        echo(f"{users} users for {seconds} s against gunicorn ({workers} workers) on {db.engine.dialect.name} …")
        server = Server(url, workers=workers)
        try:
            started, client_cpu = time.perf_counter(), _children_cpu()
            server_cpu = server_cpu_seconds(server)
            code = run_locust(server.port, users, seconds, spawn_rate, config_path, prefix, log)
            elapsed, client_cpu = time.perf_counter() - started, _children_cpu() - client_cpu
            if server_cpu is not None:
                server_cpu = (server_cpu_seconds(server) or 0) - server_cpu
        finally:
            server.stop()
        problems = gunicorn_problems(server.log.name)
        os.unlink(server.log.name)
        if not ledger_path.exists():
            raise click.ClickException(f"locust wrote no ledger (exit {code}):\n{log.read_text()[-3000:]}")
        ledger = json.loads(ledger_path.read_text())
        stats, failures = read_csv(prefix, "stats"), read_csv(prefix, "failures")
        findings = check_writes(ledger, audit_marker, before)
        total = next(row for row in stats if row["Name"] == "Aggregated")
        server_errors = ledger["server_errors"]
        passed = server_errors == 0 and not problems and all(ok for _t, ok in findings) and \
            int(total["Failure Count"]) == 0
        facts = {"command": command_line(), "users": users, "seconds": seconds, "workers": workers,
                 "spawn_rate": spawn_rate, "think": f"{think[0]:g}–{think[1]:g}", "locust": locust.__version__,
                 "machine": {**machine(), "Code": code_revision()}, "load_before": load_before,
                 "load_after": load_average(), "server_errors": server_errors, "problems": problems,
                 "refused": ledger.get("refused", 0),
                 "failures": [f"{f['Method']} {f['Name']}: {f['Error']} ×{f['Occurrences']}" for f in failures],
                 "cpu": _cpu_text(server_cpu, client_cpu, elapsed, int(total["Request Count"])),
                 "mix": "weights unit editor 8, department approver 5, unit leader 4, auditor 3",
                 "data": f"`bench seed --scale {scale:g}` (deterministic)" if scale else "the database as it was"}
        facts["data"] += ", rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + \
            f"; logins used: {', '.join(f'{k} {len(v)}' for k, v in config['logins'].items())}"
        echo(f"{int(total['Request Count']):,} requests in {elapsed:.0f} s, {float(total['Requests/s']):.1f} req/s, "
             f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms; "
             f"{server_errors} server errors, {total['Failure Count']} failures")
        for text, ok in findings:
            echo(f"  {'ok ' if ok else 'BAD'} {text}")
        for line in facts["failures"]:
            echo(f"  failed: {line}")
        for line in problems[:10]:
            echo(f"  gunicorn: {line}")
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(markdown(stats, findings, facts, passed), encoding="utf-8")
            echo(f"Written to {out}.")
        echo("PASS" if passed else "FAIL")
        return passed
    finally:
        shutil.rmtree(work, ignore_errors=True)
