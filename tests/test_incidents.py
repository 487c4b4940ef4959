"""不良信息 / 舆情 incidents (第十四条): the steps by role and state, the rules of the times, escalation into a
violation (第十三条) once with its history kept, the time to handle, the list's export, the assessment."""
from __future__ import annotations

import datetime as dt

import pytest

from models import (Account, AccountStatus, AuditLog, Incident, IncidentStatus, Measure, Unit, Violation, ViolationKind,
                    db)
from services import incidents

from .conftest import TINY_PDF, make_incident

ROLES = ["unit_editor", "unit_leader", "dept_admin", "auditor", "other_editor"]
STATES = list(IncidentStatus)
UNIT = {"unit_editor", "unit_leader"}
#: Who may take each step, from which states (models/workflow.py STEPS[Incident]: the review of every reviewed
#: record, and the escalation); reject: the leader from unit_review, the department from dept_review.
ALLOWED = {
    "submit": (UNIT, {IncidentStatus.draft, IncidentStatus.returned}),
    "confirm": ({"unit_leader"}, {IncidentStatus.unit_review}),
    "approve": ({"dept_admin"}, {IncidentStatus.dept_review}),
    "reject": ({"unit_leader", "dept_admin"}, {IncidentStatus.unit_review, IncidentStatus.dept_review}),
    "escalate": ({"dept_admin"}, {IncidentStatus.unit_review, IncidentStatus.dept_review, IncidentStatus.handled}),
}
#: The states as the screens name them (the wording of the other reviewed records).
CHINESE = {IncidentStatus.draft: "草稿", IncidentStatus.unit_review: "待单位审核", IncidentStatus.dept_review: "待宣传部审核",
           IncidentStatus.handled: "已处置", IncidentStatus.returned: "退回修改", IncidentStatus.escalated: "已转为违规记录"}
TARGET = {"submit": IncidentStatus.unit_review, "confirm": IncidentStatus.dept_review,
          "approve": IncidentStatus.handled, "reject": IncidentStatus.returned, "escalate": IncidentStatus.escalated}


def _allowed(role, step, state) -> bool:
    roles, sources = ALLOWED[step]
    if step == "reject":
        return (role, state) in {("unit_leader", IncidentStatus.unit_review),
                                 ("dept_admin", IncidentStatus.dept_review)}
    return role in roles and state in sources


def _incident(app, world, status: IncidentStatus, **fields) -> int:
    """An incident of 会计学院 in ``status``, with what was done and when (an escalated one with its violation)."""
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        stored = IncidentStatus.handled if status == IncidentStatus.escalated else status
        fields.setdefault("action_taken", "已删除该评论")
        fields.setdefault("handled_at", dt.datetime(2026, 10, 12, 7, 30))
        incident = make_incident(account, status=stored, **fields)
        if status == IncidentStatus.escalated:
            violation = Violation(account=account, unit_id=account.unit_id, occurred_on=dt.date(2026, 10, 12),
                                  kind=ViolationKind.other, description="由事件转来", measure=Measure.rectify)
            db.session.add(violation)
            db.session.flush()
            incident.violation_id, incident.status = violation.id, IncidentStatus.escalated
        db.session.commit()
        return incident.id


def _step(client, step: str, incident_id: int, opinion: str = "已删除并截图留存"):
    return client.post("/admin/incidents/action/", data={"action": step, "rowid": str(incident_id),
                                                         "opinion": opinion, "url": "/admin/incidents/"})


# --- the state machine: role × state × step ----------------------------------------------------------------
@pytest.mark.parametrize("step", list(ALLOWED))
@pytest.mark.parametrize("state", STATES, ids=lambda s: s.name)
@pytest.mark.parametrize("role", ROLES)
def test_step_by_role_and_state(app, world, login_as, role, state, step):
    """The standard actions posted to /admin/incidents/action/ (a forged one is refused and changes nothing)."""
    incident_id = _incident(app, world, state)
    with app.app_context():
        violations_before = db.session.query(Violation).count()
    response = _step(login_as(role), step, incident_id)
    assert response.status_code in (302, 403, 404)
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        violations_after = db.session.query(Violation).count()
        if _allowed(role, step, state):
            assert incident.status == TARGET[step], "positive control: the allowed step is taken"
            assert violations_after == violations_before + (step == "escalate")
        else:
            assert incident.status == state, f"{role} took {step} on a {state.name} incident"
            assert violations_after == violations_before


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.name)
@pytest.mark.parametrize("role", ROLES)
def test_record_page_offers_only_the_allowed_steps(app, world, login_as, role, state):
    incident_id = _incident(app, world, state)
    response = login_as(role).get(f"/admin/incidents/details/?id={incident_id}")
    if role == "other_editor":
        assert response.status_code == 404
        return
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and CHINESE[state] in page
    for step in ALLOWED:
        assert (f'value="{step}"' in page) == _allowed(role, step, state), (step, role, state.name)
    assert 'value="handle"' not in page


