"""Two app servers behind HAProxy, one PostgreSQL, one Redis (issue 16, "A real two-node deployment, tested").

`deploy/cluster.sh` (what `make cluster` runs) starts two gunicorn nodes on free ports and HAProxy in front;
the tests drive logins, edits, workflow steps and a short locust run through the load balancer (and, where a
node is named, straight to that node) and show that the nodes share one truth: sessions, sign-out, the login
limit and the lock-out, fresh pages and exports, and no lost write when a node stops under load.
PostgreSQL only (two servers cannot share an SQLite file), with haproxy and Redis present."""
from __future__ import annotations

import datetime as dt
import http.client
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import openpyxl
import pytest
import sqlalchemy as sa

from models import Account, AccountStatus, MonthlyReport, ReviewStatus, db
from services import reports

from .factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="row_version" value="(\d+)"')
REDIS_URL = os.environ.get("CLUSTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")
#: Workers per node: at most this many requests are in flight on a node that stops.
WORKERS = 2
#: Logins one address may POST per minute on every node together (shared in Redis).
LOGIN_LIMIT = 25
#: The locust run (CI: short; docs/deploy.md has the 50 users × 60 s figures).
LOCUST_USERS = int(os.environ.get("CLUSTER_TEST_USERS", 20))
LOCUST_SECONDS = int(os.environ.get("CLUSTER_TEST_SECONDS", 30))


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 — any failure means: no Redis here
        return False


pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="two app servers share one PostgreSQL database (SQLite: one server only)"),
    pytest.mark.skipif(shutil.which("haproxy") is None, reason="HAProxy is not installed (apt-get install haproxy)"),
    pytest.mark.skipif(not _redis_answers(), reason=f"Redis does not answer at {REDIS_URL}"),
]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """One browser from its own loopback address (127.0.0.N: its own login-limit bucket), keeping cookies."""

    def __init__(self, source: str):
        self.source, self.cookies, self.last = source, {}, None

    def request(self, port: int, method: str, path: str, form=None):
        body = urlencode(form).encode() if form is not None else None
        headers = {"User-Agent": "xmt-cluster-test/1", "Accept-Language": "zh-CN"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(self.source, 0))
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                if morsel.value and "1970" not in (morsel["expires"] or ""):
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        self.last = response
        return response.status, response.headers, data

    def get(self, port, path):
        return self.request(port, "GET", path)

    def login(self, port: int, username: str, password: str = PASSWORD) -> int:
        """200 when signed in, 401 when the form came back with an error, else the status (429: the limit)."""
        status, _h, html = self.get(port, "/login")
        token = CSRF.search(html.decode())
        status, headers, _b = self.request(port, "POST", "/login", {
            "csrf_token": token.group(1) if token else "", "username": username, "password": password})
        if status == 302:
            return 401 if "/login" in headers.get("Location", "") else 200
        return 401 if status == 200 else status

    def signed_in(self, port: int) -> bool:
        status, headers, _b = self.get(port, "/admin/")
        return status == 200

    def step(self, port: int, view: str, record_id: int, action: str) -> bool:
        """A workflow button on the record's page (CSRF token and row version from the page)."""
        status, _h, html = self.get(port, f"/admin/{view}/details/?id={record_id}")
        page = html.decode()
        assert status == 200, (view, record_id, status)
        status, headers, _b = self.request(port, "POST", f"/admin/{view}/action/", {
            "csrf_token": CSRF.search(page).group(1), "rowid": str(record_id),
            "row_version": VERSION.search(page).group(1), "action": action, "opinion": "同意。",
            "url": f"/admin/{view}/details/?id={record_id}"})
        return status == 302


