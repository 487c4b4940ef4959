"""单位 — the university's units (schools, offices, affiliated bodies, student organisations)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from .base import LabeledEnum, TimestampMixin, db, enum_column


class UnitKind(LabeledEnum):
    functional = "functional", _l("Functional department")
    college = "college", _l("College")
    affiliated = "affiliated", _l("Affiliated unit")
    student_org = "student_org", _l("Student organisation")
    other = "other", _l("Other")


class Unit(TimestampMixin, db.Model):
    __tablename__ = "units"
    __table_args__ = (
        # Upper-case letters and digits, at most 20 characters (SPEC, interface contract).
        sa.CheckConstraint("code <> '' AND upper(code) = code", name="code_upper"),
        sa.CheckConstraint("name <> ''", name="name_not_empty"),
        # The list's order with the ids: a deep page's ids by an index-only scan (admin/paging.py).
        sa.Index("ix_units_code_id", "code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"), index=True)
    #: 单位主要负责人 — signs the 备案审批表 (第七条).
    leader_name: Mapped[str | None] = mapped_column(sa.String(50))
    leader_title: Mapped[str | None] = mapped_column(sa.String(50))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    #: 成立时间 — no account of the unit can have been created before it.
    established_on: Mapped[dt.date | None]
    #: 企业微信 group robot webhook URL and 钉钉 robot webhook URL with its 加签 secret (services/notify.py):
    #: secrets — masked on screen (admin/units.py) and in the audit log (services/audit.py SECRET_FIELDS).
    wecom_webhook: Mapped[str | None] = mapped_column(sa.String(500))
    dingtalk_webhook: Mapped[str | None] = mapped_column(sa.String(500))
    dingtalk_secret: Mapped[str | None] = mapped_column(sa.String(200))

    def __str__(self) -> str:
        return self.name

    @property
    def audit_unit_id(self) -> int | None:
        return self.id
