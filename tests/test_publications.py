"""发布报批 (第十二条): the state machine, the department's deadlines (hours and working days), the notice of an
urgent request, the record of the publication, the one-click violation (第十三条) and the assessment figure."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from models import (Account, AuditLog, Publication, PublicationStatus, Urgency, User, Violation, ViolationKind, db,
                    policy, utcnow)
from services import assessment, publications, settings, workflow
from services.text import local_time

from .conftest import make_account, make_publication, make_calendar_day
from .factories import AccountStatus

#: Every legal (step, state, role) of a 发布报批 and the state it leads to; everything else is refused.
LEGAL = {
    ("submit", "draft", "unit_editor"): "unit_review",
    ("submit", "returned", "unit_editor"): "unit_review",
    ("submit", "draft", "unit_leader"): "unit_review",
    ("submit", "returned", "unit_leader"): "unit_review",
    ("confirm", "unit_review", "unit_leader"): "dept_review",
    ("reject", "unit_review", "unit_leader"): "returned",
    ("approve", "dept_review", "dept_admin"): "approved",
    ("reject", "dept_review", "dept_admin"): "returned",
    ("refuse", "dept_review", "dept_admin"): "refused",
}
STEPS = ["submit", "confirm", "approve", "reject", "refuse"]
ROLES = ["unit_editor", "unit_leader", "dept_admin", "auditor"]
USERNAMES = {"unit_editor": "editor", "unit_leader": "leader", "dept_admin": "dept", "auditor": "auditor"}


def _user(role):
    return db.session.query(User).filter_by(username=USERNAMES.get(role, role)).one()


def _own(world, **kwargs) -> Publication:
    return make_publication(db.session.get(Account, world["own_account"]), **kwargs)


@pytest.mark.parametrize("step, state, role", [
    pytest.param(step, state.name, role, id=f"{step}-{state.name}-{role}")
    for step, state, role in itertools.product(STEPS, PublicationStatus, ROLES)])
def test_state_machine(app, world, ctx, step, state, role):
    publication = _own(world, status=PublicationStatus[state])
    db.session.commit()
    actor, expected = _user(role), LEGAL.get((step, state, role))
    before = {c.key: getattr(publication, c.key) for c in publication.__table__.columns}
    if expected is None:
        role_takes_it = any(s == step and r == role for s, _state, r in LEGAL)
        with pytest.raises(workflow.TransitionError if role_takes_it else policy.NotAllowed):
            workflow.TRANSITIONS[step](publication, actor, "理由")
        db.session.rollback()
        after = {c.key: getattr(db.session.get(Publication, publication.id), c.key)
                 for c in publication.__table__.columns}
        assert after == before  # a refused step changes nothing
        return
    assert workflow.step_label(step, publication) in [workflow.step_label(s, publication)
                                                      for s in policy.steps_for(actor, publication)]
    workflow.TRANSITIONS[step](publication, actor, "理由")
    db.session.commit()
    assert publication.status.name == expected
    entry = db.session.query(AuditLog).filter_by(object_type="Publication", object_id=publication.id) \
        .order_by(AuditLog.id.desc()).first()
    assert entry.user_id == actor.id and entry.action == workflow.STEPS[Publication][step].action
    if step == "confirm":
        assert publication.due_at is not None
    if expected in ("approved", "refused") or (step == "reject" and role == "dept_admin"):
        assert publication.decided_by_id == actor.id and publication.decided_at is not None


@pytest.mark.parametrize("step", ["reject", "refuse"])
def test_reasons_are_required(app, world, ctx, step):
    publication = _own(world, status=PublicationStatus.dept_review)
    db.session.commit()
    with pytest.raises(workflow.TransitionError):
        workflow.TRANSITIONS[step](publication, _user("dept_admin"), "  ")
    assert publication.status == PublicationStatus.dept_review


def test_authorising_keeps_conditions_and_the_edited_text(app, world, ctx):
    publication = _own(world, status=PublicationStatus.dept_review)
    workflow.approve(publication, _user("dept_admin"), "", conditions="不得配图", edited_content="改后的文字")
    db.session.commit()
    assert publication.status == PublicationStatus.approved and publication.dept_opinion
    assert (publication.conditions, publication.approved_content) == ("不得配图", "改后的文字")


@pytest.mark.parametrize("planned_in, message", [(dt.timedelta(hours=-1), "已过"), (None, None)])
def test_a_request_is_made_before_publishing(app, world, ctx, planned_in, message):
    publication = _own(world, planned_in=planned_in or dt.timedelta(hours=3))
    db.session.commit()
    editor = _user("unit_editor")
    if message:
        with pytest.raises(workflow.TransitionError, match=message):
            workflow.submit(publication, editor)
        assert publication.status == PublicationStatus.draft
    else:
        workflow.submit(publication, editor)
        assert publication.status == PublicationStatus.unit_review


def test_accounts_must_be_the_units_own(app, world, ctx):
    own, other = db.session.get(Account, world["own_account"]), db.session.get(Account, world["other_account"])
    problems = publications.request_problems(own.unit_id, [own, other], "文字", utcnow() + dt.timedelta(days=1))
    assert [p.field for p in problems] == ["accounts"] and "外单位帐号" in problems[0].message
    assert publications.request_problems(own.unit_id, [], "文字", utcnow() + dt.timedelta(days=1))[0].field == "accounts"


# --- deadlines ------------------------------------------------------------------------------------------------
def test_urgent_requests_are_counted_in_hours(app, world, ctx):
    reached = dt.datetime(2026, 10, 1, 2, 0)  # National Day: hours run all the same
    assert publications.answer_due(reached, Urgency.urgent) == reached + dt.timedelta(hours=4)  # the default
    assert settings.update(_user("dept_admin"), {"publication_urgent_hours": 2}) == []
    assert publications.answer_due(reached, Urgency.urgent) == reached + dt.timedelta(hours=2)


def test_normal_requests_are_counted_in_chinese_working_days(app, ctx):
    # 2026-09-30 (Wed) 10:00 Beijing; 10-01..10-07 National Day holidays, 10-10 (Sat) a make-up working day.
    for day in range(1, 8):
        make_calendar_day(dt.date(2026, 10, day), name="国庆节")
    from models import DayKind
    make_calendar_day(dt.date(2026, 10, 10), DayKind.workday, name="国庆节调休")
    reached = dt.datetime(2026, 9, 30, 2, 0)  # UTC
    due = publications.answer_due(reached, Urgency.normal)
    # three working days after 9-30: 10-08, 10-09, 10-10 (the make-up Saturday) — by the end of that day.
    assert local_time(due).replace(tzinfo=None) == dt.datetime(2026, 10, 10, 23, 59)


def test_time_left_and_overdue(app, ctx):
    now = dt.datetime(2026, 12, 1, 8, 0)
    assert publications.time_left(now + dt.timedelta(hours=3, minutes=20), now) == ("剩余3小时20分钟", False)
    assert publications.time_left(now - dt.timedelta(hours=1, minutes=5), now) == ("已超时1小时5分钟", True)
    assert publications.time_left(now + dt.timedelta(days=2, hours=1), now) == ("剩余2天1小时", False)


# --- the record of the publication and the violation ---------------------------------------------------------
def test_publication_rules(app, world, ctx):
    account = db.session.get(Account, world["own_account"])  # created 2026-09-01
    check = publications.published_problems
    assert [p.field for p in check([account], "not a link", utcnow() - dt.timedelta(hours=1))] == ["published_url"]
    assert [p.field for p in check([account], "https://weibo.com/1", utcnow() + dt.timedelta(days=1))] == \
        ["published_at"]
    before = check([account], "https://weibo.com/1", dt.datetime(2026, 8, 1, 4))
    assert [p.field for p in before] == ["published_at"] and account.name in before[0].message
    assert check([account], "https://weibo.com/1", utcnow() - dt.timedelta(hours=1)) == []


@pytest.mark.parametrize("state", ["unit_review", "returned", "refused", "dept_review"])
def test_a_publication_without_authorisation_becomes_one_violation(app, world, ctx, state):
    publication = _own(world, status=PublicationStatus[state])
    editor, dept = _user("unit_editor"), _user("dept_admin")
    assert publications.record_publication(publication, editor, "https://weibo.com/1/abc",
                                           utcnow() - dt.timedelta(hours=1)) == []
    db.session.commit()
    assert publication.unauthorised and policy.may_record_violation(dept, publication)
    assert not policy.may_record_violation(editor, publication)
    from services import violations
    violation = violations.record_unauthorised_publication(publication, dept)
    db.session.commit()
    assert violation.kind == ViolationKind.unauthorised_sensitive and violation.unit_id == publication.unit_id
    assert publication.violation_id == violation.id and "https://weibo.com/1/abc" in violation.description
    with pytest.raises(workflow.TransitionError):
        violations.record_unauthorised_publication(publication, dept)
    assert db.session.query(Violation).count() == 1
    # recorded once: a second record of the publication is refused
    assert publications.record_publication(publication, editor, "https://weibo.com/2", utcnow())


def test_an_authorised_publication_is_no_violation(app, world, ctx):
    publication = _own(world, status=PublicationStatus.approved)
    publications.record_publication(publication, _user("unit_editor"), "https://weibo.com/1", utcnow())
    assert not publication.unauthorised and not policy.may_record_violation(_user("dept_admin"), publication)


def test_published_before_the_authorisation_came_is_without_it(app, world, ctx):
    publication = _own(world, status=PublicationStatus.approved)
    publications.record_publication(publication, _user("unit_editor"), "https://weibo.com/1",
                                    publication.approved_at - dt.timedelta(hours=2))
    assert publication.unauthorised and policy.may_record_violation(_user("dept_admin"), publication)
    # the time is typed to the minute: the minute of the authorisation itself is not "before" it
    assert not Publication.is_unauthorised(PublicationStatus.approved, dt.datetime(2026, 12, 1, 7, 29, 40),
                                           dt.datetime(2026, 12, 1, 7, 29))


# --- the notice of an urgent request -------------------------------------------------------------------------
def test_a_failing_notice_never_loses_the_submission(app, world, login_as, monkeypatch):
    with app.app_context():
        dept = db.session.query(User).filter_by(username="dept").one()
        dept.email = "dept@example.edu.cn"
        publication_id = _own(world, urgency=Urgency.urgent).id
        db.session.commit()
    sent = []

    def fail(message):
        sent.append(message["To"])
        raise OSError("mail server down")
    monkeypatch.setattr("services.reminders._deliver", fail)
    editor = login_as("unit_editor")
    response = editor.post("/admin/publications/action/", data={"action": "submit", "rowid": str(publication_id),
                                                                 "url": "/admin/publications/"},
                           follow_redirects=True)
    assert sent == ["dept@example.edu.cn"] and "电话" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Publication, publication_id).status == PublicationStatus.unit_review
        notes = [e.note for e in db.session.query(AuditLog).filter_by(object_type="Publication",
                                                                      object_id=publication_id)]
        assert "notify mail dept@example.edu.cn failed" in notes


def test_urgent_submission_mails_the_department_at_once(app, world, login_as, monkeypatch):
    with app.app_context():
        dept = db.session.query(User).filter_by(username="dept").one()
        dept.email = "dept@example.edu.cn"
        publication_id = _own(world, urgency=Urgency.urgent, headline="校庆通稿").id
        normal_id = _own(world, headline="普通通稿").id
        db.session.commit()
    sent = []
    monkeypatch.setattr("services.reminders._deliver", lambda message: sent.append(str(message["Subject"])))
    editor = login_as("unit_editor")
    for row in (publication_id, normal_id):
        editor.post("/admin/publications/action/", data={"action": "submit", "rowid": str(row),
                                                         "url": "/admin/publications/"})
    assert len(sent) == 1 and "校庆通稿" in sent[0] and "紧急" in sent[0]



def test_a_headline_with_a_line_break_still_notifies_and_never_500s(app, world, login_as, monkeypatch):
    """Found in review: a headline holding a line break (stored before the form made it one line, or forged) went
    into the notice e-mail's subject, which the mail library refuses (ValueError): a 500 after the submission was
    saved, and no approver told. The subject is one line; the form makes a pasted headline one line."""
    with app.app_context():
        dept = db.session.query(User).filter_by(username="dept").one()
        dept.email = "dept@example.edu.cn"
        publication_id = _own(world, urgency=Urgency.urgent, headline="校庆\r\nBcc: x@example.com").id
        db.session.commit()
    sent = []
    monkeypatch.setattr("services.reminders._deliver", lambda message: sent.append(str(message["Subject"])))
    response = login_as("unit_editor").post("/admin/publications/action/", data={
        "action": "submit", "rowid": str(publication_id), "url": "/admin/publications/"})
    assert response.status_code == 302
    assert len(sent) == 1 and "\n" not in sent[0] and "校庆 Bcc: x@example.com" in sent[0]
    with app.app_context():
        assert db.session.get(Publication, publication_id).status == PublicationStatus.unit_review

# --- the annual assessment --------------------------------------------------------------------------------------
def test_assessment_deducts_unauthorised_publications(app, world, ctx):
    account = db.session.get(Account, world["own_account"])
    account.status, account.approved_at = AccountStatus.approved, dt.datetime(2026, 9, 5)
    db.session.commit()
    assessment.compute(2026, today=dt.date(2026, 12, 1))
    from models import Assessment
    row = db.session.query(Assessment).filter_by(account_id=account.id, year=2026).one()
    base = row.score
    assert row.unauthorised_publications == 0
    publication = _own(world, status=PublicationStatus.refused)
    publication.published_url, publication.published_at = "https://weibo.com/1", dt.datetime(2026, 11, 2, 4)
    approved = _own(world, status=PublicationStatus.approved)
    approved.approved_at = dt.datetime(2026, 11, 2, 4)  # authorised the day before it was published
    approved.published_url, approved.published_at = "https://weibo.com/2", dt.datetime(2026, 11, 3, 4)
    db.session.commit()
    assessment.compute(2026, today=dt.date(2026, 12, 1))
    row = db.session.query(Assessment).filter_by(account_id=account.id, year=2026).one()
    assert row.unauthorised_publications == 1
    assert float(base) - float(row.score) == pytest.approx(min(5, float(base)))
    unit_row = db.session.query(Assessment).filter_by(unit_id=account.unit_id, account_id=None, year=2026).one()
    assert unit_row.unauthorised_publications == 1


def test_the_deduction_leaves_the_sum_rule_alone(app, ctx):
    assert settings.weights()["per_unauthorised_publication"] == 5
    assert settings.problems({"weight_per_unauthorised_publication": 20}) == []
    assert [p.field for p in settings.problems({"weight_posts": 30})] == ["weights"]


# --- the list and its exports ---------------------------------------------------------------------------------
@pytest.fixture
def requests_world(app, world):
    with app.app_context():
        own, other = db.session.get(Account, world["own_account"]), db.session.get(Account, world["other_account"])
        urgent = make_publication(own, headline='=HYPERLINK("http://evil.example","点我")', urgency=Urgency.urgent,
                                  status=PublicationStatus.dept_review, due_at=dt.datetime(2026, 12, 1, 4))
        make_publication(own, headline="本单位一般报批")
        make_publication(other, headline="外单位紧急报批", urgency=Urgency.urgent)
        db.session.commit()
        return {**world, "urgent": urgent.id}


def _filter(app, column: str) -> str:
    from .access.matrix import filter_index
    return {"urgency": f"flt0_{filter_index(app, 'publications', Publication.urgency, 'EnumEqualFilter')}"}[column]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("role", ["unit_editor", "dept_admin", "auditor"])
def test_exports_are_scoped_filtered_chinese_and_neutralised(app, requests_world, login_as, role, fmt):
    import csv
    import io

    import openpyxl

    response = login_as(role).get(f"/admin/publications/export/{fmt}/?{_filter(app, 'urgency')}=urgent",
                                  buffered=True)
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
        rows = [["" if c.value is None else str(c.value) for c in row] for row in sheet.iter_rows()]
    assert {"标题", "报批单位", "信息类别", "紧急程度", "拟发布时间", "状态", "答复时限"} <= set(rows[0])
    cells = [cell for row in rows[1:] for cell in row]
    assert all(not cell.startswith(("=", "+", "@")) for cell in cells)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert "本单位一般报批" not in cells  # the filter: urgent only
    assert ("外单位紧急报批" in cells) == (role != "unit_editor")
    assert "紧急" in cells and "待宣传部授权" in cells  # labels, not codes
    assert "2026-12-01 12:00" in " ".join(cells)  # the deadline in the configured zone (UTC+8)


def test_the_auditor_reads_and_writes_nothing(app, requests_world, login_as):
    auditor = login_as("auditor")
    row = requests_world["urgent"]
    page = auditor.get(f"/admin/publications/details/?id={row}").get_data(as_text=True)
    assert 'name="action"' not in page and "record-publication" not in page
    assert auditor.get("/admin/publications/new/").status_code in (302, 403)
    for step in ("approve", "refuse", "reject", "record_violation"):
        auditor.post("/admin/publications/action/", {"action": step, "rowid": str(row), "opinion": "x",
                                                     "url": "/admin/publications/"})
    with app.app_context():
        assert db.session.get(Publication, row).status == PublicationStatus.dept_review


# --- the request's files (services/attachments.py: type checked by content) ------------------------------------
def test_material_is_attached_checked_by_content_and_scoped(app, world, login_as):
    import io

    from models import Attachment, AttachmentKind

    from .factories import TINY_PDF

    with app.app_context():
        own = _own(world).id
        other = make_publication(db.session.get(Account, world["other_account"])).id
        db.session.commit()
    editor = login_as("unit_editor")

    def upload(row, data, name):
        return editor.post(f"/attachments/publication/{row}", data={"kind": "material",
                                                                   "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    assert upload(own, TINY_PDF, "通稿.pdf").status_code == 302
    assert upload(own, b"MZ\x90\x00 not a pdf", "假装.pdf").status_code == 302  # refused with a message
    assert upload(other, TINY_PDF, "外单位.pdf").status_code == 404
    with app.app_context():
        files = db.session.query(Attachment).filter(Attachment.publication_id.is_not(None)).all()
        assert [(f.publication_id, f.kind, f.filename) for f in files] == [(own, AttachmentKind.material, "通稿.pdf")]
    page = editor.get(f"/admin/publications/details/?id={own}").get_data(as_text=True)
    assert "通稿.pdf" in page and "拟发布材料" in page


def test_urgent_submission_posts_the_departments_group_notice(app, world, login_as, monkeypatch):
    from services import notify

    with app.app_context():
        publication_id = _own(world, urgency=Urgency.urgent, headline="暴雨停课通知").id
        db.session.commit()
    posted = []
    monkeypatch.setitem(app.config, "DEPT_WECOM_WEBHOOK", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k")
    monkeypatch.setattr(notify, "post", lambda url, payload, sign_secret=None, platform=notify.WECOM, **kw:
                        posted.append(payload) or notify.Notice(platform, False, 3, "HTTP 503"))
    login_as("unit_editor").post("/admin/publications/action/", data={
        "action": "submit", "rowid": str(publication_id), "url": "/admin/publications/"})
    assert len(posted) == 1 and "暴雨停课通知" in posted[0]["markdown"]["content"]
    with app.app_context():
        assert db.session.get(Publication, publication_id).status == PublicationStatus.unit_review
        notes = [e.note for e in db.session.query(AuditLog).filter_by(object_type="Publication",
                                                                      object_id=publication_id)]
        assert any(note and note.startswith("notify wecom failed") for note in notes)


def test_the_assessment_list_and_export_show_the_figure(app, world, login_as):
    import csv
    import io

    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status, account.approved_at = AccountStatus.approved, dt.datetime(2026, 9, 5)
        publication = _own(world)
        publication.published_url, publication.published_at = "https://weibo.com/1", dt.datetime(2026, 11, 2, 4)
        db.session.commit()
        assessment.compute(2026, today=dt.date(2026, 12, 1))
        db.session.commit()
    dept = login_as("dept_admin")
    assert "未经授权发布" in dept.get("/admin/assessments/").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(dept.get("/admin/assessments/export/csv/", buffered=True)
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("未经授权发布")
    assert sorted(row[column] for row in rows[1:]) == ["1", "1"]  # the account and its unit


@pytest.mark.parametrize("note, expected", [
    ("notify mail dept@example.edu.cn ok", "紧急发布报批：已向 dept@example.edu.cn 发送通知邮件"),
    ("notify mail dept@example.edu.cn failed", "紧急发布报批：向 dept@example.edu.cn 发送通知邮件失败"),
    ("notify wecom ok", "紧急发布报批：已在宣传部企业微信群发送通知"),
    ("notify dingtalk failed after 3 tries: timeout", "紧急发布报批：在宣传部钉钉群发送通知失败（timeout）"),
])
def test_the_notices_audit_notes_read_as_chinese_sentences(app, note, expected):
    """Unit users read their requests' history: the notes written for the record are shown in their language."""
    from types import SimpleNamespace

    from admin.audit import _note
    from models import AuditAction

    with app.test_request_context():
        entry = SimpleNamespace(note=note, object_type="Publication", action=AuditAction.create)
        assert _note(None, None, entry, "note") == expected
