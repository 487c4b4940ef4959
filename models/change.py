"""变更备案 — a reported change of name, managers, maintenance method, or a closure (第八条)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import LabeledEnum, TimestampMixin, VersionedMixin, db, enum_column
from .review import ReviewMixin, review_constraints
from .unit import Unit


class ChangeKind(LabeledEnum):
    name = "name", _l("Account name")
    managers = "managers", _l("Managers")
    maintenance = "maintenance", _l("Maintenance method")
    closure = "closure", _l("Closure")
    other = "other", _l("Other")
    #: A published account's QR code or homepage address: the public trusts it, so the department approves a
    #: new one before the matrix shows it (issue 16, finding 6).
    public_info = "public_info", _l("Public entry (QR code, homepage address)")


class ReviewStatus(LabeledEnum):
    """The unit → department review of a change request or a monthly report."""

    draft = "draft", _l("Draft")
    unit_review = "unit_review", _l("Awaiting unit review")
    dept_review = "dept_review", _l("Awaiting department review")
    approved = "approved", _l("Approved")
    returned = "returned", _l("Returned for revision")


class ChangeRecord(ReviewMixin, VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "change_records"
    __table_args__ = (
        *review_constraints(),
        sa.CheckConstraint(
            "kind <> 'closure' OR (closure_notice IS NOT NULL AND closure_notice <> '')",
            name="closure_has_notice",
        ),
        sa.Index("ix_change_records_unit_id_status", "unit_id", "status"),
        # The department's queue by state and month (the list filtered by status and date counts here).
        sa.Index("ix_change_records_status_changed_on", "status", "changed_on"),
        # The home page: requests waiting at a step, oldest submitted first; those to submit by their deadline.
        sa.Index("ix_change_records_status_submitted_at_id", "status", "submitted_at", "id"),
        sa.Index("ix_change_records_status_due_on_id", "status", "due_on", "id"),
        # A unit's home: its requests to submit by their deadline, read in that order (the plan PostgreSQL keeps
        # for the prepared statement walks every unit's deadlines otherwise: models/prepared.py).
        sa.Index("ix_change_records_unit_id_due_on_id", "unit_id", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    account: Mapped[Account] = relationship()
    #: The unit that owns the request: the account's responsible unit (kept for scoping).
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True, active_history=True)
    unit: Mapped[Unit] = relationship()
    kind: Mapped[ChangeKind] = mapped_column(enum_column(ChangeKind, "change_kind"), index=True)
    #: The day the change happened; the 5-working-day clock starts here (第八条).
    changed_on: Mapped[dt.date] = mapped_column(index=True)
    #: Snapshot of the account's fields before the change, and the proposed values (JSON objects).
    before: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    after: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    #: 停更公告 and its publication date, for a closure.
    closure_notice: Mapped[str | None] = mapped_column(sa.Text)
    closure_notice_on: Mapped[dt.date | None]
    status: Mapped[ReviewStatus] = mapped_column(
        enum_column(ReviewStatus, "review_status"), default=ReviewStatus.draft
    )
    #: 申报截止日 — changed_on + 5 working days (第八条); is_late (ReviewMixin) = first submitted after it.
    due_on: Mapped[dt.date | None] = mapped_column(index=True)

    def __str__(self) -> str:
        account = self.account.name if self.account else ""
        return f"{account} · {self.kind.label}" if self.kind else account

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id
