"""The figures of docs/deploy.md: locust (bench/locustfile.py) through HAProxy against one node and against two,
and a node stopped (or killed) in the middle of a run.

    createdb -h 127.0.0.1 -U postgres xmt_cluster_load
    export SECRET_KEY=… DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/xmt_cluster_load \\
           REDIS_URL=redis://127.0.0.1:6379/2
    .venv/bin/flask --app wsgi db upgrade && .venv/bin/flask --app wsgi bench seed --scale 0.05 --yes
    .venv/bin/python deploy/measure.py --users 50 --seconds 60 1 2 2:stop 2:kill

Each argument is one run: the number of nodes, and for ":stop" / ":kill" node 1 stopped gracefully (SIGTERM) or
killed (SIGKILL) a third into the run and started again at two thirds. Prints one Markdown table row per run
(requests/s, p50/p95, 5xx, lost writes, when HAProxy took the node out and back)."""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cluster(env: dict, *args: str) -> str:
    done = subprocess.run([str(ROOT / "deploy" / "cluster.sh"), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    if done.returncode:
        raise RuntimeError(done.stdout + done.stderr)
    return done.stdout


def wait_state(env: dict, node: str, state: str, seconds: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        states = dict(line.split(" ", 1) for line in cluster(env, "status").splitlines() if " " in line)
        if states.get(node) == state:
            return time.monotonic() - started
        time.sleep(0.1)
    return float("nan")


def run(spec: str, users: int, seconds: int, think: tuple[float, float]) -> str:
    from app import create_app
    from bench.load import check_writes, client_config, read_csv, run_locust, status_counts
    from models import AuditLog, db

    import sqlalchemy as sa

    nodes, _, fault = spec.partition(":")
    work = Path(tempfile.mkdtemp(prefix="xmt-measure-"))
    env = dict(os.environ, LB_PORT=str(free_port()), CLUSTER_DIR=str(work / "cluster"),
               NODE_PORTS=" ".join(str(free_port()) for _ in range(int(nodes))),
               WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "2"),
               LOGIN_RATE_LIMIT="100000 per minute")  # every virtual user logs in from 127.0.0.1
    app = create_app()
    with app.app_context():
        config = client_config(work / "ledger.json", think)
        (work / "config.json").write_text(json.dumps(config, ensure_ascii=False))
        marker = db.session.execute(sa.select(sa.func.max(AuditLog.id))).scalar() or 0
        before = status_counts()
        db.session.remove()
    cluster(env, "start")
    out = down = back = float("nan")
    try:
        codes: list[int] = []
        runner = threading.Thread(target=lambda: codes.append(run_locust(
            int(env["LB_PORT"]), users, seconds, 10, work / "config.json", work / "locust", work / "locust.log")))
        runner.start()
        if fault:
            time.sleep(seconds / 3)
            stopped = time.monotonic()
            cluster(env, "kill-node" if fault == "kill" else "stop-node", "1")
            out = time.monotonic() - stopped
            down = wait_state(env, "node1", "DOWN") + out
            time.sleep(max(0.0, seconds / 3 - (time.monotonic() - stopped)))
            cluster(env, "start-node", "1")
            back = wait_state(env, "node1", "UP")
        runner.join()
    finally:
        cluster(env, "stop")
    ledger = json.loads((work / "ledger.json").read_text())
    with app.app_context():
        findings = check_writes(ledger, marker, before)
    lost = sum(int(n) for n in re.findall(r"LOST (\d+)", " ".join(t for t, _ in findings)))
    unconfirmed = sum(int(n) for n in re.findall(r"(\d+) written but not confirmed", " ".join(t for t, _ in findings)))
    total = next(row for row in read_csv(work / "locust", "stats") if row["Name"] == "Aggregated")
    log = Path(env["CLUSTER_DIR"], "haproxy.log").read_text(errors="replace")
    shutil.rmtree(work, ignore_errors=True)
    lb_5xx = len(re.findall(r'" ?\d+/\d+/-?\d+/-?\d+/\d+ 5\d\d |\s5\d\d \d+ [-A-Za-z]{4} ', log))
    fault_text = {"": "—", "stop": "node 1 stopped (SIGTERM)", "kill": "node 1 killed (SIGKILL)"}[fault]
    return (f"| {nodes} | {fault_text} | {users} × {seconds} s | {int(total['Request Count']):,} | "
            f"{float(total['Requests/s']):.1f} | {total['50%']} | {total['95%']} | {ledger['server_errors']} "
            f"(HAProxy log: {lb_5xx}) | {lost} lost, {unconfirmed} unconfirmed | "
            + (f"out after {down:.1f} s, back {back:.1f} s after its start |" if fault else "— |"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", default="1-3")
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think.split("-"))
    print("| nodes | fault | users × time | requests | req/s | p50 ms | p95 ms | 5xx | writes | node 1 in HAProxy |")
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- |")
    for spec in args.runs:
        print(run(spec, args.users, args.seconds, think), flush=True)


if __name__ == "__main__":
    main()
