"""企业微信 / 钉钉 group notices: a unit's reminder posted to its group robots' webhooks (set per unit by the
department, admin/units.py), besides the e-mail (services/reminders.py).

Each platform's documented robot message: 企业微信 ``{"msgtype": "markdown", "markdown": {"content": …}}``
to the webhook URL; 钉钉 ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}`` to the webhook URL
with ``&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256 of "timestamp\\nsecret">`` (加签). A post is
tried a bounded number of times (connection errors, HTTP 5xx, the platform's ``errcode`` != 0); the result
is data (sent, or failed with the reason), never an exception, so the e-mail always goes."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from dataclasses import dataclass

import requests
from flask_babel import gettext

from models import Unit

#: Seconds to wait for a platform's answer; tries per post; seconds before the 2nd, 3rd … try.
TIMEOUT = 5
ATTEMPTS = 3
BACKOFF = 0.5

WECOM, DINGTALK = "wecom", "dingtalk"


@dataclass
class Notice:
    """The outcome of posting one unit's notice to one platform (no URL: it is a secret)."""
    platform: str
    ok: bool
    attempts: int
    reason: str = ""


def masked(value: str | None) -> str:
    """A secret as the screens show it: "set (…last 4 characters)" or "not set"."""
    if not value:
        return gettext("Not set")
    return gettext("Set (…%(tail)s)", tail=value[-4:])


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """The 钉钉 webhook URL with the 加签 parameters: sign = urlencode(base64(HMAC-SHA256(secret,
    "timestamp\\nsecret")))."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else round(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def wecom_payload(title: str, lines: list[str]) -> dict:
    content = "\n".join([f"**{title}**", *(f"> {line}" for line in lines)])
    return {"msgtype": "markdown", "markdown": {"content": content}}


def dingtalk_payload(title: str, lines: list[str]) -> dict:
    text = "\n\n".join([f"#### {title}", *(f"- {line}" for line in lines)])
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def post(url: str, payload: dict, sign_secret: str | None = None, platform: str = WECOM,
         attempts: int | None = None, backoff: float | None = None) -> Notice:
    """Post ``payload`` (tried at most ``attempts`` times); never raises."""
    attempts = ATTEMPTS if attempts is None else attempts
    backoff = BACKOFF if backoff is None else backoff
    reason = ""
    for attempt in range(1, attempts + 1):
        if attempt > 1 and backoff:
            time.sleep(backoff * (attempt - 1))
        target = dingtalk_signed_url(url, sign_secret) if sign_secret else url  # a fresh timestamp each try
        try:
            response = requests.post(target, json=payload, timeout=TIMEOUT)
        except requests.RequestException as exc:
            reason = f"connection: {type(exc).__name__}"
            continue
        if response.status_code >= 500:
            reason = f"HTTP {response.status_code}"
            continue
        if response.status_code >= 400:
            return Notice(platform, False, attempt, f"HTTP {response.status_code}")  # not retried: our fault
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        errcode = answer.get("errcode", 0) if isinstance(answer, dict) else 0
        if errcode not in (0, "0"):
            reason = f"errcode {errcode}: {str(answer.get('errmsg', ''))[:100]}"
            continue
        return Notice(platform, True, attempt)
    return Notice(platform, False, attempts, reason)


def send_unit_notice(unit: Unit, title: str, lines: list[str], skip: frozenset[str] = frozenset()) -> list[Notice]:
    """Post ``lines`` to each group robot ``unit`` has (none: an empty list), but those of ``skip``."""
    return send_notice(unit.wecom_webhook, unit.dingtalk_webhook, unit.dingtalk_secret, title, lines, skip)


def send_notice(wecom_webhook: str | None, dingtalk_webhook: str | None, dingtalk_secret: str | None, title: str,
                lines: list[str], skip: frozenset[str] = frozenset()) -> list[Notice]:
    """Post ``lines`` to the given group robots (a unit's, or the department's: DEPT_*_WEBHOOK)."""
    results = []
    if wecom_webhook and WECOM not in skip:
        results.append(post(wecom_webhook, wecom_payload(title, lines), platform=WECOM))
    if dingtalk_webhook and DINGTALK not in skip:
        results.append(post(dingtalk_webhook, dingtalk_payload(title, lines),
                            sign_secret=dingtalk_secret or None, platform=DINGTALK))
    return results
