"""Lost team update (issue 16, finding 1): the management team is part of the account, so every change to it —
through any path that writes the team table — moves the account's version, and a save from a page opened before
it is refused instead of silently undoing it."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from models import (Account, AccountStatus, ChangeKind, ChangeRecord, EmploymentStatus, Manager, ReviewStatus,
                    TeamMember, TeamRole, Unit, User, db)
from services import bulk, workflow

from .access.matrix import body, form_fields
from .conftest import make_account, make_manager

STALE = "其他人已保存了修改"


def team_of(app, account_id):
    with app.app_context():
        return sorted((m.role.name, m.manager.name) for m in db.session.get(Account, account_id).team)


def version_of(app, account_id) -> int:
    with app.app_context():
        db.session.expire_all()
        return db.session.get(Account, account_id).version


@pytest.fixture
def saved_world(app, world):
    """``world`` with its accounts as a save leaves them (the registration deadline computed): a later save
    that changes nothing of the account's own fields writes no row of it."""
    from services.accounts import registration_due

    with app.app_context():
        for account in db.session.query(Account):
            account.registration_due = registration_due(account.created_on)
        db.session.commit()
    return world


def opened(client, account_id) -> dict:
    """The edit page as the browser holds it (the fields it will post back)."""
    response = client.get(f"/admin/accounts/edit/?id={account_id}")
    assert response.status_code == 200
    return form_fields(body(response))


def test_stale_text_edit_does_not_undo_a_team_change(app, saved_world, login_as):
    """The probe's case: A replaces the 管理员 and saves; B, on the page opened before, edits a text field."""
    world = saved_world
    account_id = world["own_account"]
    with app.app_context():
        newcomer = make_manager(db.session.get(Unit, world["own_unit"]), "新任管理员").id
        db.session.commit()
    editor_a, editor_b = login_as("unit_editor"), login_as("unit_leader")
    page_a, page_b = opened(editor_a, account_id), opened(editor_b, account_id)
    before = version_of(app, account_id)

    page_a["team-1-manager"] = [str(newcomer)]
    saved = editor_a.post(f"/admin/accounts/edit/?id={account_id}&url=/admin/accounts/", page_a)
    assert saved.status_code == 302, body(saved)[-1500:]
    assert ("admin", "新任管理员") in team_of(app, account_id)
    assert version_of(app, account_id) == before + 1  # a team-only change moves the account's version

    page_b["positioning_content"] = ["B 的修改"]
    stale = editor_b.post(f"/admin/accounts/edit/?id={account_id}&url=/admin/accounts/", page_b,
                          follow_redirects=True)
    assert STALE in body(stale)
    assert ("admin", "新任管理员") in team_of(app, account_id)
    with app.app_context():
        assert db.session.get(Account, account_id).positioning_content != "B 的修改"


def test_stale_team_only_edit_is_refused(app, saved_world, login_as):
    """The other way round: A edits a text field; B, on the old page, changes only the team."""
    world = saved_world
    account_id = world["own_account"]
    with app.app_context():
        newcomer = make_manager(db.session.get(Unit, world["own_unit"]), "另一位管理员").id
        db.session.commit()
    editor_a, editor_b = login_as("unit_editor"), login_as("unit_leader")
    page_a, page_b = opened(editor_a, account_id), opened(editor_b, account_id)
    page_a["positioning_content"] = ["A 的修改"]
    assert editor_a.post(f"/admin/accounts/edit/?id={account_id}", page_a).status_code == 302
    page_b["team-1-manager"] = [str(newcomer)]
    stale = editor_b.post(f"/admin/accounts/edit/?id={account_id}", page_b, follow_redirects=True)
    assert STALE in body(stale)
    assert ("admin", "另一位管理员") not in team_of(app, account_id)


def test_current_team_edit_is_saved(app, saved_world, login_as):
    """Positive control: a team change from an up-to-date page is saved (and a second one after it, too)."""
    world = saved_world
    account_id = world["own_account"]
    with app.app_context():
        unit = db.session.get(Unit, world["own_unit"])
        first, second = make_manager(unit, "甲").id, make_manager(unit, "乙").id
        db.session.commit()
    editor = login_as("unit_editor")
    for person, name in ((first, "甲"), (second, "乙")):
        page = opened(editor, account_id)
        page["team-1-manager"] = [str(person)]
        assert editor.post(f"/admin/accounts/edit/?id={account_id}", page).status_code == 302
        assert ("admin", name) in team_of(app, account_id)


