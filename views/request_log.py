"""One JSON line per request on the "xmt.request" logger (issue 16): the time in the configured zone, method,
path, status, duration, the signed-in user's id and a request id — the X-Request-ID that HAProxy passes on
(deploy/haproxy.cfg), or one made here — which the answer carries back in its own X-Request-ID header.

On by default outside tests (REQUEST_LOG=0 turns it off); the lines go to standard error, where gunicorn's
workers write (the process manager or `make cluster` keeps them in a file)."""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session

log = logging.getLogger("xmt.request")
#: What a request id may look like when it comes from outside (anything else is replaced by our own).
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def init_app(app: Flask, enabled: bool) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    if enabled and not any(getattr(h, "xmt_request_log", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.xmt_request_log = True
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def _start():
    g.request_started = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex


def _finish(response):
    started = g.get("request_started")
    if started is None:
        return response
    response.headers["X-Request-ID"] = g.request_id
    if log.isEnabledFor(logging.INFO):
        zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
        log.info(json.dumps({
            "time": dt.datetime.now(zone).isoformat(timespec="milliseconds"),
            "method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": _user_id(),
            "request_id": g.request_id, "remote_addr": request.remote_addr,
        }, ensure_ascii=False))
    return response


def _user_id() -> int | None:
    """The signed-in user's id: the user the request loaded, else the id the session names (no database query
    here: the database may be the very thing that is down)."""
    user = g.get("_login_user")
    if user is not None:
        # A signed-in user's id from the session's identity map: after a commit its attributes are expired, and
        # reading ``is_authenticated`` (``active``) or ``id`` would read the user's row again.
        state = sa.inspect(user, raiseerr=False)
        if state is not None and state.identity is not None:
            return state.identity[0]
        return user.id if getattr(user, "is_authenticated", False) else None
    ident = str(session.get("_user_id") or "").partition(":")[0]
    return int(ident) if ident.isdigit() else None