class Cluster:
    def __init__(self, database_url: str):
        self.dir = tempfile.mkdtemp(prefix="xmt-cluster-test-")
        self.lb, self.nodes = free_port(), [free_port(), free_port()]
        self.env = dict(os.environ, SECRET_KEY="cluster-test-secret", DATABASE_URL=database_url,
                        REDIS_URL=REDIS_URL, LB_PORT=str(self.lb),
                        NODE_PORTS=" ".join(map(str, self.nodes)), WEB_CONCURRENCY=str(WORKERS),
                        CLUSTER_DIR=self.dir, LOGIN_RATE_LIMIT=f"{LOGIN_LIMIT} per minute")
        self.env.pop("FLASK_DEBUG", None)

    def run(self, *args: str, timeout: int = 120) -> str:
        done = subprocess.run([str(ROOT / "deploy" / "cluster.sh"), *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"cluster.sh {' '.join(args)}: {done.stdout}{done.stderr}" + self.logs()
        return done.stdout

    def logs(self) -> str:
        return "".join(f"\n--- {p.name}\n" + p.read_text(errors="replace")[-3000:]
                       for p in sorted(Path(self.dir).glob("*.log")))

    def states(self) -> dict[str, str]:
        return dict(line.split(" ", 1) for line in self.run("status").splitlines() if " " in line)

    def wait_state(self, node: str, state: str, seconds: float = 30) -> float:
        """Seconds until HAProxy shows ``node`` as ``state`` (UP or DOWN)."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if self.states().get(node) == state:
                return time.monotonic() - started
            time.sleep(0.2)
        raise AssertionError(f"{node} not {state} after {seconds} s: {self.states()}")


@pytest.fixture(scope="module")
def cluster(app):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # the limits of an earlier run
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    running = Cluster(url)
    running.run("start")
    keep = os.environ.get("CLUSTER_TEST_KEEP_LOGS")
    try:
        running.wait_state("node1", "UP")
        running.wait_state("node2", "UP")
        yield running
    finally:
        running.run("stop")
        if keep:
            shutil.copytree(running.dir, keep, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.sock"))
        shutil.rmtree(running.dir, ignore_errors=True)


def test_a_session_works_on_both_nodes(cluster, world):
    browser = Browser("127.0.0.11")
    assert browser.login(cluster.lb, "editor") == 200
    served = set()
    for _ in range(4):
        status, headers, _b = browser.get(cluster.lb, "/admin/")
        assert status == 200
        served.add(headers["X-Served-By"])
    assert served == {"node1", "node2"}
    assert browser.signed_in(cluster.nodes[0]) and browser.signed_in(cluster.nodes[1])


def test_the_load_balancer_passes_a_request_id_and_the_real_address(cluster, world):
    status, headers, _b = Browser("127.0.0.12").request(cluster.lb, "GET", "/healthz")
    assert status == 200 and re.fullmatch(r"[0-9A-F]{20,}", headers["X-Request-ID"])
    logged = [json.loads(line) for node in (1, 2) for line in
              Path(cluster.dir, f"node{node}.log").read_text().splitlines() if line.startswith("{")]
    line = next(entry for entry in logged if entry["request_id"] == headers["X-Request-ID"])
    assert line["remote_addr"] == "127.0.0.12" and line["path"] == "/healthz"


def test_metrics_are_read_on_each_node_not_through_the_load_balancer(cluster, world):
    browser = Browser("127.0.0.1")
    assert browser.get(cluster.lb, "/metrics")[0] == 404
    status, _h, body = browser.get(cluster.nodes[0], "/metrics")
    text = body.decode()
    assert status == 200 and 'xmt_http_requests_total{endpoint="health.healthz",method="GET",status="200"}' in text
    assert "xmt_pending_approvals" in text and "xmt_db_pool_size" in text
    assert Browser("127.0.0.13").get(cluster.nodes[0], "/metrics")[0] == 403  # not a configured address


def test_the_lock_out_counts_across_nodes(cluster, world):
    browser = Browser("127.0.0.14")
    for attempt in range(5):  # views/auth.py MAX_FAILURES, alternating between the nodes
        browser.login(cluster.nodes[attempt % 2], "leader", "wrong-password")
    assert browser.login(cluster.nodes[1], "leader") != 200
    assert browser.login(cluster.nodes[0], "leader") != 200


def test_the_login_limit_counts_across_nodes(cluster, world):
    browser = Browser("127.0.0.15")
    answers = [browser.login(cluster.nodes[attempt % 2], "nobody", "wrong") for attempt in range(LOGIN_LIMIT + 2)]
    assert 429 not in answers[:LOGIN_LIMIT] and answers[LOGIN_LIMIT:] == [429, 429]
    assert browser.login(cluster.lb, "editor") == 429  # and through the load balancer
    assert Browser("127.0.0.16").login(cluster.lb, "editor") == 200  # another address has its own count


def test_sign_out_on_one_node_ends_the_session_on_the_other(cluster, world):
    browser = Browser("127.0.0.17")
    assert browser.login(cluster.nodes[0], "auditor") == 200
    captured = dict(browser.cookies)
    status, _h, html = browser.get(cluster.nodes[0], "/admin/")
    token = CSRF.search(html.decode())
    browser.request(cluster.nodes[0], "POST", "/logout", {"csrf_token": token.group(1) if token else ""})
    assert not browser.signed_in(cluster.nodes[1])
    replay = Browser("127.0.0.17")
    replay.cookies = captured  # the cookie as it was before the sign-out
    assert not replay.signed_in(cluster.nodes[1]) and not replay.signed_in(cluster.nodes[0])


@pytest.fixture
def pending(app, world):
    """The own account awaiting the department; a report of the month now due awaiting it too."""
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status, account.registration_due = AccountStatus.dept_review, dt.date(2026, 12, 31)
        report = db.session.get(MonthlyReport, world["own_report"])
        report.status, report.period = ReviewStatus.dept_review, reports.reporting_period()
        db.session.commit()
        return {"account": account.id, "name": account.name, "report": report.id}


def _xlsx_cells(data: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    return ["" if value is None else str(value) for row in sheet.iter_rows(values_only=True) for value in row]


def test_a_change_on_node_a_is_fresh_on_node_b_at_once(cluster, pending):
    node_a, node_b = cluster.nodes
    dept = Browser("127.0.0.18")
    assert dept.login(node_a, "dept") == 200
    month = reports.reporting_period().strftime("%Y-%m")
    summary = f"/admin/reports/summary/?month={month}&format=xlsx"
    export = "/admin/accounts/export/xlsx/"

    def on_b():  # every cache node B keeps (rendered matrix, kept .xlsx files) is filled before the change
        return {"matrix": dept.get(node_b, "/matrix")[2].decode(), "json": dept.get(node_b, "/matrix.json")[2].decode(),
                "export": _xlsx_cells(dept.get(node_b, export)[2]), "summary": _xlsx_cells(dept.get(node_b, summary)[2])}

    before = on_b()
    assert pending["name"] not in before["matrix"] and pending["name"] not in before["json"]
    assert "已备案" not in before["export"] and "已通过" not in before["summary"]
    assert on_b() == before  # (the second answers come from node B's caches)
    assert dept.step(node_a, "accounts", pending["account"], "approve")
    assert dept.step(node_a, "reports", pending["report"], "approve")
    after = on_b()
    assert pending["name"] in after["matrix"] and pending["name"] in after["json"]
    assert "已备案" in after["export"] and "已通过" in after["summary"]


def test_stopping_a_node_under_load_loses_no_write_and_it_comes_back(app, cluster, tmp_path):
    """A short locust run (bench/locustfile.py) through the load balancer; node 1 stops in the middle and
    starts again. Every write a user was told was saved is in the database; no 5xx beyond the requests in
    flight on the stopped node; HAProxy takes the node back."""
    from bench.load import check_writes, client_config, read_csv, run_locust, status_counts
    from bench.seed import seed
    from models import AuditLog

    with app.app_context():
        seed(0.01, dt.date.today(), False, echo=lambda *_a, **_k: None)
        work = tmp_path
        config = client_config(work / "ledger.json", (0.5, 1.5))
        (work / "config.json").write_text(json.dumps(config, ensure_ascii=False))
        marker = db.session.execute(sa.select(sa.func.max(AuditLog.id))).scalar() or 0
        before = status_counts()
        db.session.remove()
    codes = []
    runner = threading.Thread(target=lambda: codes.append(run_locust(
        cluster.lb, LOCUST_USERS, LOCUST_SECONDS, 10, work / "config.json", work / "locust", work / "locust.log")))
    runner.start()
    time.sleep(LOCUST_SECONDS / 3)
    cluster.run("stop-node", "1")
    down_after = cluster.wait_state("node1", "DOWN")
    time.sleep(LOCUST_SECONDS / 6)
    cluster.run("start-node", "1")
    back_after = cluster.wait_state("node1", "UP")
    runner.join(LOCUST_SECONDS + 120)
    assert not runner.is_alive() and (work / "ledger.json").exists(), (work / "locust.log").read_text()[-3000:]
    ledger = json.loads((work / "ledger.json").read_text())
    with app.app_context():
        findings = check_writes(ledger, marker, before)
    failures = read_csv(work / "locust", "failures")
    print("\n".join(f"{'ok ' if ok else '-- '} {text}" for text, ok in findings))
    print("\n".join(f"failed: {f['Method']} {f['Name']}: {f['Error']} ×{f['Occurrences']}" for f in failures))
    # No confirmed write is lost, every edited report holds a confirmed edit's figures, every report is in
    # the state of its last logged step. A write the server made but whose confirmation the user did not see
    # (its answer or the page after it cut by the stop, or by locust stopping the users at the end) is not lost.
    assert not [text for text, _ok in findings if "LOST" in text or "WRONG" in text], findings
    unconfirmed = sum(int(n) for n in re.findall(r"(\d+) written but not confirmed", " ".join(t for t, _ in findings)))
    assert unconfirmed <= WORKERS + LOCUST_USERS, findings
    assert sum(1 for kind, *_ in ledger["confirmed"] if kind != "login") > 0  # the run did write
    assert ledger["server_errors"] <= WORKERS, cluster.logs()
    served = {Browser("127.0.0.19").get(cluster.lb, "/healthz")[1]["X-Served-By"] for _ in range(4)}
    assert served == {"node1", "node2"}  # node 1 is back in rotation
    total = next(row for row in read_csv(work / "locust", "stats") if row["Name"] == "Aggregated")
    print(f"\ncluster locust: {LOCUST_USERS} users × {LOCUST_SECONDS} s, {total['Request Count']} requests, "
          f"{float(total['Requests/s']):.1f} req/s, p50 {total['50%']} ms, p95 {total['95%']} ms; "
          f"{ledger['server_errors']} server errors; node 1 out of rotation {down_after:.1f} s after its stop, "
          f"back {back_after:.1f} s after its start")
