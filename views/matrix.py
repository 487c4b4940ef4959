"""Public pages without login (第五条): /matrix, /matrix.json, /matrix/verify, the QR code images."""
from __future__ import annotations

import hashlib
import io
import threading
from itertools import groupby

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from flask_babel import force_locale

from models import Account, AccountStatus, Attachment, AttachmentKind, Platform, UnitKind, db
from models.base import to_id
from services import matrix

bp = Blueprint("matrix", __name__)

#: Browsers and the portal may keep the page briefly; the ETag makes them revalidate cheaply after that.
MAX_AGE = 60


class _Rendered:
    """Bodies rendered for the current matrix version, per process: a public page is the same for everyone,
    so it is rendered once per version and query. Keyed by :func:`services.matrix.version`, which is read on
    every request, so an approval or an edit is visible at once. Pages kept here carry nothing per request
    (no CSRF token, no CSP nonce: the public pages have no script)."""

    MAX_ENTRIES = 200

    def __init__(self):
        self._lock = threading.Lock()
        self._version = None
        self._bodies: dict = {}

    def get(self, version: str, key: tuple):
        with self._lock:
            return self._bodies.get(key) if version == self._version else None

    def put(self, version: str, key: tuple, body) -> None:
        with self._lock:
            if version != self._version:
                self._version, self._bodies = version, {}
            if len(self._bodies) >= self.MAX_ENTRIES:
                self._bodies.pop(next(iter(self._bodies)))
            self._bodies[key] = body

    def clear(self) -> None:
        with self._lock:
            self._version, self._bodies = None, {}


rendered = _Rendered()


def _digest(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()


def _cached(response, etag: str):
    # A digest: the raw key holds the (Chinese) search words, and headers must be Latin-1.
    response.set_etag(_digest(etag))
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response.make_conditional(request)


@bp.get("/matrix")
def page():
    with force_locale("zh_Hans_CN"):  # the public page is in Simplified Chinese
        q, platform, unit_kind = (request.args.get(k, "")[:matrix.MAX_QUERY] for k in ("q", "platform", "kind"))
        version = matrix.version()
        etag = f"{version}|{q}|{platform}|{unit_kind}"
        verifying = bool(request.args.get("verify"))
        if request.if_none_match.contains(_digest(etag)) and not verifying:
            return _cached(current_app.response_class(status=304), etag)
        key = ("page", q, platform, unit_kind)
        html = None if verifying else rendered.get(version, key)
        if html is not None:
            return _cached(current_app.response_class(html, mimetype="text/html"), etag)
        entries = matrix.entries(q, platform, unit_kind)
        by_unit = [(unit, list(rows)) for unit, rows in groupby(entries, key=lambda e: e.unit)]
        platform_counts = {}
        for entry in entries:
            platform_counts[entry.platform] = platform_counts.get(entry.platform, 0) + 1
        check = matrix.verify(request.args["verify"]) if request.args.get("verify") else None
        html = render_template("matrix/page.html", by_unit=by_unit, total=len(entries), q=q, platform=platform,
                               unit_kind=unit_kind, platforms=list(Platform), unit_kinds=list(UnitKind),
                               platform_counts=[(p, platform_counts[p]) for p in Platform if p in platform_counts],
                               check=check, university=current_app.config["UNIVERSITY_NAME"])
        response = current_app.response_class(html, mimetype="text/html")
        if check:
            return response
        rendered.put(version, key, response.get_data())  # kept encoded: a 300 kB page is encoded once
        return _cached(response, etag)


@bp.get("/matrix.json")
def as_json():
    with force_locale("zh_Hans_CN"):
        version = matrix.version()
        etag = "json-" + version
        if request.if_none_match.contains(_digest(etag)):
            return _cached(current_app.response_class(status=304), etag)
        body = rendered.get(version, ("json",))
        if body is None:
            data = [entry.as_json() for entry in matrix.entries()]
            body = jsonify({"university": current_app.config["UNIVERSITY_NAME"], "count": len(data),
                            "accounts": data}).get_data()
            rendered.put(version, ("json",), body)
        response = current_app.response_class(body, mimetype="application/json")
        response.headers["Access-Control-Allow-Origin"] = "*"
        return _cached(response, etag)


@bp.get("/matrix/verify")
def verify():
    with force_locale("zh_Hans_CN"):
        result = matrix.verify(request.args.get("q", ""))
        wants_json = request.args.get("format") == "json" or wants_json_by_accept()
        if wants_json:
            response = jsonify(result)
        else:
            response = current_app.response_class(render_template(
                "matrix/verify.html", result=result, university=current_app.config["UNIVERSITY_NAME"]),
                mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"  # answers are never kept: no version covers them
        response.vary.add("Accept")
        return response


def wants_json_by_accept() -> bool:
    """JSON only when the Accept header prefers it to HTML: ``*/*`` (curl's default) and a browser's header
    get the page, since text/html comes first when both are equally acceptable."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


@bp.get("/matrix/qr/<int(max=2147483647):account_id>.img")
def qr_code(account_id: int):
    """The QR code of an account in the matrix (nothing else is public)."""
    attachment = db.session.query(Attachment).join(Account, Attachment.account_id == Account.id).filter(
        Account.id == account_id, Account.in_matrix.is_(True), Account.status == AccountStatus.approved,
        Attachment.kind == AttachmentKind.qr_code).order_by(Attachment.id.desc()).first()
    if attachment is None or to_id(account_id) is None:
        abort(404)
    response = send_file(io.BytesIO(attachment.content), mimetype=attachment.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return _cached(response, f"qr-{attachment.id}")
