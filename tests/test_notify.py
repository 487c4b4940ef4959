"""企业微信 / 钉钉 group notices (issue 17, 3): posted to a local HTTP server that records them, in each
platform's documented format, 钉钉's 加签 verified here from the secret; bounded retries; never blocking the
e-mail; the webhooks masked on screen and in the audit log; the department's only."""
import base64
import datetime as dt
import html
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from models import Account, AccountStatus, AuditLog, MonthlyReport, Unit, User, db
from services import notify

from .access.matrix import body, fetch
from .test_reminders import smtp  # noqa: F401 (the loopback SMTP server fixture)

WECOM_URL = "/cgi-bin/webhook/send?key=wecom-key-AB12"
DING_PATH = "/robot/send?access_token=ding-token-CD34"
DING_SECRET = "SEC-ding-secret-EF56"


class Hook:
    """A robot platform on loopback: records every post; answers with the statuses queued (then 200)."""

    def __init__(self):
        self.posts, self.statuses, self.always = [], [], None
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                hook.posts.append((self.path, json.loads(self.rfile.read(length))))
                status = hook.always or (hook.statuses.pop(0) if hook.statuses else 200)
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hook(monkeypatch):
    monkeypatch.setattr(notify, "BACKOFF", 0)
    server = Hook()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _unused_url():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/cgi-bin/webhook/send?key=gone"


