"""The review columns shared by every record that goes editor → unit leader → department (审批表的审核栏).

A 备案 (Account), a 变更备案 (ChangeRecord) and a 管理月报表 (MonthlyReport) each carry the same trail:
when it was sent, the unit's opinion and who signed it, the department's opinion and who approved it,
the reason it was last returned. The workflow steps (services/workflow.py) set them; no form edits them
(the Excel import of already-registered accounts sets approved_at).
Each record keeps its own ``status`` column (its own states, its own indexes).

The columns keep the names, types and index names they had in each table, so the mixin changed no
schema (tests/test_migrations.py compares the models with the migrations; tests/test_migration_data.py
carries rows through every migration).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .user import User


class ReviewMixin:
    """Who sent, confirmed, approved or returned a record, and when. Columns are ``declared_attr``s so
    each table gets its own columns, foreign keys (``fk_<table>_<column>_users``) and indexes."""

    #: 报送时间 — when an editor last sent the record to the unit leader (set by the server, never typed).
    @declared_attr
    def submitted_at(cls) -> Mapped[dt.datetime | None]:  # noqa: N805
        return mapped_column(sa.DateTime(), nullable=True)

    #: 逾期 — the record was first sent after its due date (第六条, 第八条, 第十五条); it stays late once late.
    @declared_attr
    def is_late(cls) -> Mapped[bool]:  # noqa: N805
        return mapped_column(sa.Boolean(), default=False, nullable=False, index=True)

    #: 单位意见 — the unit leader's statement when confirming the record.
    @declared_attr
    def unit_opinion(cls) -> Mapped[str | None]:  # noqa: N805
        return mapped_column(sa.Text(), nullable=True)

    #: The unit leader who signed the 单位意见 (负责人签字).
    @declared_attr
    def unit_signed_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(sa.ForeignKey("users.id"), nullable=True, index=True)

    @declared_attr
    def unit_signed_by(cls) -> Mapped[User | None]:  # noqa: N805
        return relationship(User, foreign_keys=[cls.unit_signed_by_id])

    #: When the unit leader signed (单位意见的日期).
    @declared_attr
    def unit_signed_at(cls) -> Mapped[dt.datetime | None]:  # noqa: N805
        return mapped_column(sa.DateTime(), nullable=True)

    #: 宣传部意见 — the department's opinion when approving the record.
    @declared_attr
    def dept_opinion(cls) -> Mapped[str | None]:  # noqa: N805
        return mapped_column(sa.Text(), nullable=True)

    #: The department approver who approved the record (宣传部审核人).
    @declared_attr
    def approved_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(sa.ForeignKey("users.id"), nullable=True, index=True)

    @declared_attr
    def approved_by(cls) -> Mapped[User | None]:  # noqa: N805
        return relationship(User, foreign_keys=[cls.approved_by_id])

    #: When the department approved; set exactly when the record is approved (see review_constraints).
    @declared_attr
    def approved_at(cls) -> Mapped[dt.datetime | None]:  # noqa: N805
        return mapped_column(sa.DateTime(), nullable=True)

    #: 退回原因 — why the record was last returned for revision; cleared when it is sent again.
    @declared_attr
    def return_reason(cls) -> Mapped[str | None]:  # noqa: N805
        return mapped_column(sa.Text(), nullable=True)


def review_constraints() -> tuple[sa.CheckConstraint, ...]:
    """The check constraints that tie a reviewed record's state to its review columns, for ``__table_args__``
    (new objects each call: a constraint belongs to one table; named ``ck_<table>_approved_has_time``)."""
    return (sa.CheckConstraint("status <> 'approved' OR approved_at IS NOT NULL", name="approved_has_time"),)
