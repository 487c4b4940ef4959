"""The department's bulk edits on accounts: publish in the matrix, move to another unit, replace a manager.
Each works record by record through the ORM (rules, audit log and version checks apply to every row)."""
from __future__ import annotations

from flask_babel import gettext

import sqlalchemy as sa

from models import (Account, Attachment, AuditAction, ChangeRecord, Incident, Manager, MonthlyReport, TeamMember,
                    Unit, Violation, db, policy)
from services import accounts, audit
from services.problems import raise_first
from services.workflow import TransitionError


def _require_department(actor) -> None:
    policy.require(policy.is_department(actor), gettext("Only the Propaganda Department may do this."))


def set_in_matrix(account: Account, actor, published: bool) -> None:
    """Publish an approved account in the matrix, or take it off (第五条: the department decides)."""
    _require_department(actor)
    raise_first(accounts.matrix_problems(account.status, published), TransitionError, record=account)
    if account.in_matrix == published:
        raise TransitionError(gettext("“%(name)s” is already so.", name=account.name))
    account.in_matrix = published
    audit.label(account, AuditAction.update, None, actor)


def team_of_move(moving: list[Account]) -> tuple[list[Manager], list[Manager]]:
    """The people of the old units on the teams of the accounts being moved: those who serve no other account
    (they may move with them) and those who also serve another account (they stay; the new unit files a
    change of managers for them), each by name."""
    ids = {account.id for account in moving}
    people = {m.manager.id: m.manager for account in moving for m in account.team
              if m.manager.unit_id == account.unit_id}
    elsewhere = set(db.session.scalars(sa.select(TeamMember.manager_id).where(
        TeamMember.manager_id.in_(people), TeamMember.account_id.not_in(ids)))) if people else set()
    movable = sorted((p for i, p in people.items() if i not in elsewhere), key=lambda p: (p.name, p.id))
    staying = sorted((p for i, p in people.items() if i in elsewhere), key=lambda p: (p.name, p.id))
    return movable, staying


def move_to_unit(account: Account, unit: Unit, actor, people=(), moving_ids=()) -> None:
    """Hand an account (and its change requests, reports, violations and files) to another unit; the people of
    its team in ``people`` go with it when they serve no account outside ``moving_ids`` (the accounts moved
    together) and the new unit has no other person with their staff number. All is checked before anything
    moves: a refusal leaves the account where it was."""
    _require_department(actor)
    if account.unit_id == unit.id:
        raise TransitionError(gettext("“%(name)s” already belongs to %(unit)s.", name=account.name, unit=unit.name))
    chosen = {person.id for person in people}
    going = [m.manager for m in account.team if m.manager.id in chosen and m.manager.unit_id == account.unit_id]
    keep = set(moving_ids) | {account.id}
    for person in going:
        if db.session.scalar(sa.select(TeamMember.id).where(TeamMember.manager_id == person.id,
                                                            TeamMember.account_id.not_in(keep)).limit(1)):
            raise TransitionError(gettext("%(person)s also serves another account of %(unit)s and stays there; "
                                          "“%(name)s” was not moved.", person=person.name, unit=account.unit.name,
                                          name=account.name))
        if person.staff_no and db.session.scalar(sa.select(Manager.id).where(
                Manager.unit_id == unit.id, Manager.staff_no == person.staff_no)):
            raise TransitionError(gettext("%(unit)s already has a person with the staff number %(staff_no)s; "
                                          "“%(name)s” was not moved.", unit=unit.name, staff_no=person.staff_no,
                                          name=account.name))
    note = gettext("Moved from %(old)s to %(new)s", old=account.unit.name, new=unit.name)
    for person in going:
        person.unit = unit
        person.unit_id = unit.id
        audit.label(person, AuditAction.update, note, actor)
    account.unit = unit
    account.unit_id = unit.id
    audit.label(account, AuditAction.update, note, actor)
    carry_records(account, unit.id)


def carry_records(account: Account, unit_id: int) -> None:
    """The account's change requests, reports, violations, incidents and files to ``unit_id``, its new unit (an
    account moved by :func:`move_to_unit` or by the department on its form): the new unit sees the account's
    history, the old one no longer does."""
    for model in (ChangeRecord, MonthlyReport, Violation, Incident, Attachment):
        for row in db.session.query(model).filter(model.account_id == account.id, model.unit_id != unit_id):
            row.unit_id = unit_id
    for row in db.session.query(Attachment).filter(Attachment.unit_id != unit_id, sa.or_(*(
            getattr(Attachment, owner).has(getattr(Attachment, owner).property.mapper.class_.account_id == account.id)
            for owner in ("change", "report", "incident", "violation")))):
        row.unit_id = unit_id  # the files of those records move with them


def replace_manager(account: Account, old: Manager, new: Manager, actor) -> None:
    """Put ``new`` in ``old``'s place on the account's team (same role), checking 第八条."""
    _require_department(actor)
    member = next((m for m in account.team if m.manager_id == old.id), None)
    if member is None:
        raise TransitionError(gettext("%(person)s is not on the team of “%(name)s”.", person=old.name,
                                      name=account.name))
    team = [accounts.Member(m.role, new if m is member else m.manager) for m in account.team]
    raise_first(accounts.team_problems(account.verified, team, account.unit_id, only=[new]), TransitionError,
                record=account)
    member.manager = new
    member.manager_id = new.id
    audit.label(account, AuditAction.update, gettext("%(old)s replaced by %(new)s on the team",
                                                     old=old.name, new=new.name), actor)


def accounts_in_scope(actor, ids) -> list[Account]:
    return policy.scope(actor, Account, db.session.query(Account)).filter(Account.id.in_(ids)).all()
