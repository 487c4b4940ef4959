"""不良信息 / 舆情 incidents on an account (第十四条: 专人负责，实时监控，一旦发现……应及时处理).

A unit records what it found on one of its accounts, when and by whom, what it did and when it was handled, and
sends it up the same review as every reviewed record (SPEC, interface contract): the editor submits (as soon as
it is found: 舆情 must reach the department quickly), the unit leader gives the unit's opinion, the department
accepts the handling as done (``approve`` → 已处置) or returns it. The department may escalate an incident into
a violation record (第十三条); the incident then points to it.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import LabeledEnum, TimestampMixin, VersionedMixin, db, enum_column
from .review import ReviewMixin
from .unit import Unit
from .violation import Violation


class IncidentKind(LabeledEnum):
    #: 违反规定的不良信息 (第十一条、第十二条 breached on the account).
    harmful_content = "harmful_content", _l("Harmful information breaching the rules")
    #: 有损学校声誉的信息.
    reputation = "reputation", _l("Information damaging the university's reputation")
    public_opinion = "public_opinion", _l("Public opinion incident")
    #: 帐号被盗用、被篡改.
    account_security = "account_security", _l("Account stolen or tampered with")
    impersonation = "impersonation", _l("Impersonating account")
    other = "other", _l("Other")


class IncidentStatus(LabeledEnum):
    draft = "draft", _l("Draft")
    unit_review = "unit_review", _l("Awaiting unit review")
    dept_review = "dept_review", _l("Awaiting department review")
    #: 已处置: the department accepted the handling as done (``approve``).
    handled = "handled", _l("Handled")
    returned = "returned", _l("Returned for revision")
    #: 已转为违规记录 (第十三条), by the department.
    escalated = "escalated", _l("Escalated to a violation")


#: Incidents still open: neither handled nor escalated (the home card, the list's filter).
OPEN_INCIDENT_STATES = (IncidentStatus.draft, IncidentStatus.unit_review, IncidentStatus.dept_review,
                        IncidentStatus.returned)


class Incident(ReviewMixin, VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "incidents"
    __table_args__ = (
        sa.CheckConstraint("handled_at IS NULL OR handled_at >= found_at", name="handled_after_found"),
        sa.CheckConstraint("status <> 'handled' OR handled_at IS NOT NULL", name="handled_has_time"),
        # 已处置 is the department's acceptance (approve), which sets approved_at.
        sa.CheckConstraint("status <> 'handled' OR approved_at IS NOT NULL", name="handled_is_approved"),
        sa.CheckConstraint("(status = 'escalated') = (violation_id IS NOT NULL)", name="escalated_has_violation"),
        sa.CheckConstraint("description <> ''", name="description_not_empty"),
        sa.Index("ix_incidents_found_at_id", "found_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    account: Mapped[Account] = relationship()
    #: The account's unit when the incident was recorded (scoping).
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True, active_history=True)
    unit: Mapped[Unit] = relationship()
    kind: Mapped[IncidentKind] = mapped_column(enum_column(IncidentKind, "incident_kind"), index=True)
    status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus, "incident_status"),
                                                   default=IncidentStatus.draft, index=True)
    #: What was found (the post, the comment, the news item).
    description: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(500))
    #: When it was found (UTC, typed in the configured zone).
    found_at: Mapped[dt.datetime]
    #: 发现人: the person on duty, or who reported it.
    found_by: Mapped[str] = mapped_column(sa.String(100))
    #: 处置措施: what was done (deleted, corrected, reported, explained …).
    action_taken: Mapped[str | None] = mapped_column(sa.Text)
    handled_at: Mapped[dt.datetime | None]
    #: The violation record the department escalated it into (第十三条), once.
    violation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("violations.id"), unique=True)
    violation: Mapped[Violation | None] = relationship()

    def __str__(self) -> str:
        account = self.account.name if self.account else ""
        return f"{account} · {self.kind.label}" if self.kind else account

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id

    @property
    def hours_to_handle(self) -> float | None:
        """Hours from finding to handling (None while it has no handled time)."""
        if self.handled_at is None or self.found_at is None:
            return None
        return (self.handled_at - self.found_at).total_seconds() / 3600
