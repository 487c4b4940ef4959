"""A PostgreSQL restart while requests run (issue 7, item 5), on a private cluster of this test's own.

The shared database server is never touched: the test makes a throw-away cluster (initdb, pg_ctl) on a
free port, migrates it, serves the app from it with gunicorn (the project's gunicorn.conf.py, two
workers), and keeps a client busy logging reads and writes (new units) while it stops the cluster
(``pg_ctl stop -m fast``) and starts it again. Requests during the outage must get the Chinese 503
page (or /healthz's 503) — never a 500 — and nothing may be half written; once the cluster is back
the same server process answers again (the pool pings its connections before use).
The restart runs on PostgreSQL only: skipped on SQLite and where the PostgreSQL server binaries are
missing. The 503 page itself is checked on both databases.
"""
from __future__ import annotations

import glob
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.client import ROOT, Client, Server, free_port

postgres_only = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                   reason="PostgreSQL only (DATABASE_URL)")

LOGIN, PASSWORD = "fault_dept", "fault-password-2026"
DB_DOWN_TEXT = "数据库暂时不可用"


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    candidates = ([found] if found else []) + sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


class Cluster:
    """A private PostgreSQL cluster in a temporary directory (as the postgres user when run as root)."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="xmt-faults-pg-"))
        self.data, self.log = self.dir / "data", self.dir / "server.log"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale",
                  "--no-sync")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except subprocess.SubprocessError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Hit:
    kind: str  # "write", "read", "health"
    started: float
    ended: float
    status: int  # 0: no answer at all
    clean: bool  # the answer is the expected page for its status
    code: str = ""  # the unit code a write tried to create


#: Migrate the private database and make the test's login, in one process (one application start).
PREPARE = f"""
from flask_migrate import upgrade
from app import create_app
app = create_app()
with app.app_context():
    upgrade()
result = app.test_cli_runner().invoke(args=["users", "create", "{LOGIN}", "--role", "dept_admin",
                                            "--password", "{PASSWORD}"])
assert result.exit_code == 0, result.output
"""


def _prepare(url: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="fault-test")
    env.pop("FLASK_DEBUG", None)
    subprocess.run([sys.executable, "-c", PREPARE], cwd=ROOT, env=env, check=True, capture_output=True, timeout=180)


@pytest.fixture
def cluster():
    bin_dir = _pg_bin()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: initdb cannot run")
    pg = Cluster(bin_dir)
    try:
        pg.start()
        _prepare(pg.url)
        yield pg
    finally:
        pg.remove()


def _busy_client(token: str, client: Client, hits: list[Hit], stop: threading.Event) -> None:
    """One office user working without pause: a new unit, the units list, the health check, again."""
    n = 0
    while not stop.is_set():
        n += 1
        code = f"F{n:04d}"
        for kind, method, path, form in (
                ("write", "POST", "/admin/units/new/?url=/admin/units/",
                 {"csrf_token": token, "code": code, "name": f"故障演练单位{n:04d}", "kind": "college",
                  "leader_name": "张老师", "leader_title": "院长", "phone": "0871-65023456", "active": "y"}),
                ("read", "GET", "/admin/units/?search=F0", None),
                ("health", "GET", "/healthz", None)):
            started = time.monotonic()
            try:
                status, headers, body, _t = client.request(method, path, form)
            except (OSError, http.client.HTTPException):
                status, headers, body = 0, {}, b""
            text = body.decode("utf-8", "replace")
            if status == 503:
                clean = (DB_DOWN_TEXT in text) if kind != "health" else '"unreachable"' in text
            elif kind == "write":
                clean = status == 302 and "/admin/units/" in (headers.get("Location") or "")
            else:
                clean = status == 200
            hits.append(Hit(kind, started, time.monotonic(), status, clean, code if kind == "write" else ""))
        time.sleep(0.02)


def test_an_unreachable_database_answers_the_chinese_503_page():
    """On both databases: a page that needs the database, with none answering, says so and asks to retry."""
    from app import create_app

    broken = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                         "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = broken.test_client().post("/login", data={"username": "kj_editor", "password": "whatever-123"})
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert DB_DOWN_TEXT in html and "Traceback" not in html and "psycopg" not in html


def test_a_connection_cut_after_the_page_was_made_does_not_fail_the_response(app, monkeypatch):
    """The database may terminate a connection between the last query and the end of the request; closing
    the session then cannot roll back. The page already made is still sent (the connection is dropped)."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    calls = []
    close = Session.close

    def cut_once(session):
        calls.append(session)
        if len(calls) == 1:
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))
        return close(session)

    monkeypatch.setattr(Session, "close", cut_once)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"
    assert calls  # the session was closed at the end of the request, the first time with the error


