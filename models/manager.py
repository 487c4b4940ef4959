"""管理人员 — the people who run accounts (负责人 and 管理员 of a management team)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import LabeledEnum, TimestampMixin, VersionedMixin, db, enum_column
from .unit import Unit


class EmploymentStatus(LabeledEnum):
    #: 在岗在编 — the only status allowed for 管理员 of a verified account (第八条).
    staff = "staff", _l("On-staff (tenured)")
    non_staff = "non_staff", _l("Non-tenured staff")
    student = "student", _l("Student")
    left = "left", _l("Left the university")


class Manager(VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "managers"
    __table_args__ = (
        sa.CheckConstraint("name <> ''", name="name_not_empty"),
        sa.UniqueConstraint("unit_id", "staff_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), index=True)
    #: 工号 (staff number) or 学号 for students; unique within a unit.
    staff_no: Mapped[str | None] = mapped_column(sa.String(30))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True, active_history=True)
    unit: Mapped[Unit] = relationship()
    title: Mapped[str | None] = mapped_column(sa.String(50))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    email: Mapped[str | None] = mapped_column(sa.String(120))
    employment_status: Mapped[EmploymentStatus] = mapped_column(
        enum_column(EmploymentStatus, "employment_status"), index=True
    )

    def __str__(self) -> str:
        return f"{self.name}（{self.staff_no}）" if self.staff_no else self.name

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id
