"""The registration, change and report state machines (第六~八条, 第十三条, 第十五条)."""
import datetime as dt
import itertools

import pytest

from models import (Account, AccountStatus, AuditAction, AuditLog, ChangeKind, ChangeRecord, MonthlyReport,
                    ReviewStatus, Role, User, db, policy)
from services import workflow

from .conftest import make_account, make_report

#: Every legal (step, state, role) and the state it leads to; everything else is refused.
LEGAL = {
    ("submit", "draft", "unit_editor"): "unit_review",
    ("submit", "returned", "unit_editor"): "unit_review",
    ("submit", "draft", "unit_leader"): "unit_review",
    ("submit", "returned", "unit_leader"): "unit_review",
    ("confirm", "unit_review", "unit_leader"): "dept_review",
    ("reject", "unit_review", "unit_leader"): "returned",
    ("approve", "dept_review", "dept_admin"): "approved",
    ("reject", "dept_review", "dept_admin"): "returned",
}
ACCOUNT_ONLY = {
    ("suspend", "approved", "dept_admin"): "suspended",
    ("reinstate", "suspended", "dept_admin"): "approved",
}
ROLES = ["unit_editor", "unit_leader", "dept_admin", "auditor"]
USERNAMES = {"unit_editor": "editor", "unit_leader": "leader", "dept_admin": "dept", "auditor": "auditor"}


def _record(kind, world, status_name):
    if kind == "account":
        account = db.session.get(Account, world["own_account"])
        account.status = AccountStatus[status_name]
        account.approved_at = dt.datetime(2026, 9, 5) if status_name in ("approved", "suspended", "closed") else None
        return account
    account = db.session.get(Account, world["own_account"])
    if kind == "report":
        report = db.session.get(MonthlyReport, world["own_report"])
        report.status = ReviewStatus[status_name]
        report.approved_at = dt.datetime(2026, 11, 3) if status_name == "approved" else None
        return report
    change = ChangeRecord(account=account, unit_id=account.unit_id, kind=ChangeKind.name,
                          changed_on=dt.date(2026, 11, 2), after={"name": "新名称"}, status=ReviewStatus[status_name],
                          due_on=dt.date(2026, 11, 9),
                          approved_at=dt.datetime(2026, 11, 3) if status_name == "approved" else None)
    db.session.add(change)
    db.session.flush()
    return change


def _cases():
    for kind, states, steps in (
        ("account", [s.name for s in AccountStatus], list(workflow.TRANSITIONS)),
        ("change", [s.name for s in ReviewStatus], ["submit", "confirm", "approve", "reject"]),
        ("report", [s.name for s in ReviewStatus], ["submit", "confirm", "approve", "reject"]),
    ):
        legal = {**LEGAL, **(ACCOUNT_ONLY if kind == "account" else {})}
        for step, state, role in itertools.product(steps, states, ROLES):
            expected = legal.get((step, state, role))
            if kind != "account" and expected == "approved":
                expected = "approved"
            yield pytest.param(kind, step, state, role, expected, id=f"{kind}-{step}-{state}-{role}")


@pytest.mark.parametrize("kind, step, state, role, expected", list(_cases()))
def test_state_machine(app, world, ctx, kind, step, state, role, expected):
    record = _record(kind, world, state)
    actor = db.session.query(User).filter_by(username=USERNAMES[role]).one()
    if expected is None:
        # A role that never takes the step is refused by the policy (403); a step not possible in this state
        # is a workflow refusal with the state in its message.
        role_takes_it = any(s == step and r == role for s, _state, r in {**LEGAL, **ACCOUNT_ONLY})
        with pytest.raises(workflow.TransitionError if role_takes_it else policy.NotAllowed):
            workflow.TRANSITIONS[step](record, actor, "理由")
        assert record.status.name == state
    else:
        workflow.TRANSITIONS[step](record, actor, "理由")
        db.session.commit()
        assert record.status.name == expected
        entry = db.session.query(AuditLog).filter_by(object_type=type(record).__name__, object_id=record.id) \
            .order_by(AuditLog.id.desc()).first()
        assert entry.action.name == step and entry.user_id == actor.id


