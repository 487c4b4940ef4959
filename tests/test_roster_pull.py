"""The staff roster pulled from the HR system (services/roster_pull.py, `flask staff sync --from-url`), against a
local HTTP server on loopback: good JSON, the "data" envelope, bad JSON, 500, a slow answer, too large."""
from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from models import AuditLog, EmploymentStatus, Manager, User, db
from services import reminders, roster, roster_pull

from .conftest import log_in
from .test_reminders import smtp  # noqa: F401 (the loopback SMTP server fixture)
from .test_roster_sync import people  # noqa: F401 (a verified account whose 管理员 is T002, 在岗在编)

LEFT = [{"工号": "T001", "姓名": "张伟", "单位": "科技学院", "人员类别": "在编", "在岗状态": "在岗", "手机": "13800001111"},
        {"工号": "T002", "姓名": "李娜", "单位": "科技学院", "人员类别": "在编", "在岗状态": "离职"}]


class HR(BaseHTTPRequestHandler):
    """Answers by path; ``seen`` keeps the Authorization header of each request."""
    seen: list = []
    records: list = LEFT

    def do_GET(self):  # noqa: N802 (http.server's hook name)
        HR.seen.append(self.headers.get("Authorization"))
        path = self.path.split("?")[0]
        if path == "/slow":
            time.sleep(1.5)
        if path == "/500":
            return self._send(500, b"{}")
        if path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/good")
            self.end_headers()
            return None
        body = {"/good": json.dumps(HR.records, ensure_ascii=False).encode(),
                "/slow": json.dumps(LEFT).encode(),
                "/envelope": json.dumps({"code": 0, "msg": "ok", "data": LEFT}, ensure_ascii=False).encode(),
                "/not-json": b"<html>login</html>",
                "/wrong-shape": b'{"code": 0, "rows": 2}',
                "/bad-record": json.dumps([LEFT[0], "T002"], ensure_ascii=False).encode(),
                "/bad-row": json.dumps([{**LEFT[0], "单位": "外星学院"}], ensure_ascii=False).encode(),
                "/missing-field": json.dumps([{"工号": "T001", "姓名": "张伟"}], ensure_ascii=False).encode(),
                "/large": b"[" + b" " * 5000 + b"]"}.get(path)
        return self._send(200, body) if body is not None else self._send(404, b"")

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        if self.path != "/large":  # no Content-Length: the limit is kept while reading
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def hr(app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), HR)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    old = {key: app.config.get(key) for key in ("STAFF_ROSTER_URL", "STAFF_ROSTER_TOKEN", "STAFF_ROSTER_TIMEOUT",
                                                 "STAFF_ROSTER_MAX_BYTES")}
    app.config.update(STAFF_ROSTER_TOKEN="s3cret", STAFF_ROSTER_TIMEOUT=0.5, STAFF_ROSTER_MAX_BYTES=4096)
    HR.seen, HR.records = [], LEFT
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def use(path):
        app.config["STAFF_ROSTER_URL"] = base + path
    yield use
    app.config.update(old)
    server.shutdown()
    server.server_close()


def state(people_ids) -> tuple:
    manager = db.session.get(Manager, people_ids["admin"])
    return manager.employment_status, db.session.get(User, people_ids["login"]).active


def run(app, *args):
    return app.test_cli_runner().invoke(args=["staff", "sync", "--from-url", *args])


FAILURES = {
    "unreachable": ("http://127.0.0.1:9/roster", "无法连接"),
    "500": ("/500", "500"),
    "redirect": ("/redirect", "302"),
    "not JSON": ("/not-json", "JSON"),
    "wrong shape": ("/wrong-shape", "记录"),
    "a record not an object": ("/bad-record", "记录"),
    "slow": ("/slow", "0.5"),
    "too large": ("/large", "MB"),
}


@pytest.mark.parametrize("path,words", FAILURES.values(), ids=FAILURES.keys())
def test_a_failed_pull_changes_nothing_and_is_reported_and_audited(app, people, hr, path, words):
    hr(path)
    if path.startswith("http:"):
        app.config["STAFF_ROSTER_URL"] = path
    with app.app_context():
        audits = db.session.query(AuditLog).count()
    result = run(app, "--apply")
    assert result.exit_code != 0 and words in result.output, result.output
    with app.app_context():
        assert state(people) == (EmploymentStatus.staff, True)
        entries = db.session.query(AuditLog).order_by(AuditLog.id).all()[audits:]
        assert len(entries) == 1 and "failed" in entries[0].note and "s3cret" not in entries[0].note


def test_no_address_configured_is_reported(app, people, hr):
    app.config["STAFF_ROSTER_URL"] = ""
    result = run(app, "--dry-run")
    assert result.exit_code != 0 and "STAFF_ROSTER_URL" in result.output


@pytest.mark.parametrize("path", ["/good", "/envelope"])
def test_dry_run_then_apply_with_the_token(app, people, hr, path):
    hr(path)
    dry = run(app, "--dry-run")
    assert dry.exit_code == 0 and "Dry run" in dry.output and "李娜" in dry.output, dry.output
    with app.app_context():
        assert state(people) == (EmploymentStatus.staff, True)
    with app.app_context():
        audits = db.session.query(AuditLog).count()
    done = run(app, "--apply")
    assert done.exit_code == 0 and "Applied" in done.output, done.output
    assert HR.seen == ["Bearer s3cret", "Bearer s3cret"]
    with app.app_context():
        assert state(people) == (EmploymentStatus.left, False)
        notes = [e.note for e in db.session.query(AuditLog).order_by(AuditLog.id).all()[audits:]]
        # the manager and the login, old → new, then the summary naming the source
        assert len(notes) == 3 and "pulled from http://127.0.0.1" in notes[-1]


