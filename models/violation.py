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


class AccountabilityOutcome(LabeledEnum):
    """问责方式 (第十七条, 《中国共产党问责条例》第八条): for a Party organisation 检查、通报、改组; for leading cadres
    通报、诫勉、组织调整或者组织处理、纪律处分 — or 不予问责 when the department decides against it."""
    inspection = "inspection", _l("Written self-criticism (检查)")
    circulation = "circulation", _l("Circulated notice (通报)")
    reorganisation = "reorganisation", _l("Reorganisation (改组)")
    admonishment = "admonishment", _l("Admonishing talk (诫勉)")
    organisational = "organisational", _l("Organisational adjustment or handling (组织调整或者组织处理)")
    disciplinary = "disciplinary", _l("Disciplinary sanction (纪律处分)")
    none = "none", _l("No accountability (不予问责)")


class Violation(VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "violations"
    __table_args__ = (
        sa.CheckConstraint("resolved_on IS NULL OR resolved_on >= occurred_on", name="resolved_after_occurred"),
        sa.CheckConstraint("description <> ''", name="description_not_empty"),
        sa.CheckConstraint("accountability_outcome IS NULL OR accountability_decided_on IS NOT NULL",
                           name="accountability_has_date"),
        sa.CheckConstraint("accountability_decided_on IS NULL OR accountability_decided_on >= occurred_on",
                           name="accountability_after_occurred"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    account: Mapped[Account] = relationship()
    #: 责任单位 (the account's unit when the violation was recorded).
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True, active_history=True)
    unit: Mapped[Unit] = relationship()
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    kind: Mapped[ViolationKind] = mapped_column(enum_column(ViolationKind, "violation_kind"), index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    measure: Mapped[Measure] = mapped_column(enum_column(Measure, "measure"), index=True)
    #: 责任人 as one line of text (张三（院长）、李四（办公室主任）): what the list searches and exports; kept from
    #: ``responsible_people`` by services.violations.set_responsible_people.
    responsible_persons: Mapped[str | None] = mapped_column(sa.String(500))
    #: 责任人, one entry per person: [{"name": "张三", "post": "院长"}, …] (第十七条).
    responsible_people: Mapped[list | None] = mapped_column(sa.JSON)
    rectification_due: Mapped[dt.date | None]
    #: The unit's rectification report and evidence.
    rectification: Mapped[str | None] = mapped_column(sa.Text)
    resolved_on: Mapped[dt.date | None] = mapped_column(index=True)
    #: 问责 decided by the department (第十七条): how, when, by whom and under which document number (文号).
    accountability_outcome: Mapped[AccountabilityOutcome | None] = mapped_column(
        enum_column(AccountabilityOutcome, "accountability_outcome"), index=True)
    accountability_decided_on: Mapped[dt.date | None]
    accountability_body: Mapped[str | None] = mapped_column(sa.String(200))
    accountability_doc_no: Mapped[str | None] = mapped_column(sa.String(100))

    def __str__(self) -> str:
        account = self.account.name if self.account else ""
        return f"{account} · {self.kind.label}" if self.kind else account

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id
