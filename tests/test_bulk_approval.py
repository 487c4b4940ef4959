"""Bulk workflow steps from a filtered list (issue 15 "Shaped" 4): the department approves many pending records at
once through the same step functions (services.workflow.take_step); every row is checked with policy.may_take, a
refused row is left as it was and named, and a forged id of another unit's record changes nothing."""
from __future__ import annotations

import datetime as dt

import pytest

from models import Account, AccountStatus, AuditLog, ChangeRecord, MonthlyReport, ReviewStatus, Unit, User, db

from .conftest import make_account, make_change, make_report


@pytest.fixture
def pending(app, world):
    """Ten registrations waiting for the department (five per unit), and in each unit one waiting for the unit's
    opinion and one draft."""
    with app.app_context():
        ids = {"dept_review": [], "unit_review": {}, "draft": {}}
        for key, prefix in (("own_unit", "本单位"), ("other_unit", "外单位")):
            unit = db.session.get(Unit, world[key])
            ids["dept_review"] += [make_account(unit, f"{prefix}待审{n}", status=AccountStatus.dept_review).id
                                   for n in range(5)]
            ids["unit_review"][key] = make_account(unit, f"{prefix}待单位审核", status=AccountStatus.unit_review).id
            ids["draft"][key] = make_account(unit, f"{prefix}草稿").id
        db.session.commit()
    return {**world, **ids}


def _statuses(ids) -> list[AccountStatus]:
    return [db.session.get(Account, i).status for i in ids]


def test_the_department_approves_ten_pending_registrations_at_once(app, pending, login_as):
    client = login_as("dept_admin")
    html = client.get("/admin/accounts/?flt0_0=dept_review").get_data(as_text=True)
    assert 'id="bulk-select-page"' in html and 'data-model-action="approve"' in html
    response = client.post("/admin/accounts/action/", data={"action": "approve",
                                                             "rowid": [str(i) for i in pending["dept_review"]]})
    assert response.status_code == 302
    assert "10 条记录：已完成“审核通过”。" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert _statuses(pending["dept_review"]) == [AccountStatus.approved] * 10
        assert all(db.session.get(Account, i).in_matrix for i in pending["dept_review"])
        assert db.session.query(AuditLog).filter(AuditLog.object_type == "Account",
                                                 AuditLog.object_id.in_(pending["dept_review"]),
                                                 AuditLog.action == "approve").count() == 10


def test_rows_in_another_state_are_left_as_they_were_and_named(app, pending, login_as):
    client = login_as("dept_admin")
    chosen = pending["dept_review"][:3] + [pending["draft"]["own_unit"], pending["unit_review"]["other_unit"]]
    response = client.post("/admin/accounts/action/", data={"action": "approve", "rowid": [str(i) for i in chosen]})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 条记录：已完成“审核通过”。" in html
    assert "本单位草稿" in html and "外单位待单位审核" in html  # each refusal names its record
    with app.app_context():
        assert _statuses(chosen) == [AccountStatus.approved] * 3 + [AccountStatus.draft, AccountStatus.unit_review]


def test_a_forged_id_of_another_units_record_changes_nothing(app, pending, login_as):
    client = login_as("unit_leader")
    own, foreign = pending["unit_review"]["own_unit"], pending["unit_review"]["other_unit"]
    response = client.post("/admin/accounts/action/", data={"action": "confirm", "rowid": [str(own), str(foreign)]})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 条记录" in html and "外单位待单位审核" not in html  # the foreign record is not even named
    with app.app_context():
        assert _statuses([own, foreign]) == [AccountStatus.dept_review, AccountStatus.unit_review]
        assert db.session.query(AuditLog).filter(AuditLog.object_type == "Account", AuditLog.object_id == foreign,
                                                 AuditLog.action == "confirm").count() == 0


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader", "auditor"])
def test_a_forged_approval_is_refused(app, pending, login_as, role):
    ids = pending["dept_review"][:5]  # the own unit's (the first five)
    login_as(role).post("/admin/accounts/action/", data={"action": "approve", "rowid": [str(i) for i in ids]})
    with app.app_context():
        assert _statuses(ids) == [AccountStatus.dept_review] * 5


def test_the_service_checks_may_take_for_every_record(app, pending):
    """take_step called directly (not through a scoped list): another unit's record is refused as data."""
    from services import workflow

    with app.test_request_context():
        leader = db.session.query(User).filter_by(username="leader").one()
        own = db.session.get(Account, pending["unit_review"]["own_unit"])
        foreign = db.session.get(Account, pending["unit_review"]["other_unit"])
        draft = db.session.get(Account, pending["draft"]["own_unit"])
        problems = workflow.take_step("confirm", [own, foreign, draft], leader)
        assert [p.field for p in problems] == [str(foreign.id), str(draft.id)]
        assert "本单位草稿" in problems[1].message and "外单位" not in problems[0].message
        assert (own.status, foreign.status, draft.status) == (AccountStatus.dept_review, AccountStatus.unit_review,
                                                              AccountStatus.draft)
        db.session.rollback()


@pytest.mark.parametrize("role, shown, hidden", [
    ("dept_admin", ["approve", "reject"], ["submit", "confirm"]),
    ("unit_leader", ["confirm", "reject", "submit"], ["approve"]),
    ("unit_editor", ["submit"], ["approve", "confirm", "reject"]),
    ("auditor", [], ["approve", "confirm", "reject", "submit"]),
])
def test_the_steps_above_the_list_are_the_roles(app, pending, login_as, role, shown, hidden):
    html = login_as(role).get("/admin/accounts/").get_data(as_text=True)
    toolbar = html[html.index('class="bulk-steps'):html.index("</div>", html.index('class="bulk-steps'))] \
        if shown else ""
    assert ('class="bulk-steps' in html) == bool(shown)
    for step in shown:
        assert f'data-model-action="{step}"' in toolbar, step
    for step in hidden:
        assert f'data-model-action="{step}"' not in toolbar, step


def test_changes_and_reports_are_approved_in_bulk_too(app, world, login_as):
    with app.app_context():
        own, other = db.session.get(Account, world["own_account"]), db.session.get(Account, world["other_account"])
        changes = [make_change(a, status=ReviewStatus.dept_review).id for a in (own, other)]
        monthly = [make_report(a, period=dt.date(2026, 9, 1), status=ReviewStatus.dept_review).id
                   for a in (own, other)]
        db.session.commit()
    client = login_as("dept_admin")
    client.post("/admin/changes/action/", data={"action": "approve", "rowid": [str(i) for i in changes]})
    client.post("/admin/reports/action/", data={"action": "approve", "rowid": [str(i) for i in monthly]})
    with app.app_context():
        assert [db.session.get(ChangeRecord, i).status for i in changes] == [ReviewStatus.approved] * 2
        assert [db.session.get(MonthlyReport, i).status for i in monthly] == [ReviewStatus.approved] * 2
