"""The staff roster pulled from the HR system's HTTP endpoint (issue 17, part 2) — the same checks and changes
as the file (services/roster.py :func:`~services.roster.check_records` / :func:`~services.roster.apply_records`).

Settings (config.py): ``STAFF_ROSTER_URL`` (http or https; GET), ``STAFF_ROSTER_TOKEN`` (optional, sent as
``Authorization: Bearer …``), ``STAFF_ROSTER_TIMEOUT`` (seconds for the whole answer, default 30) and
``STAFF_ROSTER_MAX_BYTES`` (default 16 MB).

The answer must be ``200`` with a JSON body that is either a list of records or an object whose ``"data"``
is that list (the envelope ``{"code": 0, "data": [...]}`` most HR systems answer with). Each record has the
roster's column headers as keys — ``工号``, ``姓名``, ``单位``, ``人员类别``, ``在岗状态`` and optionally
``手机``, ``邮箱`` — with text (or number) values; record N is reported as "row N".

A failed pull — unreachable, timed out, redirected or another status than 200, not JSON, another shape, too
large — raises :class:`PullError` with a message in the user's language, changes nothing, and writes one audit
entry (the caller commits it).
"""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext

from models.audit import AuditAction
from services import audit, roster

CHUNK = 64 * 1024


class PullError(Exception):
    """The pull failed; ``str(error)`` is the message for the user. Nothing was changed."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 200: the token is never sent on to another address."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def fetch(url: str, token: str | None = None, timeout: float = 30, max_bytes: int = 16 * 1024 * 1024) -> list:
    """GET ``url`` and return the roster's records (a list of dicts); raise :class:`PullError` otherwise."""
    if not url:
        raise PullError(gettext("No address of the HR system is configured (STAFF_ROSTER_URL)."))
    if urlsplit(url).scheme not in ("http", "https"):
        raise PullError(gettext("The address of the HR system must start with http:// or https://."))
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    opener = urllib.request.build_opener(_NoRedirect)
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            if response.status != 200:
                raise PullError(gettext("The HR system answered with status %(status)s instead of 200.",
                                        status=response.status))
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _too_large(max_bytes)
            body = bytearray()
            while chunk := response.read(CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise _too_large(max_bytes)
                if time.monotonic() > deadline:
                    raise _timed_out(timeout)
    except urllib.error.HTTPError as error:
        raise PullError(gettext("The HR system answered with status %(status)s instead of 200.",
                                status=error.code)) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, (TimeoutError, socket.timeout)):
            raise _timed_out(timeout) from None
        raise PullError(gettext("The HR system cannot be reached (%(reason)s).", reason=error.reason)) from None
    except (TimeoutError, socket.timeout):
        raise _timed_out(timeout) from None
    except (OSError, ValueError) as error:  # connection reset, bad status line, invalid URL
        raise PullError(gettext("The HR system cannot be reached (%(reason)s).", reason=error)) from None
    return parse(bytes(body))


def parse(body: bytes) -> list:
    """The records of a JSON answer: a list of objects, or an object whose "data" is that list."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise PullError(gettext("The HR system's answer is not JSON.")) from None
    if isinstance(document, dict) and "data" in document:
        document = document["data"]
    if not isinstance(document, list) or not all(isinstance(record, dict) for record in document):
        raise PullError(gettext("The HR system's answer is not a list of records (one object per person)."))
    return document


def _too_large(max_bytes: int) -> PullError:
    return PullError(gettext("The HR system's answer is larger than %(size)s MB.",
                             size=round(max_bytes / (1024 * 1024), 1)))


def _timed_out(timeout: float) -> PullError:
    return PullError(gettext("The HR system did not answer within %(seconds)s seconds.", seconds=f"{timeout:g}"))


def pull(apply: bool = False, actor=None) -> roster.SyncReport:
    """Fetch the roster from ``STAFF_ROSTER_URL`` and check it (the dry run) or apply it. On a failed pull:
    one audit entry, then :class:`PullError` (nothing else written; the caller commits the entry)."""
    config = current_app.config
    url = config.get("STAFF_ROSTER_URL") or ""
    try:
        records = fetch(url, config.get("STAFF_ROSTER_TOKEN") or None, float(config.get("STAFF_ROSTER_TIMEOUT", 30)),
                        int(config.get("STAFF_ROSTER_MAX_BYTES", 16 * 1024 * 1024)))
    except PullError as error:
        audit.record(AuditAction.import_, user=actor, note=f"{roster.NOTE}: pull from {_safe(url)} failed: {error}"[:500])
        raise
    if apply:
        return roster.apply_records(records, actor, source=f", pulled from {_safe(url)}")
    return roster.check_records(records)


def _safe(url: str) -> str:
    """The address as written to the audit log: without user, password or query (they may hold a secret)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}" if url else "—"
