"""第十四条 in the browser: the unit's editor records a 不良信息 incident on one of its accounts (with a screenshot,
what was done and when) and submits it, the unit leader gives the unit's opinion, the department accepts it as
handled (已处置) — the review every reviewed record has. Another incident, submitted as soon as it is found, is
escalated by the department into a violation record (第十三条), one click and a confirmation, and each record links
to the other."""
from __future__ import annotations

import datetime as dt
import struct
import zlib

import pytest

from .conftest import serve_demo, shot


def _tiny_png() -> bytes:
    """A 1×1 PNG (the upload is checked by its content, not its name)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory.mktemp("incidents"), "incidents")


def _account_id(server, name):
    from models import Account, db

    with server["app"].app_context():
        return db.session.query(Account.id).filter_by(name=name).scalar()


def _record(page, server, account_id: int, description: str, screenshot=None, action_taken=None):
    """From the account's page: 记录不良信息与舆情事件, the form (第十四条 quoted above it), 保存 (a draft), 提交."""
    page.goto(server["url"] + f"/admin/accounts/details/?id={account_id}")
    page.click("a.record-action:has-text('记录不良信息与舆情事件')")
    assert "第十四条" in page.content() and "专人负责，实时监控" in page.content()
    page.select_option("#kind", "harmful_content", force=True)
    found = (dt.datetime.now() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#found_at", found)
    page.fill("#found_by", "值班员王芳")
    page.fill("#description", description)
    page.fill("#link", "https://weibo.com/1234567/abcdef")
    if screenshot:
        page.set_input_files("#screenshot", screenshot)
    if action_taken:
        page.fill("#action_taken", action_taken)
        page.fill("#handled_at", (dt.datetime.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    shot(page, "incident-form")
    page.click("form.admin-form input[type=submit], form.admin-form button[type=submit]")
    page.wait_for_load_state()
    assert "草稿" in page.content(), page.content()[-3000:]
    page.click("button[value=submit]")
    page.wait_for_load_state()
    assert "待单位审核" in page.content(), page.content()[-3000:]


def test_a_unit_records_an_incident_and_the_department_accepts_its_handling(page_as, server, tmp_path):
    png = tmp_path / "截图.png"
    png.write_bytes(_tiny_png())
    editor = page_as("kj_editor")
    account_id = _account_id(server, "会计学院微博")
    _record(editor, server, account_id, "评论区出现攻击学校的不实言论", screenshot=str(png),
            action_taken="已删除该评论，并截图留存、报告学院党委")
    assert "截图.png" in editor.content()  # the screenshot, checked by its content, is attached
    incident_url = editor.url

    leader = page_as("kj_leader")
    leader.goto(incident_url)
    leader.fill("#opinion", "情况属实，处置得当。")
    leader.click("button[value=confirm]")
    leader.wait_for_load_state()
    assert "待宣传部审核" in leader.content()

    dept = page_as("dept")
    dept.goto(incident_url)
    dept.fill("#opinion", "处置及时，同意。")
    dept.click("button[value=approve]")
    dept.wait_for_load_state()
    content = dept.content()
    assert "已处置" in content and "处置用时" in content and "已删除该评论" in content
    assert "情况属实，处置得当。" in content and "处置及时，同意。" in content  # 单位意见, 宣传部意见
    assert dept.locator("button[value=approve]").count() == 0
    shot(dept, "incident-handled")

    from models import Incident, IncidentStatus, db

    with server["app"].app_context():
        incident = db.session.query(Incident).filter_by(description="评论区出现攻击学校的不实言论").one()
        assert incident.status == IncidentStatus.handled and incident.handled_at >= incident.found_at
        assert incident.unit_signed_by.username == "kj_leader" and incident.approved_by.username == "dept"


def test_the_department_escalates_an_incident_into_a_violation(page_as, server):
    editor = page_as("kj_editor")
    _record(editor, server, _account_id(server, "会计学院微博"), "转发未经核实的涉校突发事件信息")

    dept = page_as("dept")
    card = dept.locator("#todo-incidents a.home-count").first
    assert card.count()  # the home page's count of incidents not yet handled …
    card.click()
    dept.wait_for_load_state()
    assert "/admin/incidents/" in dept.url  # … opens the list filtered to them
    from models import Incident, db

    with server["app"].app_context():
        incident_id = db.session.query(Incident.id).filter_by(description="转发未经核实的涉校突发事件信息").scalar()
    assert "已处置" not in dept.locator("table.model-list tbody").inner_text()  # only those not yet handled
    dept.locator(f"table.model-list a[href*='/admin/incidents/details/'][href$='id={incident_id}']").first.click()
    dept.wait_for_load_state()
    assert "转发未经核实" in dept.content()
    assert "待单位审核" in dept.content()  # sent up as soon as it was found: the department may escalate it now
    dept.on("dialog", lambda dialog: dialog.accept())  # the confirmation
    dept.fill("#opinion", "造成不良影响，转为违规记录")
    dept.click("button[value=escalate]")
    dept.wait_for_load_state()
    assert "已转为违规记录" in dept.content()
    shot(dept, "incident-escalated")
    dept.click("a:has-text('查看违规记录')")
    dept.wait_for_load_state()
    content = dept.content()
    assert "转发未经核实的涉校突发事件信息" in content and "查看原不良信息与舆情事件" in content
    shot(dept, "violation-from-incident")
    dept.click("a:has-text('查看操作日志')")
    dept.wait_for_load_state()
    assert "由不良信息与舆情事件（第十四条）转为违规记录" in dept.content() and "已转为违规记录（第十三条）" in dept.content()

    from models import IncidentStatus, Violation

    with server["app"].app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident.status == IncidentStatus.escalated
        assert db.session.get(Violation, incident.violation_id).unit_id == incident.unit_id
