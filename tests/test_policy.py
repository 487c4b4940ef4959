"""The policy's own answers (models/policy.py): one get-or-404, the fields each role may set, the steps each
role may take, and NotAllowed turned into the 403/404 page by one error handler."""
from __future__ import annotations

import datetime as dt

import pytest

from models import Account, AccountStatus, MonthlyReport, User, Violation, db, policy


def _user(username):
    return db.session.query(User).filter_by(username=username).one()


@pytest.mark.parametrize("row_id", ["abc", "", "-1", "1.5", "99999999999", None])
def test_get_or_404_refuses_malformed_ids_as_not_found(app, world, ctx, row_id):
    with pytest.raises(policy.NotAllowed) as refused:
        policy.get_or_404(_user("dept"), Account, row_id)
    assert refused.value.code == 404


@pytest.mark.parametrize("username, which, visible", [
    ("editor", "own_account", True), ("editor", "other_account", False), ("leader", "other_account", False),
    ("dept", "other_account", True), ("auditor", "other_account", True), ("other_editor", "own_account", False),
])
def test_get_or_404_and_get_visible_follow_the_scope(app, world, ctx, username, which, visible):
    user = _user(username)
    assert (policy.get_visible(user, Account, world[which]) is not None) is visible
    if visible:
        assert policy.get_or_404(user, Account, str(world[which])).id == world[which]
    else:
        with pytest.raises(policy.NotAllowed) as refused:
            policy.get_or_404(user, Account, world[which])
        assert refused.value.code == 404


def test_a_query_given_to_get_or_404_is_scoped_all_the_same(app, world, ctx):
    unscoped = db.session.query(Account)
    assert policy.get_visible(_user("editor"), Account, world["other_account"], unscoped) is None


@pytest.mark.parametrize("username, model, expected", [
    ("editor", Account, ["name", "verified"]),
    ("leader", MonthlyReport, ["posts", "topics"]),
    ("editor", Violation, ["rectification"]),
    ("dept", Account, ["unit", "in_matrix", "name", "verified"]),
    ("dept", MonthlyReport, ["unit", "classified_handling", "posts", "topics"]),
    ("dept", Violation, ["unit", "description", "rectification"]),
])
def test_writable_fields(app, world, ctx, username, model, expected):
    offered = {Account: ["unit", "in_matrix", "name", "verified"],
               MonthlyReport: ["unit", "classified_handling", "posts", "topics"],
               Violation: ["unit", "description", "rectification"]}[model]
    assert policy.writable_fields(_user(username), model, offered) == expected


@pytest.mark.parametrize("username, status, steps", [
    ("editor", AccountStatus.draft, ["submit"]),
    ("leader", AccountStatus.draft, ["submit"]),
    ("leader", AccountStatus.unit_review, ["confirm", "reject"]),
    ("editor", AccountStatus.unit_review, []),
    ("dept", AccountStatus.dept_review, ["approve", "reject"]),
    ("dept", AccountStatus.unit_review, []),
    ("dept", AccountStatus.approved, ["suspend"]),
    ("dept", AccountStatus.suspended, ["reinstate"]),
    ("auditor", AccountStatus.dept_review, []),
    ("other_editor", AccountStatus.draft, []),
])
def test_steps_for_follow_role_scope_and_state(app, world, ctx, username, status, steps):
    account = db.session.get(Account, world["own_account"])
    account.status = status
    account.approved_at = dt.datetime(2026, 9, 5) if status in (AccountStatus.approved, AccountStatus.suspended) \
        else None
    assert policy.steps_for(_user(username), account) == steps
    for step in ("submit", "confirm", "approve", "reject", "suspend", "reinstate"):
        assert policy.may_take(_user(username), step, account) is (step in steps)


def test_not_allowed_is_one_exception_with_two_codes():
    assert policy.NotAllowed("不行").code == 403 and str(policy.NotAllowed("不行")) == "不行"
    assert policy.NotAllowed(not_found=True).code == 404 and str(policy.NotAllowed(not_found=True)) == ""
    with pytest.raises(policy.NotAllowed):
        policy.require(False)
    policy.require(True)


def test_services_refuse_with_not_allowed(app, world, ctx):
    from services import reports

    with pytest.raises(policy.NotAllowed):
        reports.prepare_drafts(_user("auditor"))


def test_the_error_handler_answers_403_and_404_pages(app, attachment_world, login_as):
    editor = login_as("unit_editor")
    foreign = editor.get(f"/print/accounts/{attachment_world['other_account']}.pdf")
    assert foreign.status_code == 404  # get_or_404 in views/printing.py: NotAllowed(not_found)
    assert editor.post(f"/attachments/{attachment_world['attachments']['other']}/delete").status_code == 404
    # The auditor sees the attachment but may not remove it: policy.require in views/attachments.py -> 403.
    auditor = login_as("auditor")
    response = auditor.post(f"/attachments/{attachment_world['attachments']['own']}/delete")
    assert response.status_code == 403
    assert "403" in response.get_data(as_text=True)
    with app.app_context():
        from models import Attachment

        assert db.session.get(Attachment, attachment_world["attachments"]["own"]) is not None


def test_a_lists_row_checks_answer_as_can_edit_and_can_delete(app, world, ctx):
    """policy.row_checks (a list's rows: the role resolved once) gives can_edit's and can_delete's answers for every
    user and every record of the world, whatever the record's state."""
    from models import Attachment, ChangeRecord, Incident, Manager, Publication, WorkCalendar

    rows = [row for model in (Account, MonthlyReport, ChangeRecord, Violation, Manager, Incident, Publication,
                              Attachment, WorkCalendar, User)
            for row in db.session.query(model).limit(200)]
    assert len({type(row) for row in rows}) >= 4
    for user in db.session.query(User):
        edit, delete = policy.row_checks(user)
        for row in rows:
            editable = policy.can_edit(user, row)
            assert edit(row) == editable, (user.username, row)
            assert delete(row) == policy.can_delete(user, row) == delete(row, editable=editable), (user.username, row)
