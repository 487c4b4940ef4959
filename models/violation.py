"""违规记录 — violations and their rectification (第十一~十三条, 第十七~十八条)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import LabeledEnum, TimestampMixin, VersionedMixin, db, enum_column
from .unit import Unit


class ViolationKind(LabeledEnum):
    classified = "classified", _l("Classified information")
    unauthorised_sensitive = "unauthorised_sensitive", _l("Unauthorised release of major or sensitive information")
    ip_infringement = "ip_infringement", _l("Intellectual property infringement")
    late_registration = "late_registration", _l("Late registration")
    late_report = "late_report", _l("Late report")
    other = "other", _l("Other")


class Measure(LabeledEnum):
    rectify = "rectify", _l("Ordered to rectify")
    #: 责令停止运行 suspends the account (第十三条).
    suspend = "suspend", _l("Ordered to stop operating")
    criticise = "criticise", _l("Circulated criticism")
    accountability = "accountability", _l("Held accountable")


class Violation(VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "violations"
    __table_args__ = (
        sa.CheckConstraint("resolved_on IS NULL OR resolved_on >= occurred_on", name="resolved_after_occurred"),
        sa.CheckConstraint("description <> ''", name="description_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    account: Mapped[Account] = relationship()
    #: 责任单位 (the account's unit when the violation was recorded).
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    unit: Mapped[Unit] = relationship()
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    kind: Mapped[ViolationKind] = mapped_column(enum_column(ViolationKind, "violation_kind"), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    measure: Mapped[Measure] = mapped_column(enum_column(Measure, "measure"), index=True)
    #: 责任人
    responsible_persons: Mapped[str | None] = mapped_column(sa.String(200))
    rectification_due: Mapped[dt.date | None]
    #: The unit's rectification report and evidence.
    rectification: Mapped[str | None] = mapped_column(sa.Text)
    resolved_on: Mapped[dt.date | None] = mapped_column(index=True)

    def __str__(self) -> str:
        account = self.account.name if self.account else ""
        return f"{account} · {self.kind.label}" if self.kind else account

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id
