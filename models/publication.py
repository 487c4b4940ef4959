"""发布报批 — a unit's request for authorisation before it publishes on 重大事件、突发事件、社会热点及敏感问题 (第十二条).

A unit editor drafts the request (the accounts, the topic, the planned time, the text and its attachments, the
urgency) and submits it; the unit leader agrees; the department authorises it (with conditions or an edited
text), returns it with reasons, or refuses it. After publishing the unit records the link and the time. A
publication without an authorisation (recorded on a request not authorised, or found by the department with no
request at all: ``unrequested``) becomes a violation record (第十三条) with one click (``violation_id``).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import LabeledEnum, TimestampMixin, VersionedMixin, db, enum_column
from .review import ReviewMixin, review_constraints
from .unit import Unit
from .user import User
from .violation import Violation


class PublicationTopic(LabeledEnum):
    """The four kinds of information of 第十二条."""

    major_event = "major_event", _l("Major event")
    emergency = "emergency", _l("Emergency")
    social_hotspot = "social_hotspot", _l("Social hot topic")
    sensitive = "sensitive", _l("Sensitive issue")


class Urgency(LabeledEnum):
    normal = "normal", _l("Normal")
    #: Answered within hours (系统设置), not working days; the department is notified at once.
    urgent = "urgent", _l("Urgent")


class PublicationStatus(LabeledEnum):
    draft = "draft", _l("Draft")
    unit_review = "unit_review", _l("Awaiting unit review")
    dept_review = "dept_review", _l("Awaiting department authorisation")
    approved = "approved", _l("Authorised")
    returned = "returned", _l("Returned for revision")
    refused = "refused", _l("Not authorised")
    #: Found published by the department with no request at all (第十二条 breached).
    unrequested = "unrequested", _l("Published without a request")


#: A publication this much before its authorisation was published without it.
EARLY = dt.timedelta(minutes=1)

#: Which accounts a request is for (one or more of the unit's own).
publication_accounts = sa.Table(
    "publication_accounts", db.metadata,
    sa.Column("publication_id", sa.ForeignKey("publications.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("account_id", sa.ForeignKey("accounts.id"), primary_key=True, index=True),
)


class Publication(ReviewMixin, VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "publications"
    __table_args__ = (
        *review_constraints(),
        sa.CheckConstraint("headline <> ''", name="headline_not_empty"),
        sa.CheckConstraint("(published_url IS NULL) = (published_at IS NULL)", name="published_url_and_time"),
        sa.CheckConstraint("status <> 'unrequested' OR published_at IS NOT NULL", name="unrequested_is_published"),
        sa.CheckConstraint("violation_id IS NULL OR published_at IS NOT NULL", name="violation_after_publication"),
        # The department's queue (home page: urgent first, by the time left).
        sa.Index("ix_publications_status_urgency_due_at", "status", "urgency", "due_at"),
        sa.Index("ix_publications_unit_id_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The unit that asks (and publishes): every account of the request is its own.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True, active_history=True)
    unit: Mapped[Unit] = relationship()
    accounts: Mapped[list[Account]] = relationship(secondary=publication_accounts, order_by=Account.id)
    topic: Mapped[PublicationTopic] = mapped_column(enum_column(PublicationTopic, "publication_topic"), index=True)
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, "urgency"), default=Urgency.normal, index=True)
    #: 标题 — what the publication is called.
    headline: Mapped[str] = mapped_column(sa.String(200))
    #: 拟发布内容 — the text the unit means to publish.
    body: Mapped[str] = mapped_column(sa.Text)
    #: 拟发布时间 (stored in UTC, shown in the configured zone).
    planned_at: Mapped[dt.datetime] = mapped_column(index=True)
    status: Mapped[PublicationStatus] = mapped_column(
        enum_column(PublicationStatus, "publication_status"), default=PublicationStatus.draft, index=True)
    #: 答复时限 — by when the department answers: set when the request reaches it (hours if urgent, working
    #: days otherwise; services/publications.py).
    due_at: Mapped[dt.datetime | None]
    #: 授权条件 — conditions the department attaches to its authorisation.
    conditions: Mapped[str | None] = mapped_column(sa.Text)
    #: 宣传部审定文本 — the text as the department edited it (publish this one, not the unit's).
    approved_content: Mapped[str | None] = mapped_column(sa.Text)
    #: When and by whom the department decided (authorised, returned or refused).
    decided_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    #: 不予授权的理由.
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: 发布链接 and 发布时间, recorded by the unit after publishing (or by the department that found it).
    published_url: Mapped[str | None] = mapped_column(sa.String(500))
    published_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    #: The violation record (第十三条) made of a publication without authorisation; never two for one.
    violation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("violations.id"), unique=True)
    violation: Mapped[Violation | None] = relationship()

    def __str__(self) -> str:
        return self.headline or ""

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id

    @property
    def is_urgent(self) -> bool:
        return self.urgency == Urgency.urgent

    @property
    def unauthorised(self) -> bool:
        """Published without an authorisation (第十二条): the case for a violation record. Published before the
        authorisation came (by a whole minute: the time is typed to the minute) is without it too."""
        return self.is_unauthorised(self.status, self.approved_at, self.published_at)

    @staticmethod
    def is_unauthorised(status, approved_at: dt.datetime | None, published_at: dt.datetime | None) -> bool:
        """:attr:`unauthorised` of a row read as plain columns (the annual assessment counts them)."""
        if published_at is None:
            return False
        if status != PublicationStatus.approved or approved_at is None:
            return True
        return published_at <= approved_at - EARLY
