"""附件 — the signed and sealed scan of a paper form, attached to an account, a change or a report."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import LabeledEnum, TimestampMixin, db, enum_column
from .change import ChangeRecord
from .incident import Incident
from .publication import Publication
from .report import MonthlyReport
from .unit import Unit
from .user import User
from .violation import Violation


class AttachmentKind(LabeledEnum):
    signed_form = "signed_form", _l("Signed and sealed form")
    #: A file to publish with a 发布报批 request (第十二条).
    material = "material", _l("Material to publish")
    evidence = "evidence", _l("Rectification evidence")
    #: The account's QR code, shown on the public matrix page.
    qr_code = "qr_code", _l("QR code (shown on the public matrix)")
    #: A screenshot of what an incident found (第十四条).
    screenshot = "screenshot", _l("Screenshot")
    #: The 问责 decision document of a violation (第十七条).
    decision = "decision", _l("Accountability decision document")
    other = "other", _l("Other")


class Attachment(TimestampMixin, db.Model):
    __tablename__ = "attachments"
    __table_args__ = (
        # Exactly one owner.
        sa.CheckConstraint(
            "(CASE WHEN account_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN change_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN report_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN incident_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN violation_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN publication_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="exactly_one_owner",
        ),
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("content_type IN ('application/pdf', 'image/jpeg', 'image/png')", name="content_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    unit: Mapped[Unit] = relationship()
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    account: Mapped[Account | None] = relationship()
    change_id: Mapped[int | None] = mapped_column(sa.ForeignKey("change_records.id"), index=True)
    change: Mapped[ChangeRecord | None] = relationship()
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("monthly_reports.id"), index=True)
    report: Mapped[MonthlyReport | None] = relationship()
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    incident: Mapped[Incident | None] = relationship()
    violation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("violations.id"), index=True)
    violation: Mapped[Violation | None] = relationship()
    #: 发布报批: the text's attachments (images, the document to publish).
    publication_id: Mapped[int | None] = mapped_column(sa.ForeignKey("publications.id"), index=True)
    publication: Mapped[Publication | None] = relationship()
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind, "attachment_kind"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(50))
    size: Mapped[int]
    #: SHA-256 of the content, checked when it is served.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: The file itself, in the database: every app server sees it and every backup includes it.
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return self.filename

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id
