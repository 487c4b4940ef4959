"""本单位的新媒体管理责任 (第九条, 第十条) and 新媒体管理制度 (第十条, 第十九条).

第九条: the 党政主要负责人 of the unit that created an official account is its 第一责任人. 第十条: each unit
建立健全新媒体管理制度，明确责任领导 — the unit names its 责任领导 for new media and keeps its own rules
(信息审核、发布等管理规范, 三审三校) on file; 第十九条: the unit may adopt its own 新媒体管理办法.
Rules and queries over them are in services/governance.py.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from .base import TimestampMixin, VersionedMixin, db
from .manager import Manager
from .unit import Unit
from .user import User


class UnitResponsibility(VersionedMixin, TimestampMixin, db.Model):
    """The unit's 第一责任人 and 责任领导, one row per unit. Each person may be linked to the unit's people register
    (管理人员, with the 工号 of the staff roster); the name is kept as the unit filed it (it is what the
    备案审批表 prints), the contact comes from the register when none is typed."""

    __tablename__ = "unit_responsibilities"
    __table_args__ = (
        sa.CheckConstraint("first_name <> '' AND first_title <> ''", name="first_named"),
        sa.CheckConstraint("media_leader_name <> '' AND media_leader_title <> ''", name="media_leader_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), unique=True, active_history=True)
    unit: Mapped[Unit] = relationship(backref=backref("responsibility", uselist=False, viewonly=True))
    #: 第一责任人 (第九条): the unit's 党政主要负责人.
    first_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("managers.id"), index=True)
    first_manager: Mapped[Manager | None] = relationship(foreign_keys=[first_manager_id])
    first_name: Mapped[str] = mapped_column(sa.String(50))
    first_title: Mapped[str] = mapped_column(sa.String(50))
    first_phone: Mapped[str | None] = mapped_column(sa.String(30))
    #: 责任领导 for new media (第十条).
    media_leader_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("managers.id"), index=True)
    media_leader_manager: Mapped[Manager | None] = relationship(foreign_keys=[media_leader_manager_id])
    media_leader_name: Mapped[str] = mapped_column(sa.String(50))
    media_leader_title: Mapped[str] = mapped_column(sa.String(50))
    media_leader_phone: Mapped[str | None] = mapped_column(sa.String(30))

    def __str__(self) -> str:
        return f"{self.unit.name if self.unit else ''} · {_l('Responsible persons')}"

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id

    @property
    def first_contact(self) -> str:
        return _contact(self.first_phone, self.first_manager)

    @property
    def media_leader_contact(self) -> str:
        return _contact(self.media_leader_phone, self.media_leader_manager)


def _contact(phone: str | None, person: Manager | None) -> str:
    if phone:
        return phone
    if person is None:
        return ""
    return " / ".join(x for x in (person.phone, person.email) if x)


#: What a 新媒体管理制度 covers (第十条): the column of each and its label.
RULES_COVERS = {
    "covers_review": _l("Content review"),
    "covers_three_reviews": _l("Three reviews and three proofreadings"),
    "covers_traces": _l("Record keeping"),
    "covers_maintenance": _l("Daily maintenance"),
}


class UnitRules(VersionedMixin, TimestampMixin, db.Model):
    """One 新媒体管理制度 document of a unit. The newest by adoption date is in force; the older ones stay on file
    (history, never deleted). The document itself is kept in the row, checked by content like the attachments."""

    __tablename__ = "unit_rules"
    __table_args__ = (
        sa.CheckConstraint("title <> ''", name="title_not_empty"),
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("content_type IN ('application/pdf', 'image/jpeg', 'image/png')", name="content_type"),
        sa.Index("ix_unit_rules_unit_id_adopted_on", "unit_id", "adopted_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), active_history=True)
    unit: Mapped[Unit] = relationship()
    title: Mapped[str] = mapped_column(sa.String(200))
    #: 印发/通过日期: never in the future.
    adopted_on: Mapped[dt.date]
    covers_review: Mapped[bool] = mapped_column(default=False, nullable=False)
    covers_three_reviews: Mapped[bool] = mapped_column(default=False, nullable=False)
    covers_traces: Mapped[bool] = mapped_column(default=False, nullable=False)
    covers_maintenance: Mapped[bool] = mapped_column(default=False, nullable=False)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(50))
    size: Mapped[int]
    #: SHA-256 of the content, checked when it is served.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"《{self.title}》" if self.title else ""

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id

    @property
    def covers(self) -> list[str]:
        return [str(label) for column, label in RULES_COVERS.items() if getattr(self, column)]
