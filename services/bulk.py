"""The department's bulk edits on accounts: publish in the matrix, move to another unit, replace a manager.
Each works record by record through the ORM (rules, audit log and version checks apply to every row)."""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy.orm.attributes import flag_modified

from models import (Account, Attachment, AuditAction, ChangeRecord, Manager, MonthlyReport, Role, Unit, Violation,
                    db, policy)
from services import accounts, audit
from services.problems import raise_first
from services.workflow import TransitionError


def _require_department(actor) -> None:
    policy.require(policy.role_of(actor) == Role.dept_admin, gettext("Only the Propaganda Department may do this."))


def set_in_matrix(account: Account, actor, published: bool) -> None:
    """Publish an approved account in the matrix, or take it off (第五条: the department decides)."""
    _require_department(actor)
    raise_first(accounts.matrix_problems(account.status, published), TransitionError, record=account)
    if account.in_matrix == published:
        raise TransitionError(gettext("“%(name)s” is already so.", name=account.name))
    account.in_matrix = published
    audit.label(account, AuditAction.update, None, actor)


def move_to_unit(account: Account, unit: Unit, actor) -> None:
    """Hand an account (and its change requests, reports, violations and files) to another unit."""
    _require_department(actor)
    if account.unit_id == unit.id:
        raise TransitionError(gettext("“%(name)s” already belongs to %(unit)s.", name=account.name, unit=unit.name))
    note = gettext("Moved from %(old)s to %(new)s", old=account.unit.name, new=unit.name)
    account.unit = unit
    account.unit_id = unit.id
    audit.label(account, AuditAction.update, note, actor)
    for model in (ChangeRecord, MonthlyReport, Violation, Attachment):
        for row in db.session.query(model).filter(model.account_id == account.id):
            row.unit_id = unit.id  # the new unit sees the account's history; the old one no longer does


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
    flag_modified(account, "updated_at")  # the account's version moves with its team: no lost update
    audit.label(account, AuditAction.update, gettext("%(old)s replaced by %(new)s on the team",
                                                     old=old.name, new=new.name), actor)


def accounts_in_scope(actor, ids) -> list[Account]:
    return policy.scope(actor, Account, db.session.query(Account)).filter(Account.id.in_(ids)).all()
