"""/metrics (Prometheus text format) and the request log's JSON lines (issue 16, operators)."""
import json
import logging

import pytest
from flask import Response
from werkzeug.middleware.proxy_fix import ProxyFix

from models import Account, AccountStatus, db
from views import metrics

OUTSIDE = {"REMOTE_ADDR": "10.1.2.3"}


def _metric(text: str, name: str, **labels) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_from_loopback_counts_requests_pending_work_and_overdue(app, world, login_as):
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status = AccountStatus.dept_review
        db.session.commit()
    client = login_as("dept_admin")
    client.get("/admin/accounts/")
    client.get("/no/such/page")
    response = app.test_client().get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert _metric(text, "xmt_http_requests_total", endpoint="accounts.index_view", method="GET", status="200") >= 1
    assert _metric(text, "xmt_http_requests_total", endpoint="unknown", status="404") >= 1
    assert _metric(text, "xmt_http_request_duration_seconds_count", endpoint="accounts.index_view") >= 1
    assert _metric(text, "xmt_pending_approvals", kind="account", stage="dept_review") == 1
    assert _metric(text, "xmt_pending_approvals", kind="report", stage="unit_review") is not None
    assert _metric(text, "xmt_overdue", kind="account") is not None
    assert _metric(text, "xmt_overdue", kind="change") is not None


def test_a_server_error_is_counted_as_an_error(app):
    with app.test_request_context("/x"):
        from flask import g

        g.metrics_started = 0.0
        metrics._count(Response(status=500))
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert _metric(text, "xmt_http_errors_total", endpoint="unknown") >= 1


def test_metrics_refused_from_another_address(app, world):
    assert app.test_client().get("/metrics", environ_base=OUTSIDE).status_code == 403


def test_a_forwarded_header_does_not_open_metrics(app, world, monkeypatch):
    """Behind a proxy (PROXY_FIX_X_FOR) the TCP peer counts, not the X-Forwarded-For a client can write."""
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1))
    client = app.test_client()
    assert client.get("/metrics", environ_base=OUTSIDE, headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 200


@pytest.mark.parametrize("setting,status", [("", 404), ("10.0.0.0/8", 200), ("10.1.2.3", 200), ("192.168.0.1", 403)])
def test_the_allowed_addresses_are_configured(app, world, monkeypatch, setting, status):
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_IPS", setting)
    assert app.test_client().get("/metrics", environ_base=OUTSIDE).status_code == status


@pytest.fixture
def logged(caplog):
    # Alembic's logging set-up (the migrations that build the test database) disables the loggers that exist
    # before it runs, this one among them; a server never runs the migrations in its own process.
    logging.getLogger("xmt.request").disabled = False
    caplog.set_level(logging.INFO, logger="xmt.request")
    return caplog


def _log_lines(logged):
    return [json.loads(record.getMessage()) for record in logged.records if record.name == "xmt.request"]


def test_one_json_line_per_request_with_the_user_and_the_local_time(app, world, login_as, logged):
    client = login_as("unit_editor")
    response = client.get("/admin/accounts/?search=x", headers={"X-Request-ID": "haproxy-7f3a.1"})
    lines = _log_lines(logged)
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET" and line["path"] == "/admin/accounts/" and line["status"] == 200
    assert line["request_id"] == "haproxy-7f3a.1" == response.headers["X-Request-ID"]
    assert line["time"].endswith("+08:00")  # Asia/Shanghai, the configured zone
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    with app.app_context():
        from models import User

        assert line["user_id"] == db.session.query(User).filter_by(username="editor").one().id


def test_a_request_id_is_made_when_none_or_a_bad_one_is_given(app, world, logged):
    client = app.test_client()
    first = client.get("/login")
    second = client.get("/login", headers={"X-Request-ID": "bad id <script>"})
    ids = [line["request_id"] for line in _log_lines(logged)]
    assert len(ids) == 2 and len(set(ids)) == 2 and all(len(i) == 32 for i in ids)
    assert [first.headers["X-Request-ID"], second.headers["X-Request-ID"]] == ids
    assert [line["user_id"] for line in _log_lines(logged)] == [None, None]


def test_the_log_line_names_the_user_without_reading_them_again_after_a_commit(app, world, login_as, logged):
    """An export commits its audit entry, which expires the signed-in user: the line takes the id from the
    session's identity map instead of reading the user's row again (the database may be what is failing)."""
    from .conftest import count_statements

    client = login_as("dept_admin")
    with count_statements(app) as statements:
        assert client.get("/admin/reports/summary/?format=csv").status_code == 200
    assert sum(s.lstrip().startswith("SELECT users.") for s in statements) == 1, statements
    with app.app_context():
        from models import User

        assert _log_lines(logged)[-1]["user_id"] == db.session.query(User).filter_by(username="dept").one().id
