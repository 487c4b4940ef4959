"""Public pages without login (第五条): /matrix, /matrix.json, /matrix/verify, the QR code images."""
from __future__ import annotations

import hashlib
import io
from itertools import groupby

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from flask_babel import force_locale

from models import Account, AccountStatus, Attachment, AttachmentKind, Platform, UnitKind, db
from models.base import to_id
from services import matrix

bp = Blueprint("matrix", __name__)

#: Browsers and the portal may keep the page briefly; the ETag makes them revalidate cheaply after that.
MAX_AGE = 60


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
        etag = f"{matrix.version()}|{q}|{platform}|{unit_kind}"
        if request.if_none_match.contains(_digest(etag)) and not request.args.get("verify"):
            return _cached(current_app.response_class(status=304), etag)
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
        return response if check else _cached(response, etag)


@bp.get("/matrix.json")
def as_json():
    with force_locale("zh_Hans_CN"):
        etag = "json-" + matrix.version()
        if request.if_none_match.contains(_digest(etag)):
            return _cached(current_app.response_class(status=304), etag)
        data = [entry.as_json() for entry in matrix.entries()]
        response = jsonify({"university": current_app.config["UNIVERSITY_NAME"], "count": len(data),
                            "accounts": data})
        response.headers["Access-Control-Allow-Origin"] = "*"
        return _cached(response, etag)


@bp.get("/matrix/verify")
def verify():
    with force_locale("zh_Hans_CN"):
        result = matrix.verify(request.args.get("q", ""))
        wants_json = request.args.get("format") == "json" or \
            request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
        if wants_json:
            response = jsonify(result)
        else:
            response = current_app.response_class(render_template(
                "matrix/verify.html", result=result, university=current_app.config["UNIVERSITY_NAME"]),
                mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response


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
