"""年度考核 — yearly figures per account, rolled up per unit (第十六条)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import LabeledEnum, TimestampMixin, VersionedMixin, db, enum_column
from .unit import Unit


class Grade(LabeledEnum):
    excellent = "excellent", _l("Excellent")
    good = "good", _l("Good")
    pass_ = "pass", _l("Pass")
    fail = "fail", _l("Fail")


class Assessment(VersionedMixin, TimestampMixin, db.Model):
    """One row per account and year; the unit's roll-up row has no account."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.UniqueConstraint("year", "unit_id", "account_id"),
        # The unit roll-up (account_id IS NULL) is unique per unit and year too.
        sa.Index(
            "uq_assessments_unit_rollup",
            "year",
            "unit_id",
            unique=True,
            sqlite_where=sa.text("account_id IS NULL"),
            postgresql_where=sa.text("account_id IS NULL"),
        ),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        # The list's order: newest year, best rank first (an index in that order: PostgreSQL cannot read an
        # ascending one backwards for mixed directions, and would join every row of the year before sorting).
        sa.Index("ix_assessments_year_desc_rank", sa.text("year DESC"), "rank"),
        sa.CheckConstraint("reports_expected >= 0 AND reports_on_time >= 0", name="report_counts_nonneg"),
        sa.CheckConstraint("reports_on_time <= reports_expected", name="on_time_le_expected"),
        sa.CheckConstraint("posts >= 0 AND violations >= 0", name="counts_nonneg"),
        sa.CheckConstraint("unauthorised_publications >= 0", name="unauthorised_publications_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column()
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    unit: Mapped[Unit] = relationship()
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    account: Mapped[Account | None] = relationship()
    registered_on_time: Mapped[bool | None]
    reports_expected: Mapped[int] = mapped_column(default=0)
    reports_on_time: Mapped[int] = mapped_column(default=0)
    posts: Mapped[int] = mapped_column(default=0)
    violations: Mapped[int] = mapped_column(default=0)
    #: Publications on a 第十二条 topic recorded in the year without an authorisation (发布报批).
    unauthorised_publications: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The unit's roll-up only: at the end of the year it had accounts but no 新媒体管理制度 on file or no named
    #: 第一责任人/责任领导 (第九条, 第十条; services/governance.py); None on an account's row.
    governance_missing: Mapped[bool | None]
    score: Mapped[float | None] = mapped_column(sa.Numeric(6, 2))
    rank: Mapped[int | None]
    grade: Mapped[Grade | None] = mapped_column(enum_column(Grade, "grade"))
    #: 表彰
    commended: Mapped[bool] = mapped_column(default=False, nullable=False)
    remarks: Mapped[str | None] = mapped_column(sa.Text)

    def __str__(self) -> str:
        who = self.account.name if self.account else (self.unit.name if self.unit else "")
        return f"{self.year} · {who}"

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.reports_expected else self.reports_on_time / self.reports_expected

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id