@pytest.mark.parametrize("path,words", [("/bad-row", "外星学院"), ("/missing-field", "单位")])
def test_a_wrong_record_is_reported_by_row_and_nothing_written(app, people, hr, path, words):
    hr(path)
    result = run(app, "--apply")
    assert result.exit_code != 0 and words in result.output, result.output
    with app.app_context():
        assert state(people) == (EmploymentStatus.staff, True)


def test_records_and_file_go_through_the_same_checks(app, people):
    with app.app_context():
        from .test_roster_sync import LEFT as LEFT_CSV, csv_bytes
        by_file, by_records = roster.check(csv_bytes(*LEFT_CSV)), roster.check_records(LEFT)
        def what(report):  # all but the row numbers (record N is "row N"; the file's row 1 holds the headers)
            return ([(c.manager_id, c.changes) for c in report.changes], [d[1:] for d in report.deactivations],
                    report.alerts)
        assert what(by_file) == what(by_records) and by_records.changes and by_records.alerts


def test_parse_accepts_a_list_or_a_data_envelope():
    assert roster_pull.parse(json.dumps(LEFT).encode()) == LEFT
    assert roster_pull.parse(json.dumps({"code": 0, "data": LEFT}).encode()) == LEFT


def test_cli_needs_a_file_or_from_url(app, people):
    result = app.test_cli_runner().invoke(args=["staff", "sync"])
    assert result.exit_code != 0


# --- issue 17 "Done when": after the pull, the home page and the reminder e-mail name the account ----------
def test_pulled_roster_shows_article_8_on_home_page_and_in_the_reminder_email(app, people, hr, smtp):  # noqa: F811
    with app.app_context():
        editor = db.session.query(User).filter_by(username="editor").one()
        editor.email = "editor@example.edu.cn"
        db.session.commit()
    def staff_card() -> str:  # the home page's card of accounts whose team needs a change (admin/dashboard.py)
        html = log_in(app, "dept").get("/admin/").get_data(as_text=True)
        card = html.partition('id="todo-staff"')[2]
        return card.partition('id="todo-')[0]
    assert "科技学院官微" not in staff_card()
    hr("/good")
    assert run(app, "--apply").exit_code == 0
    card = staff_card()
    assert "科技学院官微" in card and "李娜（离职）" in card and "第八条" in card, card
    with app.app_context():
        editor = db.session.query(User).filter_by(username="editor").one()
        assert reminders.remind(editor, dt.date(2026, 12, 1)) is not None
        db.session.commit()
    (rcpt, message), = smtp.messages
    body = message.get_content()
    assert rcpt == ["editor@example.edu.cn"]
    assert any("第八条" in line and "科技学院官微" in line and "李娜" in line for line in body.splitlines()), body


# --- the department's screen (/admin/managers/roster/): 从人事系统拉取 ----------------------------------------
@pytest.fixture
def pull_world(app, world):
    """The world's other unit's 管理员 (校团委) has 工号 TW02; the HR system has them as 离职."""
    with app.app_context():
        member = db.session.query(Manager).filter_by(unit_id=world["other_unit"]).order_by(Manager.id).all()[1]
        member.staff_no = "TW02"
        db.session.commit()
        return {**world, "tw_admin": member.id, "records": [
            {"工号": "TW02", "姓名": member.name, "单位": "校团委", "人员类别": "在编", "在岗状态": "离职"}]}


def test_screen_pull_dry_run_then_apply(app, pull_world, hr, login_as):
    HR.records = pull_world["records"]
    client = login_as("dept_admin")
    hr("/good")
    page = client.get("/admin/managers/roster/").get_data(as_text=True)
    assert "从人事系统拉取并检查" in page and "拉取并应用" not in page
    dry = client.post("/admin/managers/roster/", data={"mode": "pull_check"}).get_data(as_text=True)
    assert "离职" in dry and "尚未作任何修改" in dry and "拉取并应用" in dry
    with app.app_context():
        assert db.session.get(Manager, pull_world["tw_admin"]).employment_status == EmploymentStatus.staff
    done = client.post("/admin/managers/roster/", data={"mode": "pull_apply"}).get_data(as_text=True)
    assert "已同步" in done
    with app.app_context():
        assert db.session.get(Manager, pull_world["tw_admin"]).employment_status == EmploymentStatus.left
        entry = db.session.query(AuditLog).filter_by(object_type="Manager", note=roster.NOTE).one()
        assert entry.user_id == pull_world["users"]["dept_admin"]


def test_screen_shows_a_failed_pull_in_chinese_and_changes_nothing(app, pull_world, hr, login_as):
    hr("/500")
    client = login_as("dept_admin")
    with app.app_context():
        audits = db.session.query(AuditLog).count()
    page = client.post("/admin/managers/roster/", data={"mode": "pull_apply"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "人事系统返回状态码 500" in html
    with app.app_context():
        assert db.session.get(Manager, pull_world["tw_admin"]).employment_status == EmploymentStatus.staff
        assert db.session.query(AuditLog).count() == audits + 1


def test_no_pull_button_without_an_address(app, world, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_ROSTER_URL", "")
    assert "从人事系统拉取" not in login_as("dept_admin").get("/admin/managers/roster/").get_data(as_text=True)
