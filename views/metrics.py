"""GET /metrics — Prometheus text format for the operators (issue 16): requests, latency and errors per
endpoint, the database pool, the approvals waiting and the overdue registrations and changes.

With gunicorn's several workers set PROMETHEUS_MULTIPROC_DIR (an empty directory, made before gunicorn
starts; gunicorn.conf.py marks a dead worker's files): each worker writes its figures there and /metrics adds
them up. Readable only from METRICS_ALLOWED_IPS (addresses or networks; default loopback), judged by the
address of the TCP peer, never by a forwarded header (a client can write any X-Forwarded-For); 404 when the
list is empty, 403 from any other address. Behind the load balancer, Prometheus scrapes each node directly
(docs/deploy.md); HAProxy does not pass /metrics on."""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import time

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from models import Account, AccountStatus, ChangeRecord, MonthlyReport, ReviewStatus, db

bp = Blueprint("metrics", __name__)

REQUESTS = Counter("xmt_http_requests_total", "HTTP requests answered, by endpoint, method and status code.",
                   ["endpoint", "method", "status"])
ERRORS = Counter("xmt_http_errors_total", "HTTP answers with a server error (5xx), by endpoint.", ["endpoint"])
LATENCY = Histogram("xmt_http_request_duration_seconds", "Time to make the answer, by endpoint (a streamed "
                    "export's rows are sent after it).", ["endpoint"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
POOL_CHECKED_OUT = Gauge("xmt_db_pool_checked_out", "Database connections in use (all workers).",
                         multiprocess_mode="livesum")
POOL_SIZE = Gauge("xmt_db_pool_size", "Database connections kept open by the pools (all workers).",
                  multiprocess_mode="livesum")
POOL_OVERFLOW = Gauge("xmt_db_pool_overflow", "Connections opened beyond the pools' size (all workers).",
                      multiprocess_mode="livesum")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_start_clock)
    app.after_request(_count)


def _start_clock():
    g.metrics_started = time.perf_counter()


def _count(response):
    started = g.pop("metrics_started", None)
    if started is None:
        return response
    # Unknown addresses (404s) share one label: the number of series stays bounded whatever is asked for.
    endpoint = request.endpoint or "unknown"
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    if response.status_code >= 500:
        ERRORS.labels(endpoint).inc()
    pool = db.engine.pool
    if hasattr(pool, "checkedout"):  # QueuePool (PostgreSQL); SQLite's pools keep no such figures
        POOL_CHECKED_OUT.set(pool.checkedout())
        POOL_SIZE.set(pool.size())
        POOL_OVERFLOW.set(max(pool.overflow(), 0))
    return response


def peer_address() -> str:
    """The TCP peer's address: ProxyFix (PROXY_FIX_X_FOR) rewrites REMOTE_ADDR from X-Forwarded-For and keeps
    the original, which is the one that counts here."""
    original = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
    return original or request.environ.get("REMOTE_ADDR") or ""


def allowed_networks(setting: str) -> list:
    return [ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",") if part.strip()]


@bp.get("/metrics")
def metrics():
    networks = allowed_networks(current_app.config["METRICS_ALLOWED_IPS"])
    if not networks:
        abort(404)
    try:
        peer = ipaddress.ip_address(peer_address())
    except ValueError:
        abort(403)
    if not any(peer in network for network in networks):
        abort(403)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()  # every worker's files, added up
        multiprocess.MultiProcessCollector(registry)
        registry.register(WORKFLOW)
    else:
        registry = REGISTRY  # this process's own metrics (WORKFLOW is registered there)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


class WorkflowCollector:
    """The work waiting, read from the database at each scrape (the same on every node)."""

    def describe(self):
        return []  # nothing to ask the database when registered (no app yet)

    def collect(self):
        pending = GaugeMetricFamily("xmt_pending_approvals", "Records waiting for a review, by kind and stage.",
                                    labels=["kind", "stage"])
        overdue = GaugeMetricFamily("xmt_overdue", "Registrations and change requests past their deadline and "
                                    "not yet submitted (第六条, 第八条).", labels=["kind"])
        today = dt.date.today()
        try:
            for kind, model, stages in (("account", Account, (AccountStatus.unit_review, AccountStatus.dept_review)),
                                        ("change", ChangeRecord, (ReviewStatus.unit_review, ReviewStatus.dept_review)),
                                        ("report", MonthlyReport, (ReviewStatus.unit_review, ReviewStatus.dept_review))):
                counts = dict(db.session.execute(sa.select(model.status, sa.func.count()).where(
                    model.status.in_(stages)).group_by(model.status)).all())
                for stage in stages:
                    pending.add_metric([kind, stage.name], counts.get(stage, 0))
            overdue.add_metric(["account"], db.session.execute(sa.select(sa.func.count()).select_from(Account).where(
                Account.status.in_((AccountStatus.draft, AccountStatus.returned)),
                Account.registration_due < today)).scalar())
            overdue.add_metric(["change"], db.session.execute(sa.select(sa.func.count()).select_from(ChangeRecord)
                .where(ChangeRecord.status.in_((ReviewStatus.draft, ReviewStatus.returned)),
                       ChangeRecord.due_on < today)).scalar())
        except SQLAlchemyError:
            db.session.rollback()
            return  # the database is away: the request figures are still worth reading
        yield pending
        yield overdue


WORKFLOW = WorkflowCollector()
REGISTRY.register(WORKFLOW)
