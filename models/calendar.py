"""工作日历 — per-date overrides of the Monday–Friday week (holidays and 调休 make-up days)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from .base import LabeledEnum, TimestampMixin, db, enum_column


class DayKind(LabeledEnum):
    holiday = "holiday", _l("Holiday")
    #: 调休 — a weekend day that is a working day.
    workday = "workday", _l("Make-up working day")


class WorkCalendar(TimestampMixin, db.Model):
    __tablename__ = "work_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(unique=True)
    kind: Mapped[DayKind] = mapped_column(enum_column(DayKind, "day_kind"))
    #: The holiday's name (国庆节, 春节 …).
    name: Mapped[str | None] = mapped_column(sa.String(50))
    #: Where the entry came from: chinese-calendar or a department user.
    source: Mapped[str] = mapped_column(sa.String(30), default="manual")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {self.kind.label}"

    @property
    def audit_unit_id(self) -> int | None:
        return None