def _check_ding_sign(path):
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = base64.b64encode(hmac.new(DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected and query["access_token"] == ["ding-token-CD34"]
    assert abs(int(timestamp) - int(dt.datetime.now().timestamp() * 1000)) < 3_600_000
    # The sign is URL-encoded in the URL (base64 has + / =).
    assert "sign=" + urllib.parse.quote_plus(expected) in path


@pytest.fixture
def due(app, world, hook):
    """The own unit (会计学院) has an overdue registration and both group robots."""
    with app.app_context():
        for username in ("editor", "leader", "other_editor"):
            db.session.query(User).filter_by(username=username).one().email = f"{username}@example.edu.cn"
        db.session.get(Account, world["own_account"]).registration_due = dt.date.today() - dt.timedelta(days=3)
        db.session.query(MonthlyReport).delete()
        unit = db.session.get(Unit, world["own_unit"])
        unit.wecom_webhook, unit.dingtalk_webhook = hook.base + WECOM_URL, hook.base + DING_PATH
        unit.dingtalk_secret = DING_SECRET
        db.session.commit()
    return world


def _notice_entries(app):
    with app.app_context():
        return [(e.object_label, e.note) for e in db.session.query(AuditLog).filter_by(object_type="GroupNotice")
                .order_by(AuditLog.id)]


def test_flask_remind_posts_one_notice_per_unit_in_each_platforms_format(app, due, hook, smtp):  # noqa: F811
    result = app.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    assert len(smtp.messages) == 2  # the e-mails as before
    assert [path.split("?")[0] for path, _ in hook.posts] == ["/cgi-bin/webhook/send", "/robot/send"]
    (wecom_path, wecom), (ding_path, ding) = hook.posts
    assert wecom_path == WECOM_URL
    assert set(wecom) == {"msgtype", "markdown"} and wecom["msgtype"] == "markdown"
    assert set(wecom["markdown"]) == {"content"} and "会计学院" in wecom["markdown"]["content"]
    assert "已逾期" in wecom["markdown"]["content"]
    assert set(ding) == {"msgtype", "markdown"} and ding["msgtype"] == "markdown"
    assert set(ding["markdown"]) == {"title", "text"} and "会计学院" in ding["markdown"]["title"]
    assert "已逾期" in ding["markdown"]["text"]
    _check_ding_sign(ding_path)
    assert "Group notices: 2 sent, 0 failed." in result.output
    entries = _notice_entries(app)
    assert entries == [("会计学院", "notify wecom ok"), ("会计学院", "notify dingtalk ok")]
    with app.app_context():
        assert not any("key=" in (e.note or "") or "token" in (e.note or "") for e in db.session.query(AuditLog))
    again = app.test_cli_runner().invoke(args=["remind"])  # like the e-mail: never twice a day
    assert again.exit_code == 0 and len(hook.posts) == 2 and len(_notice_entries(app)) == 2


def test_retries_are_bounded_and_reported(app, due, hook):
    hook.statuses = [500, 500]
    notice = notify.post(hook.base + WECOM_URL, notify.wecom_payload("t", ["a"]))
    assert notice.ok and notice.attempts == 3 and len(hook.posts) == 3
    hook.posts.clear()
    hook.always = 500
    notice = notify.post(hook.base + WECOM_URL, notify.wecom_payload("t", ["a"]))
    assert not notice.ok and len(hook.posts) == notify.ATTEMPTS == 3 and notice.reason == "HTTP 500"


def test_errcode_is_a_failure_and_retried(app, hook, monkeypatch):
    calls = []

    class Answer:
        status_code = 200

        def json(self):
            return {"errcode": 310000, "errmsg": "sign not match"}

    monkeypatch.setattr(notify.requests, "post", lambda *a, **k: calls.append(a) or Answer())
    notice = notify.post("http://127.0.0.1:9/x", notify.dingtalk_payload("t", ["a"]), DING_SECRET,
                         notify.DINGTALK)
    assert not notice.ok and len(calls) == 3 and "310000" in notice.reason


def test_unreachable_webhook_is_reported_and_the_email_still_goes(app, due, hook, smtp):  # noqa: F811
    with app.app_context():
        unit = db.session.get(Unit, due["own_unit"])
        unit.wecom_webhook, unit.dingtalk_webhook = _unused_url(), None
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    assert len(smtp.messages) == 2
    (label, note), = _notice_entries(app)
    assert label == "会计学院" and note.startswith("notify wecom failed after 3 tries: connection")
    assert "Group notices: 0 sent, 1 failed." in result.output and "KJXY (wecom) failed" in result.output
    assert "127.0.0.1" not in result.output  # never the webhook's address
    again = app.test_cli_runner().invoke(args=["remind"])  # a failed notice is tried again by the next run
    assert "Group notices: 0 sent, 1 failed." in again.output and len(_notice_entries(app)) == 2


def test_the_departments_reminder_of_missing_reports_posts_to_the_units_groups(app, due, hook, smtp,  # noqa: F811
                                                                              login_as):
    from services import reports

    with app.app_context():
        for key in ("own_account", "other_account"):
            account = db.session.get(Account, due[key])
            account.status, account.approved_at = AccountStatus.approved, dt.datetime(2026, 9, 5, 10)
        db.session.commit()
    dept = login_as("dept_admin")
    month = reports.reporting_period().strftime("%Y-%m")
    response = dept.post("/admin/reports/missing/remind/", {"month": month, "confirm": "1"})
    assert response.status_code == 302
    assert len(smtp.messages) == 3 and len(hook.posts) == 2  # one notice per platform for 会计学院, 校团委 has none
    assert "月报表" in hook.posts[0][1]["markdown"]["content"]
    history = html.unescape(body(dept.get("/admin/audit/")))
    assert "已向本单位企业微信群发送通知" in history and "已向本单位钉钉群发送通知" in history
    assert "key=wecom-key" not in history and "access_token" not in history


def test_the_department_sets_the_webhooks_masked_on_screen_and_in_the_audit_log(app, world, login_as):
    client = login_as("dept_admin")
    unit_id = world["own_unit"]
    form = {"code": "KJXY", "name": "会计学院", "kind": "college", "active": "y",
            "new_wecom_webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRETKEY9Z8Y",
            "new_dingtalk_webhook": "https://oapi.dingtalk.com/robot/send?access_token=TOKEN7W6V",
            "new_dingtalk_secret": "SECsecretvalue5U4T"}
    response = client.post(f"/admin/units/edit/?id={unit_id}", form)
    assert response.status_code == 302, body(response)
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert unit.wecom_webhook.endswith("9Z8Y") and unit.dingtalk_secret == "SECsecretvalue5U4T"
    secrets = ("SECRETKEY", "TOKEN7W6V", "SECsecretvalue")
    for url in ("/admin/units/", f"/admin/units/details/?id={unit_id}", f"/admin/units/edit/?id={unit_id}",
                "/admin/units/export/csv/", "/admin/audit/"):
        page = body(fetch(client, url))
        assert not any(secret in page for secret in secrets), url
    assert "已设置（…9Z8Y）" in body(fetch(client, f"/admin/units/details/?id={unit_id}"))
    assert "已设置（…5U4T）" in body(fetch(client, f"/admin/units/edit/?id={unit_id}"))
    # An empty field keeps the stored value; the audit log says it was set, never the value.
    kept = {key: value for key, value in form.items() if not key.startswith("new_")} | {"leader_name": "张三"}
    assert client.post(f"/admin/units/edit/?id={unit_id}", kept).status_code == 302
    with app.app_context():
        assert db.session.get(Unit, unit_id).dingtalk_secret == "SECsecretvalue5U4T"
        changes = [e.changes for e in db.session.query(AuditLog).filter_by(object_type="Unit", object_id=unit_id)
                   .order_by(AuditLog.id) if e.changes and "wecom_webhook" in e.changes]
        assert len(changes) == 1  # set once; the save with the fields left empty changed nothing of them
        assert {key: changes[0][key] for key in ("wecom_webhook", "dingtalk_webhook", "dingtalk_secret")} == \
            {"wecom_webhook": [None, "***"], "dingtalk_webhook": [None, "***"], "dingtalk_secret": [None, "***"]}
        assert not any(s in json.dumps(changes, ensure_ascii=False) for s in secrets)
    # Removing them
    assert client.post(f"/admin/units/edit/?id={unit_id}", {**kept, "clear_webhooks": "y"}).status_code == 302
    with app.app_context():
        assert db.session.get(Unit, unit_id).wecom_webhook is None
        cleared = db.session.query(AuditLog).filter_by(object_type="Unit", object_id=unit_id) \
            .order_by(AuditLog.id.desc()).first().changes
        assert cleared["wecom_webhook"] == ["***", None]


def test_a_webhook_that_is_not_an_address_is_refused(app, world, login_as):
    client = login_as("dept_admin")
    unit_id = world["own_unit"]
    response = client.post(f"/admin/units/edit/?id={unit_id}", {
        "code": "KJXY", "name": "会计学院", "kind": "college", "active": "y", "new_wecom_webhook": "key=abc"})
    assert response.status_code == 200 and "群机器人地址应以 https:// 开头" in html.unescape(body(response))
    with app.app_context():
        assert db.session.get(Unit, unit_id).wecom_webhook is None
