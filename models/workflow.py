"""The state machines of the reviewed records (第六~八条, 第十二条, 第十三条, 第十五条): which step leads from which
states to which, and which roles take it. services/workflow.py carries the steps out; models/policy.py
answers whether a user may take one on a record."""
from __future__ import annotations

from dataclasses import dataclass

from .account import Account, AccountStatus
from .audit import AuditAction
from .change import ChangeRecord, ReviewStatus
from .incident import Incident, IncidentStatus
from .publication import Publication, PublicationStatus
from .report import MonthlyReport
from .user import UNIT_ROLES, Role


@dataclass(frozen=True)
class Step:
    sources: frozenset
    target: object
    roles: frozenset
    action: AuditAction


def _review_steps(status_cls, approved) -> dict[str, Step]:
    draft, returned = status_cls.draft, status_cls.returned
    unit_review, dept_review = status_cls.unit_review, status_cls.dept_review
    return {
        "submit": Step(frozenset({draft, returned}), unit_review, UNIT_ROLES, AuditAction.submit),
        "confirm": Step(frozenset({unit_review}), dept_review, frozenset({Role.unit_leader}), AuditAction.confirm),
        "approve": Step(frozenset({dept_review}), approved, frozenset({Role.dept_admin}), AuditAction.approve),
        "reject": Step(frozenset({unit_review, dept_review}), returned,
                       frozenset({Role.unit_leader, Role.dept_admin}), AuditAction.reject),
    }


STEPS: dict[type, dict[str, Step]] = {
    Account: {
        **_review_steps(AccountStatus, AccountStatus.approved),
        "suspend": Step(frozenset({AccountStatus.approved}), AccountStatus.suspended,
                        frozenset({Role.dept_admin}), AuditAction.suspend),
        "reinstate": Step(frozenset({AccountStatus.suspended}), AccountStatus.approved,
                          frozenset({Role.dept_admin}), AuditAction.reinstate),
    },
    ChangeRecord: _review_steps(ReviewStatus, ReviewStatus.approved),
    MonthlyReport: _review_steps(ReviewStatus, ReviewStatus.approved),
    # 第十四条: the same review as every reviewed record (approve: the department accepts the handling as
    # done, 已处置); the department may escalate it into a violation (第十三条), once. The audit log has no action
    # of its own for escalating: the entry is an update, named in its note.
    Incident: {
        **_review_steps(IncidentStatus, IncidentStatus.handled),
        "escalate": Step(frozenset({IncidentStatus.unit_review, IncidentStatus.dept_review, IncidentStatus.handled}),
                         IncidentStatus.escalated, frozenset({Role.dept_admin}), AuditAction.update),
    },
    # 发布报批 (第十二条): the department authorises, returns, or refuses (不予授权, final).
    Publication: {
        **_review_steps(PublicationStatus, PublicationStatus.approved),
        "refuse": Step(frozenset({PublicationStatus.dept_review}), PublicationStatus.refused,
                       frozenset({Role.dept_admin}), AuditAction.reject),
    },
}