def test_other_units_record_is_refused(app, world, ctx):
    other = db.session.get(Account, world["other_account"])
    leader = db.session.query(User).filter_by(username="leader").one()
    other.status = AccountStatus.unit_review
    with pytest.raises(policy.NotAllowed):
        workflow.confirm(other, leader)
    assert other.status == AccountStatus.unit_review


def _post_step(client, view, name, row_id, opinion="", **extra):
    return client.post(f"/admin/{view}/action/", data={"action": name, "rowid": str(row_id), "opinion": opinion,
                                                        "url": f"/admin/{view}/", **extra})


def test_full_registration_through_the_screens(app, world, login_as):
    account_id = world["own_account"]
    editor, leader, dept = login_as("unit_editor"), login_as("unit_leader"), login_as("dept_admin")
    page = editor.get(f"/admin/accounts/details/?id={account_id}").get_data(as_text=True)
    assert 'value="submit"' in page and 'value="approve"' not in page
    assert _post_step(editor, "accounts", "submit", account_id).status_code == 302
    page = leader.get(f"/admin/accounts/details/?id={account_id}").get_data(as_text=True)
    assert 'value="confirm"' in page and 'value="reject"' in page
    assert _post_step(leader, "accounts", "confirm", account_id).status_code == 302
    assert _post_step(dept, "accounts", "approve", account_id, "同意备案。").status_code == 302
    with app.app_context():
        account = db.session.get(Account, account_id)
        assert account.status == AccountStatus.approved and account.in_matrix
        assert account.unit_opinion == workflow.UNIT_STATEMENT and account.unit_signed_by.username == "leader"
        assert account.dept_opinion == "同意备案。" and account.approved_by.username == "dept"
        assert account.submitted_at is not None and account.approved_at is not None
        actions = [e.action for e in db.session.query(AuditLog).filter_by(object_type="Account", object_id=account_id)
                   .order_by(AuditLog.id)]
        assert actions[-3:] == [AuditAction.submit, AuditAction.confirm, AuditAction.approve]


@pytest.mark.parametrize("role, step", [("unit_editor", "approve"), ("unit_editor", "confirm"),
                                        ("auditor", "submit"), ("unit_leader", "approve"),
                                        ("dept_admin", "confirm"), ("other_editor", "submit")])
def test_forged_step_is_refused(app, world, login_as, role, step):
    response = _post_step(login_as(role), "accounts", step, world["own_account"])
    assert response.status_code in (302, 403)
    with app.app_context():
        assert db.session.get(Account, world["own_account"]).status == AccountStatus.draft


def test_late_submission_is_flagged_but_accepted(app, world, login_as):
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.registration_due = dt.date(2026, 9, 8)
        db.session.commit()
    _post_step(login_as("unit_editor"), "accounts", "submit", world["own_account"])
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        assert account.status == AccountStatus.unit_review and account.is_late


def test_return_needs_a_reason_and_bulk_uses_the_standard_one(app, world, login_as, ctx):
    for account_id in (world["own_account"], world["other_account"]):
        db.session.get(Account, account_id).status = AccountStatus.dept_review
    db.session.commit()
    dept = login_as("dept_admin")
    _post_step(dept, "accounts", "reject", world["own_account"])
    db.session.expire_all()
    assert db.session.get(Account, world["own_account"]).status == AccountStatus.dept_review
    dept.post("/admin/accounts/action/", data={"action": "reject",
                                               "rowid": [str(world["own_account"]), str(world["other_account"])]})
    db.session.expire_all()
    for account_id in (world["own_account"], world["other_account"]):
        account = db.session.get(Account, account_id)
        assert account.status == AccountStatus.returned and "宣传部" in account.return_reason


def test_suspend_leaves_the_matrix_and_reinstate_returns(app, world, login_as, ctx):
    account = db.session.get(Account, world["own_account"])
    account.status, account.approved_at, account.in_matrix = AccountStatus.approved, dt.datetime(2026, 9, 5), True
    db.session.commit()
    dept = login_as("dept_admin")
    _post_step(dept, "accounts", "suspend", account.id, "违反第十二条")
    db.session.expire_all()
    account = db.session.get(Account, world["own_account"])
    assert account.status == AccountStatus.suspended and not account.in_matrix
    _post_step(dept, "accounts", "reinstate", account.id, "已整改")
    db.session.expire_all()
    account = db.session.get(Account, world["own_account"])
    assert account.status == AccountStatus.approved and account.in_matrix