# --- every other path that writes the team table ----------------------------------------------------------
def test_a_team_row_changed_directly_moves_the_version(app, world, ctx):
    """Whatever writes the team table — a row added, changed, deleted — moves its account's version."""
    account = db.session.get(Account, world["own_account"])
    unit = account.unit
    steps = [
        lambda: account.team.append(TeamMember(manager=make_manager(unit, "丙"), role=TeamRole.admin)),
        lambda: setattr(account.team[-1], "manager", make_manager(unit, "丁")),
        lambda: db.session.add(TeamMember(account_id=account.id, manager=make_manager(unit, "戊"),
                                          role=TeamRole.admin)),
        lambda: db.session.delete(account.team[-1]),
        lambda: account.team.remove(account.team[-1]),
    ]
    for step in steps:
        before = account.version
        step()
        db.session.commit()
        db.session.expire_all()
        assert account.version == before + 1


def test_replace_manager_moves_the_version(app, world, ctx):
    account = db.session.get(Account, world["own_account"])
    dept = db.session.query(User).filter_by(username="dept").one()
    old = db.session.get(Manager, world["own_admin"])
    before = account.version
    bulk.replace_manager(account, old, make_manager(account.unit, "替换人员"), dept)
    db.session.commit()
    assert db.session.get(Account, account.id).version == before + 1


def test_approved_change_of_managers_moves_the_version(app, world, ctx):
    account = db.session.get(Account, world["own_account"])
    account.status = AccountStatus.approved
    account.approved_at = account.created_at
    db.session.commit()
    dept = db.session.query(User).filter_by(username="dept").one()
    newcomer = make_manager(account.unit, "新团队管理员")
    change = ChangeRecord(account=account, unit=account.unit, kind=ChangeKind.managers,
                          changed_on=account.created_on, reason="换人", status=ReviewStatus.dept_review,
                          before={}, after={"team": [{"manager_id": world["own_manager"], "role": "head"},
                                                     {"manager_id": newcomer.id, "role": "admin"}]})
    db.session.add(change)
    db.session.commit()
    before = account.version
    workflow.approve(change, dept, "同意")
    db.session.commit()
    db.session.expire_all()
    assert ("admin", "新团队管理员") in [(m.role.name, m.manager.name) for m in account.team]
    assert account.version > before  # (the old team goes in one flush, the new one comes in the next)


def test_move_with_people_moves_the_version(app, world, ctx):
    account = db.session.get(Account, world["own_account"])
    dept = db.session.query(User).filter_by(username="dept").one()
    before = account.version
    people = [m.manager for m in account.team]
    bulk.move_to_unit(account, db.session.get(Unit, world["other_unit"]), dept, people, [account.id])
    db.session.commit()
    assert db.session.get(Account, account.id).version == before + 1


def test_concurrent_team_change_in_another_session_is_refused(app, world, ctx):
    """Two transactions: the first replaces the 管理员, the second (loaded before) edits a text field."""
    engine = db.engine
    with Session(engine) as first, Session(engine) as second:
        mine, theirs = first.get(Account, world["own_account"]), second.get(Account, world["own_account"])
        _ = theirs.team  # loaded, as the page was
        unit = first.get(Unit, world["own_unit"])
        person = Manager(name="并发管理员", unit=unit, phone="13800002222",
                         employment_status=EmploymentStatus.staff)
        mine.team[1].manager = person
        first.commit()
        theirs.positioning_content = "旧页面的修改"
        from sqlalchemy.orm.exc import StaleDataError

        with pytest.raises(StaleDataError):
            second.commit()
    assert ("admin", "并发管理员") in team_of(app, world["own_account"])


def test_import_creates_teams_at_version_one(app, world, ctx):
    """The Excel import writes the teams of the accounts it creates, never of existing ones: each new account
    comes in at its first version with its team."""
    from services import importer

    from .test_importer import valid, xlsx

    report = importer.apply(xlsx(valid()), db.session.query(User).filter_by(username="dept").one())
    assert report.ok, report.errors
    db.session.commit()
    account = db.session.query(Account).filter_by(name="新闻学院官微").one()
    assert account.version == 1 and len(account.team) == 2


def test_a_person_replaced_on_a_team_row_is_in_the_audit_log(app, saved_world, login_as):
    """第十条: the team row's new person is written to the audit log (it was set through the relationship, so
    its column changed only during the flush, after the audit hook had looked)."""
    from models import AuditAction, AuditLog

    world = saved_world
    with app.app_context():
        newcomer = make_manager(db.session.get(Unit, world["own_unit"]), "审计新人").id
        db.session.commit()
    editor = login_as("unit_editor")
    page = opened(editor, world["own_account"])
    page["team-1-manager"] = [str(newcomer)]
    assert editor.post(f"/admin/accounts/edit/?id={world['own_account']}", page).status_code == 302
    with app.app_context():
        entries = db.session.query(AuditLog).filter_by(object_type="TeamMember", action=AuditAction.update).all()
        changes = [entry.changes for entry in entries if entry.changes and "manager_id" in entry.changes]
        assert changes == [{"manager_id": [world["own_admin"], newcomer]}]
        assert all(entry.unit_id == world["own_unit"] and entry.username == "editor" for entry in entries)