def test_the_review_keeps_the_opinions_and_shows_them(app, world, login_as):
    """editor submits (found minutes ago, not handled yet) → leader confirms with 单位意见 → returned by the department
    with its reason → the unit fills in what was done and submits again → confirmed → 已处置 with 宣传部意见."""
    incident_id = _incident(app, world, IncidentStatus.draft, action_taken=None, handled_at=None)
    editor, leader, dept = login_as("unit_editor"), login_as("unit_leader"), login_as("dept_admin")
    _step(editor, "submit", incident_id, opinion="")
    _step(leader, "confirm", incident_id, opinion="情况属实，正在处置")
    _step(dept, "approve", incident_id, opinion="同意")  # refused: nothing done yet, no handled time
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident.status == IncidentStatus.dept_review and incident.submitted_at is not None
        assert incident.unit_opinion == "情况属实，正在处置" and incident.unit_signed_by.username == "leader"
        assert incident.approved_at is None and incident.dept_opinion is None
    _step(dept, "reject", incident_id, opinion="请补充处置措施和处置完成时间")
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident.status == IncidentStatus.returned and incident.return_reason.startswith("请补充")
        incident.action_taken, incident.handled_at = "已删除该评论", dt.datetime(2026, 10, 12, 7, 30)
        db.session.commit()
    _step(editor, "submit", incident_id, opinion="")
    _step(leader, "confirm", incident_id, opinion="已处置完毕")
    _step(dept, "approve", incident_id, opinion="处置及时，同意")
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident.status == IncidentStatus.handled and incident.return_reason is None
        assert incident.dept_opinion == "处置及时，同意" and incident.approved_by.username == "dept"
        steps = [e.action.name for e in db.session.query(AuditLog).filter_by(
            object_type="Incident", object_id=incident_id).order_by(AuditLog.id)]
        assert [s for s in steps if s not in ("create", "update")] \
            == ["submit", "confirm", "reject", "submit", "confirm", "approve"]
    page = dept.get(f"/admin/incidents/details/?id={incident_id}").get_data(as_text=True)
    for text in ("单位意见", "已处置完毕", "宣传部意见", "处置及时，同意", "已处置"):
        assert text in page, text


@pytest.mark.parametrize("missing, message", [
    ({"action_taken": None}, "处置措施"), ({"handled_at": None}, "处置完成时间"),
    ({"action_taken": "  ", "handled_at": None}, "处置措施"),
], ids=["no-action", "no-time", "neither"])
def test_approval_needs_what_was_done_and_when(app, world, login_as, missing, message):
    incident_id = _incident(app, world, IncidentStatus.dept_review, **missing)
    with app.app_context():
        before = {c: getattr(db.session.get(Incident, incident_id), c)
                  for c in ("status", "dept_opinion", "approved_at", "approved_by_id", "version")}
    dept = login_as("dept_admin")
    response = _step(dept, "approve", incident_id, opinion="同意")
    page = dept.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page and "方可确认已处置" in page
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert {c: getattr(incident, c) for c in before} == before, "nothing half-written"


def test_a_returned_incident_in_bulk_gets_the_standard_reason(app, world, login_as):
    ids = [_incident(app, world, IncidentStatus.dept_review) for _ in range(2)]
    login_as("dept_admin").post("/admin/incidents/action/", data={
        "action": "reject", "rowid": [str(i) for i in ids], "url": "/admin/incidents/"})
    with app.app_context():
        for ident in ids:
            incident = db.session.get(Incident, ident)
            assert incident.status == IncidentStatus.returned and "退回" in incident.return_reason


# --- the times (services.incidents.timing_problems, shown next to the field) -------------------------------
def _new(client, world, **fields):
    data = {"account": str(world["own_account"]), "kind": "public_opinion", "found_at": "2026-10-20T09:30",
            "found_by": "值班员王芳", "description": "微博评论区出现不实信息"}
    data.update(fields)
    return client.post("/admin/incidents/new/", data=data)