def test_stale_button_is_refused(app, world, login_as, ctx):
    account = db.session.get(Account, world["own_account"])
    stale = account.version
    account.name = "别人改过"
    db.session.commit()
    _post_step(login_as("unit_editor"), "accounts", "submit", account.id, row_version=str(stale))
    db.session.expire_all()
    assert db.session.get(Account, world["own_account"]).status == AccountStatus.draft


def test_approved_change_is_applied_to_the_account(app, world, ctx):
    change = _record("change", world, "dept_review")
    dept = db.session.query(User).filter_by(role=Role.dept_admin).first()
    workflow.approve(change, dept, "准予变更")
    db.session.commit()
    assert db.session.get(Account, world["own_account"]).name == "新名称"


def test_closure_change_closes_the_account(app, world, ctx):
    account = db.session.get(Account, world["own_account"])
    account.status, account.approved_at, account.in_matrix = AccountStatus.approved, dt.datetime(2026, 9, 5), True
    change = ChangeRecord(account=account, unit_id=account.unit_id, kind=ChangeKind.closure,
                          changed_on=dt.date(2026, 11, 2), closure_notice="本帐号将于11月底停止更新。",
                          status=ReviewStatus.dept_review)
    db.session.add(change)
    db.session.flush()
    workflow.approve(change, db.session.query(User).filter_by(role=Role.dept_admin).first())
    db.session.commit()
    assert account.status == AccountStatus.closed and not account.in_matrix


def test_classified_report_needs_a_handling_note(app, world, ctx):
    report = _record("report", world, "dept_review")
    report.involves_classified = True
    dept = db.session.query(User).filter_by(role=Role.dept_admin).first()
    with pytest.raises(workflow.TransitionError):
        workflow.approve(report, dept)
    report.classified_handling = "已删除相关内容并约谈责任人。"
    workflow.approve(report, dept)
    db.session.commit()
    assert report.status == ReviewStatus.approved


def test_report_cannot_be_submitted_before_the_month_is_over(app, world, ctx):
    report = db.session.get(MonthlyReport, world["own_report"])
    report.period = dt.date.today().replace(day=1)
    editor = db.session.query(User).filter_by(username="editor").one()
    with pytest.raises(workflow.TransitionError):
        workflow.submit(report, editor)


def test_report_late_after_the_fifth(app, world, ctx):
    report = db.session.get(MonthlyReport, world["own_report"])
    assert workflow.is_late(report, dt.datetime(2026, 11, 5, 23)) is False
    assert workflow.is_late(report, dt.datetime(2026, 11, 6, 0, 1)) is True


def test_lateness_is_judged_by_the_day_in_the_configured_zone(app, world, ctx, monkeypatch):
    """Submitted at 2026-11-05 16:30 UTC, i.e. 00:30 on the 6th in Beijing: after the window (the 5th)."""
    report = db.session.get(MonthlyReport, world["own_report"])
    report.status, report.submitted_at, report.is_late = ReviewStatus.draft, None, False
    editor = db.session.query(User).filter_by(username="editor").one()
    monkeypatch.setattr(workflow, "utcnow", lambda: dt.datetime(2026, 11, 5, 16, 30))
    workflow.submit(report, editor)
    assert report.is_late is True


def test_bulk_approve_reports_counts_and_skips(app, world, login_as, ctx):
    own = db.session.get(MonthlyReport, world["own_report"])
    own.status = ReviewStatus.dept_review
    db.session.commit()
    dept = login_as("dept_admin")
    response = dept.post("/admin/reports/action/", data={
        "action": "approve", "rowid": [str(world["own_report"]), str(world["other_report"]), "999999"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(MonthlyReport, world["own_report"]).status == ReviewStatus.approved
    assert db.session.get(MonthlyReport, world["other_report"]).status == ReviewStatus.draft
    html = dept.get("/admin/reports/").get_data(as_text=True)
    assert "1 条记录" in html
