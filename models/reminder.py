"""催办记录 — which user was reminded on which day, so that `flask remind` never sends twice a day."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import db, utcnow


class ReminderLog(db.Model):
    __tablename__ = "reminder_log"
    __table_args__ = (sa.UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    day: Mapped[dt.date]
    items: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