@dataclass
class Outage:
    mode: str
    stopping: float  # pg_ctl stop called
    down: float  # pg_ctl stop returned: the database is gone
    starting: float  # pg_ctl start called
    up: float  # pg_ctl start returned: the database answers again


@postgres_only
def test_postgresql_restart_while_requests_run(cluster):
    """Two outages while a user works: a clean shutdown (-m fast) and a crash (-m immediate)."""
    server = Server(cluster.url, workers=2, env={"GUNICORN_TIMEOUT": "30"})
    hits: list[Hit] = []
    outages: list[Outage] = []
    stop = threading.Event()
    try:
        client = Client(server.port)
        client.login(LOGIN, PASSWORD)
        token = client.csrf("/admin/units/new/")
        worker = threading.Thread(target=_busy_client, args=(token, client, hits, stop), daemon=True)
        worker.start()
        for mode in ("fast", "immediate"):
            time.sleep(1.5)
            stopping = time.monotonic()
            cluster.stop(mode)  # fast: sessions terminated; immediate: processes killed, recovery at start
            down = time.monotonic()
            time.sleep(2.0)
            starting = time.monotonic()
            cluster.start()
            outages.append(Outage(mode, stopping, down, starting, time.monotonic()))
            deadline = outages[-1].up + 20  # a bound on the wait, not a timing target
            while time.monotonic() < deadline and not any(
                    h.started > outages[-1].up and h.kind == "write" and h.status == 302 for h in hits):
                time.sleep(0.1)
        time.sleep(0.5)
        stop.set()
        worker.join(30)
    finally:
        stop.set()
        server.stop()
        server_log = Path(server.log.name).read_text(errors="replace")
        os.unlink(server.log.name)

    # Every answer was a clean one: the page for its status, and never a 500 or a dropped connection.
    assert hits and all(h.status in (200, 302, 503) for h in hits), \
        ([h for h in hits if h.status not in (200, 302, 503)], server_log[-6000:])
    assert all(h.clean for h in hits), [h for h in hits if not h.clean][:5]
    report = []
    for i, outage in enumerate(outages):
        until = outages[i + 1].stopping if i + 1 < len(outages) else float("inf")
        during = [h for h in hits if h.started >= outage.down and h.ended <= outage.starting]
        assert {h.kind for h in during} == {"write", "read", "health"}, outage
        assert all(h.status == 503 for h in during), [h for h in during if h.status != 503][:5]
        after = [h for h in hits if outage.up < h.started and h.ended < until]
        assert any(h.kind == "health" and h.status == 200 for h in after), outage
        assert any(h.kind == "write" and h.status == 302 for h in after), outage
        assert any(h.kind == "read" and h.status == 200 for h in after), outage
        recovered = min(h.ended for h in after if h.status in (200, 302))
        # After the first success, nothing fails again: the same server process serves on.
        assert all(h.status in (200, 302) for h in after if h.started >= recovered), outage
        report.append(f"-m {outage.mode}: stop {outage.down - outage.stopping:.2f} s, down "
                      f"{outage.starting - outage.down:.1f} s, start {outage.up - outage.starting:.2f} s; "
                      f"{len(during)} requests while down, all 503 ({sum(h.kind == 'write' for h in during)} "
                      f"writes); first success {recovered - outage.up:.2f} s after start returned")

    # Nothing half written: every unit the server confirmed exists with its audit entry; a unit whose
    # answer was a 503 exists only if its request was in flight when the database went away (its commit
    # may have landed before the connection was cut), and then complete, with its audit entry too.
    engine = sa.create_engine(cluster.url)
    try:
        with engine.connect() as conn:
            units = {row.code: row for row in conn.execute(sa.text(
                "SELECT u.code, u.name, u.kind, u.leader_name, u.phone, "
                "(SELECT count(*) FROM audit_log a WHERE a.object_type = 'Unit' AND a.object_id = u.id "
                " AND a.action = 'create') AS audited FROM units u WHERE u.code LIKE 'F%'"))}
    finally:
        engine.dispose()
    writes = [h for h in hits if h.kind == "write"]
    confirmed = {h.code for h in writes if h.status == 302}
    in_flight = {h.code for h in writes for o in outages
                 if h.status != 302 and h.started < o.down and h.ended > o.stopping}
    assert confirmed <= set(units)
    assert set(units) <= confirmed | in_flight
    for code, row in units.items():
        n = int(code[1:])
        assert (row.name, row.kind, row.leader_name, row.phone, row.audited) == \
            (f"故障演练单位{n:04d}", "college", "张老师", "0871-65023456", 1), row
    print(f"\nfaults: {len(hits)} requests, {len(writes)} writes: {len(confirmed)} confirmed and stored, "
          f"{sum(h.status == 503 for h in writes)} answered 503, of which "
          f"{len(set(units) & in_flight)} committed just before the cut (complete, audited)\n  "
          + "\n  ".join(report))
