"""管理月报表 — the monthly report of one account (第十五条)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .account import Account
from .base import TimestampMixin, VersionedMixin, db, enum_column
from .change import ReviewStatus
from .review import ReviewMixin, review_constraints
from .unit import Unit


class MonthlyReport(ReviewMixin, VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "monthly_reports"
    __table_args__ = (
        # One report per account per month (第十五条).
        sa.UniqueConstraint("account_id", "period"),
        sa.CheckConstraint("post_count >= 0", name="post_count_nonneg"),
        *review_constraints(),
        sa.CheckConstraint(
            "NOT involves_classified OR status <> 'approved' OR (classified_handling IS NOT NULL"
            " AND classified_handling <> '')",
            name="classified_needs_handling",
        ),
        sa.Index("ix_monthly_reports_period_id", "period", "id"),
        # The department's list filtered by state and month (e.g. 待审核 of the reporting month), newest first:
        # the page's 20 rows and its count read off this index (16,000 matching rows at province scale).
        sa.Index("ix_monthly_reports_status_period_id", "status", "period", "id"),
        # A unit's reports newest first (its list, page after page): the sort is read off the index.
        sa.Index("ix_monthly_reports_unit_id_period_id", "unit_id", "period", "id"),
        # Month aggregates (charts, missing reports, dormant accounts) read only this index.
        sa.Index("ix_monthly_reports_period_covering", "period", "account_id", "submitted_at", "is_late",
                 "post_count"),
        # The home page (issue 18 item 3): the reports waiting at a step, oldest submitted first, read off the
        # index (the card's first five, and the count per step from the index alone); a unit's by step.
        sa.Index("ix_monthly_reports_status_submitted_at_id", "status", "submitted_at", "id"),
        sa.Index("ix_monthly_reports_unit_id_status", "unit_id", "status"),
        # The home page's red flags (涉密, not approved; 第十一条): the few classified reports by step, counted from
        # the index alone instead of reading every classified report's row. SQLite uses a partial index only for a
        # WHERE that says its condition in the same words: ``is_(True)`` is written ``IS 1`` there.
        sa.Index("ix_monthly_reports_classified_status_period", "status", "period", "id",
                 postgresql_where=sa.text("involves_classified IS TRUE"),
                 sqlite_where=sa.text("involves_classified IS 1")),
        # (PostgreSQL only, made by its migration: ix_monthly_reports_red_flags_period_id, the red flags card's first
        # five oldest month first, five rows read instead of every open classified report's row, then sorted.)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    account: Mapped[Account] = relationship()
    #: The unit that owns the report (scoping); the snapshot columns keep what it was that month.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True, active_history=True)
    unit: Mapped[Unit] = relationship()
    #: The reported month, stored as its first day.
    period: Mapped[dt.date] = mapped_column()
    #: 建设单位, 媒体平台, 帐号名称, 帐号ID as they were that month.
    snapshot_unit_name: Mapped[str] = mapped_column(sa.String(100), default="")
    snapshot_platform: Mapped[str] = mapped_column(sa.String(100), default="")
    snapshot_account_name: Mapped[str] = mapped_column(sa.String(100), default="")
    snapshot_account_id: Mapped[str | None] = mapped_column(sa.String(100))
    #: 管理人员 at that time (负责人 and 管理员 with their titles), as a list of objects.
    snapshot_staff: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: 发布信息数量
    post_count: Mapped[int] = mapped_column(default=0)
    #: 主题及内容 (may be long; "如有需要可附页").
    topics: Mapped[str | None] = mapped_column(sa.Text)
    #: 是否涉密 — a red flag (第十一条).
    involves_classified: Mapped[bool] = mapped_column(default=False, nullable=False, index=True)
    classified_handling: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[ReviewStatus] = mapped_column(
        enum_column(ReviewStatus, "review_status"), default=ReviewStatus.draft, index=True
    )

    @validates("period")
    def _first_of_month(self, _key: str, value: dt.date) -> dt.date:
        """The month is stored as its first day, whatever day was given."""
        return value.replace(day=1) if value else value

    def __str__(self) -> str:
        month = self.period.strftime("%Y-%m") if self.period else ""
        name = self.snapshot_account_name or (self.account.name if self.account else "")
        return f"{name} · {month}"

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id