def test_a_unit_records_an_incident_in_local_time(app, world, login_as):
    response = _new(login_as("unit_editor"), world)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        incident = db.session.query(Incident).one()
        assert incident.status == IncidentStatus.draft and incident.unit_id == world["own_unit"]
        assert incident.found_at == dt.datetime(2026, 10, 20, 1, 30)  # 09:30 in Beijing, stored in UTC
        assert db.session.query(AuditLog).filter_by(object_type="Incident", object_id=incident.id).count() == 1


@pytest.mark.parametrize("fields, field, message", [
    ({"found_at": (dt.datetime.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}, "found_at",
     "该时间晚于当前时间"),
    ({"found_at": "2026-08-31T10:00"}, "found_at", "此时间早于帐号创建"),
    ({"handled_at": "2026-10-20T08:00"}, "handled_at", "处置完成时间不能早于发现时间"),
    ({"handled_at": (dt.datetime.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}, "handled_at",
     "该时间晚于当前时间"),
], ids=["found-in-future", "found-before-the-account", "handled-before-found", "handled-in-future"])
def test_times_are_refused_next_to_their_field(app, world, login_as, fields, field, message):
    response = _new(login_as("unit_editor"), world, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    # next to the field: the message follows the field's input
    assert page.rindex(message) > page.index(f'name="{field}"')  # (the first is the summary at the top)
    with app.app_context():
        assert db.session.query(Incident).count() == 0, "nothing half-written"


def test_timing_rule_is_one_function(app, world, ctx):
    account = db.session.get(Account, world["own_account"])
    found = dt.datetime(2026, 10, 20, 1, 30)
    assert incidents.timing_problems(account, found, found + dt.timedelta(hours=1)) == []
    assert [p.field for p in incidents.timing_problems(account, found, found - dt.timedelta(minutes=1))] \
        == ["handled_at"]
    # 2026-08-31 23:30 in Beijing is 15:30 UTC: the day before the account's creation (2026-09-01)
    assert [p.field for p in incidents.timing_problems(account, dt.datetime(2026, 8, 31, 15, 30), None)] \
        == ["found_at"]
    assert incidents.timing_problems(account, dt.datetime(2026, 8, 31, 16, 30), None) == []


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.name)
def test_who_edits_in_which_state(app, world, login_as, state):
    """The unit edits a draft or a returned incident; nobody edits it once handled or escalated (only the steps)."""
    incident_id = _incident(app, world, state)
    unit = state in (IncidentStatus.draft, IncidentStatus.returned)
    dept = state not in (IncidentStatus.handled, IncidentStatus.escalated)
    assert (login_as("unit_editor").get(f"/admin/incidents/edit/?id={incident_id}").status_code == 200) == unit
    assert (login_as("dept_admin").get(f"/admin/incidents/edit/?id={incident_id}").status_code == 200) == dept


# --- escalation into a violation (第十三条): once, the history kept and read from both ------------------------
def test_escalation_creates_one_violation_and_keeps_the_history(app, world, login_as):
    incident_id = _incident(app, world, IncidentStatus.dept_review)
    dept = login_as("dept_admin")
    _step(dept, "approve", incident_id, opinion="同意")
    _step(dept, "escalate", incident_id, opinion="造成不良影响")
    _step(dept, "escalate", incident_id, opinion="再次转")  # refused: once only
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        violation = db.session.query(Violation).one()
        assert incident.status == IncidentStatus.escalated and incident.violation_id == violation.id
        assert violation.unit_id == incident.unit_id and violation.account_id == incident.account_id
        assert violation.occurred_on == dt.date(2026, 10, 12)  # the day it was found, in Beijing
        assert "评论区不良信息" in violation.description and "造成不良影响" in violation.description
        incident_entries = db.session.query(AuditLog).filter_by(object_type="Incident", object_id=incident_id).count()
        violation_entries = db.session.query(AuditLog).filter_by(object_type="Violation", object_id=violation.id).all()
        assert len(violation_entries) == 1 and "第十四条" in violation_entries[0].note
        violation_id = violation.id
    incident_page = dept.get(f"/admin/incidents/details/?id={incident_id}").get_data(as_text=True)
    assert f"/admin/violations/details/?id={violation_id}" in incident_page and "value=\"escalate\"" not in incident_page
    violation_page = dept.get(f"/admin/violations/details/?id={violation_id}").get_data(as_text=True)
    assert f"/admin/incidents/details/?id={incident_id}" in violation_page
    # The same history from both records' pages: every entry of both, each once.
    for kind, ident in (("Incident", incident_id), ("Violation", violation_id)):
        other = f"Violation:{violation_id}" if kind == "Incident" else f"Incident:{incident_id}"
        page = dept.get(f"/admin/{'incidents' if kind == 'Incident' else 'violations'}/details/?id={ident}") \
            .get_data(as_text=True)
        assert other.replace(":", "%3A") in page or other in page
    history = dept.get(f"/admin/audit/?object=Incident:{incident_id},Violation:{violation_id}&page_size=100")
    rows = history.get_data(as_text=True).count('<tr>') - 1
    assert rows == incident_entries + 1


def test_a_unit_cannot_escalate_and_sees_the_violation_it_became(app, world, login_as):
    incident_id = _incident(app, world, IncidentStatus.escalated)
    page = login_as("unit_leader").get(f"/admin/incidents/details/?id={incident_id}").get_data(as_text=True)
    assert "已转为违规记录" in page and "查看违规记录" in page and 'value="escalate"' not in page


def test_an_escalated_violation_counts_once_in_the_assessment(app, world, login_as):
    from models import Assessment
    from services.assessment import compute

    incident_id = _incident(app, world, IncidentStatus.dept_review)
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status, account.approved_at = AccountStatus.approved, dt.datetime(2026, 9, 5)
        db.session.commit()
    _step(login_as("dept_admin"), "escalate", incident_id)
    with app.app_context():
        compute(2026, today=dt.date(2026, 12, 1))
        db.session.commit()
        row = db.session.query(Assessment).filter_by(year=2026, account_id=world["own_account"]).one()
        assert row.violations == 1
        unit_row = db.session.query(Assessment).filter_by(year=2026, unit_id=world["own_unit"], account_id=None).one()
        assert unit_row.violations == 1


# --- the time to handle, the list and its export -----------------------------------------------------------
def test_time_to_handle_in_hours_and_working_days(app, world, ctx):
    account = db.session.get(Account, world["own_account"])
    quick = make_incident(account, status=IncidentStatus.handled)  # six hours
    # found on Friday 2026-10-16 10:00 in Beijing, handled on Tuesday 2026-10-20 12:00: 2 working days
    slow = make_incident(account, found_at=dt.datetime(2026, 10, 16, 2), status=IncidentStatus.handled,
                         handled_at=dt.datetime(2026, 10, 20, 4), action_taken="已处置")
    assert incidents.time_to_handle(quick) == "6.0 小时"
    assert incidents.time_to_handle(slow) == "98.0 小时（2 个工作日）"


def test_department_list_filters_and_export(app, world, login_as):
    with app.app_context():
        for key, prefix in (("own_account", "本单位"), ("other_account", "外单位")):
            account = db.session.get(Account, key and world[key])
            make_incident(account, description=f"{prefix}待处理")
            make_incident(account, status=IncidentStatus.unit_review, description=f"{prefix}待单位审核")
            make_incident(account, status=IncidentStatus.handled, description=f"{prefix}已处置")
        db.session.commit()
    from flask_admin.contrib.sqla import filters as f

    from admin.dashboard import list_url

    dept = login_as("dept_admin")
    with app.test_request_context():
        url = list_url("incidents", ("status", f.EnumFilterInList, "draft,unit_review,dept_review,returned"))
    page = dept.get(url).get_data(as_text=True)
    assert page.count("<tr>") - 1 == 4 and "本单位帐号" in page and "外单位帐号" in page
    csv_text = dept.get("/admin/incidents/export/csv/", buffered=True).get_data(as_text=True)
    assert "处置用时" in csv_text and "6.0 小时" in csv_text and "外单位已处置" in csv_text
    unit_csv = login_as("unit_editor").get("/admin/incidents/export/csv/", buffered=True).get_data(as_text=True)
    assert "本单位已处置" in unit_csv and "外单位" not in unit_csv


def test_screenshots_are_checked_by_content(app, world, login_as):
    import io

    incident_id = _incident(app, world, IncidentStatus.draft)
    editor = login_as("unit_editor")
    fake = editor.post(f"/attachments/incident/{incident_id}", data={
        "kind": "screenshot", "file": (io.BytesIO(b"not an image at all"), "截图.png")},
        content_type="multipart/form-data")
    assert fake.status_code == 302
    real = editor.post(f"/attachments/incident/{incident_id}", data={
        "kind": "screenshot", "file": (io.BytesIO(TINY_PDF), "截图.pdf")}, content_type="multipart/form-data")
    assert real.status_code == 302
    with app.app_context():
        from models import Attachment

        files = db.session.query(Attachment).filter_by(incident_id=incident_id).all()
        assert [f.filename for f in files] == ["截图.pdf"] and files[0].unit_id == world["own_unit"]


def test_the_home_page_counts_open_incidents(app, world, login_as):
    with app.app_context():
        for key in ("own_account", "other_account"):
            account = db.session.get(Account, world[key])
            make_incident(account)
            make_incident(account, status=IncidentStatus.handled)
        db.session.commit()
    dept = login_as("dept_admin").get("/admin/").get_data(as_text=True)
    assert 'id="todo-incidents"' in dept and "处理中的不良信息与舆情事件" in dept
    unit = login_as("unit_editor").get("/admin/").get_data(as_text=True)
    assert 'id="todo-incidents"' in unit and "外单位" not in unit


def test_moving_an_account_moves_its_incidents(app, world, login_as):
    incident_id = _incident(app, world, IncidentStatus.draft)
    with app.app_context():
        other_unit = db.session.get(Unit, world["other_unit"]).id
    response = login_as("dept_admin").post(f"/admin/accounts/move/?ids={world['own_account']}",
                                           {"ids": world["own_account"], "unit": other_unit})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Incident, incident_id).unit_id == other_unit
    assert login_as("unit_editor").get(f"/admin/incidents/details/?id={incident_id}").status_code == 404


def test_a_refused_approval_leaves_the_incident_as_it_was(app, world, login_as):
    """The times are checked again by the step: an account whose 创建时间 was corrected to after the finding."""
    incident_id = _incident(app, world, IncidentStatus.dept_review)
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        incident.account.created_on = dt.date(2026, 10, 15)  # after the incident was found (2026-10-12)
        db.session.commit()
        before = {c: getattr(incident, c) for c in ("status", "action_taken", "handled_at", "version",
                                                     "dept_opinion", "approved_at")}
    _step(login_as("dept_admin"), "approve", incident_id, opinion="同意")
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert {c: getattr(incident, c) for c in before} == before


def test_the_list_reads_the_same_statements_for_3_or_15_rows(app, world, login_as):
    """No statement per row: the accounts and units are joined, the working days read once per request."""
    from .conftest import count_statements

    client = login_as("dept_admin")

    def add(n):
        with app.app_context():
            account = db.session.get(Account, world["own_account"])
            for i in range(n):
                make_incident(account, found_at=dt.datetime(2026, 10, 1 + i, 2), status=IncidentStatus.handled,
                              handled_at=dt.datetime(2026, 10, 3 + i, 2), action_taken="已处置")
            db.session.commit()

    add(3)
    client.get("/admin/incidents/")
    with count_statements(app) as few:
        assert "个工作日" in client.get("/admin/incidents/").get_data(as_text=True)
    add(12)
    with count_statements(app) as many:
        assert client.get("/admin/incidents/").get_data(as_text=True).count("个工作日") == 15
    assert len(many) == len(few), (len(few), len(many))


@pytest.mark.parametrize("role, offered, not_offered", [
    ("unit_editor", {"submit"}, {"confirm", "approve", "reject"}),
    ("unit_leader", {"submit", "confirm", "reject"}, {"approve"}),
    ("dept_admin", {"approve", "reject"}, {"submit", "confirm"}),
    ("auditor", set(), {"submit", "confirm", "approve", "reject"}),
])
def test_the_list_offers_the_bulk_steps_of_the_role(app, world, login_as, role, offered, not_offered):
    """The step bar above the list (admin/list_bar.py bulk_toolbar) runs the standard actions, as on the other
    reviewed records' lists."""
    _incident(app, world, IncidentStatus.dept_review)
    page = login_as(role).get("/admin/incidents/").get_data(as_text=True)
    for step in offered:
        assert f'data-model-action="{step}"' in page, step
    for step in not_offered:
        assert f'data-model-action="{step}"' not in page, step
