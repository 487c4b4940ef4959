"""Home page pieces: what the logged-in user has to look at, counted within their scope."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from admin import policy
from models import Account, AccountStatus, ChangeRecord, MonthlyReport, ReviewStatus, Role, db

PENDING_ACCOUNT = {
    Role.unit_editor: (AccountStatus.draft, AccountStatus.returned),
    Role.unit_leader: (AccountStatus.unit_review,),
    Role.dept_admin: (AccountStatus.dept_review,),
    Role.auditor: (AccountStatus.dept_review,),
}
PENDING_REVIEW = {
    Role.unit_editor: (ReviewStatus.draft, ReviewStatus.returned),
    Role.unit_leader: (ReviewStatus.unit_review,),
    Role.dept_admin: (ReviewStatus.dept_review,),
    Role.auditor: (ReviewStatus.dept_review,),
}


def _count(user, model, *criteria) -> int:
    query = policy.scope(user, model, db.session.query(func.count()).select_from(model))
    return query.filter(*criteria).scalar() or 0


def home_context(user) -> dict:
    accounts = _count(user, Account, Account.status == AccountStatus.approved)
    cards = [
        {"label": _l("Registered accounts"), "count": accounts, "url": url_for("accounts.index_view")},
        {"label": _l("Accounts waiting for you"),
         "count": _count(user, Account, Account.status.in_(PENDING_ACCOUNT[user.role])),
         "url": url_for("accounts.index_view")},
        {"label": _l("Change requests waiting for you"),
         "count": _count(user, ChangeRecord, ChangeRecord.status.in_(PENDING_REVIEW[user.role])),
         "url": url_for("changes.index_view")},
        {"label": _l("Monthly reports waiting for you"),
         "count": _count(user, MonthlyReport, MonthlyReport.status.in_(PENDING_REVIEW[user.role])),
         "url": url_for("reports.index_view")},
    ]
    from services.staff import staff_problems

    return {"cards": cards, "staff_problems": staff_problems(user)}
