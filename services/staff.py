"""Staff check (第八条): accounts whose management team includes people who left or are students."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from models import Account, AccountStatus, EmploymentStatus, Manager, TeamMember, db, policy
from services import accounts

#: Statuses that make a team member a problem: left the university, or a (graduating) student.
FLAGGED = (EmploymentStatus.left, EmploymentStatus.student)


def accounts_of(manager: Manager) -> list[Account]:
    return (db.session.query(Account).join(TeamMember).filter(TeamMember.manager_id == manager.id)
            .filter(Account.status != AccountStatus.closed).order_by(Account.name).all())


def flagged_member():
    """The team lines that need a change of managers: the person left or is a student, or the line breaks
    第八条 (a verified account's 管理员 who is not on-staff); over Account, TeamMember and Manager joined."""
    return Manager.employment_status.in_(FLAGGED) | accounts.breaks_article_8()


def accounts_needing_staff_change():
    """The ids of the accounts, not closed, with a :func:`flagged_member` (the home page's count, the accounts
    list's filter and :func:`staff_problems` ask the same)."""
    return (sa.select(TeamMember.account_id).join(Account, TeamMember.account_id == Account.id)
            .join(Manager, TeamMember.manager_id == Manager.id)
            .where(Account.status != AccountStatus.closed, flagged_member()))


def needs_staff_change():
    """:func:`accounts_needing_staff_change` asked of each account (an account not closed with a flagged team
    line): for a query over a few accounts, whose team lines are then looked up by the account index; a subquery
    of every flagged line would be hashed against every team line first (7,000 at scale 1 for one unit's 90
    accounts). The OFFSET 0 keeps PostgreSQL from turning it into that join."""
    return (Account.status != AccountStatus.closed) & (
        sa.select(TeamMember.id).join(Manager, TeamMember.manager_id == Manager.id)
        .where(TeamMember.account_id == Account.id, flagged_member()).offset(0).exists())


def staff_problems(user, limit: int = 50) -> list[dict]:
    """Accounts in the user's scope with a team member who left or is a student, and verified accounts
    with an administrator who is not on-staff (第八条), the latter flagged."""
    query = (db.session.query(TeamMember).join(Account).join(Manager)
             .options(joinedload(TeamMember.account).joinedload(Account.unit), joinedload(TeamMember.manager))
             .filter(Account.status != AccountStatus.closed)
             .filter(flagged_member())
             .order_by(Account.name, TeamMember.id))
    query = policy.scope(user, Account, query)
    problems = []
    for member in query.limit(limit):
        breaks_article_8 = not accounts.may_serve(member.account.verified, member.role, member.manager)
        problems.append({"account": member.account, "manager": member.manager, "role": member.role,
                         "verified_breach": breaks_article_8})
    return problems
