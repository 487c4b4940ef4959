"""系统设置 — thresholds and weights the department edits on a screen (services/settings.py).

A row holds a value the department has set; a setting without a row takes its default from the
configuration (environment variables). One table read by every app server: a change holds at once
everywhere."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import db, utcnow


class Setting(db.Model):
    __tablename__ = "settings"
    __table_args__ = (sa.CheckConstraint("value >= 0", name="value_not_negative"),)

    #: The setting's name in services/settings.py (e.g. dormant_no_posts_months).
    key: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[int]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    def __str__(self) -> str:
        return self.key
