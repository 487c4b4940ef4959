"""附件: signed and sealed scans of the paper forms (PDF/JPEG/PNG), type checked from the content."""
from __future__ import annotations

import hashlib

import filetype
from flask import current_app
from flask_babel import gettext

from models import (Account, Attachment, AttachmentKind, ChangeRecord, Incident, MonthlyReport, Publication, Violation,
                    db, policy)

ALLOWED_TYPES = {"application/pdf", "image/jpeg", "image/png"}
OWNERS = {"account": Account, "change": ChangeRecord, "report": MonthlyReport, "incident": Incident,
          "violation": Violation, "publication": Publication}
#: The kinds of file each record takes (the first is the default): an incident's screenshots (第十四条), a
#: violation's 问责 decision document (第十七条), a 发布报批's material to publish (第十二条); the forms' records
#: their scans as before.
_FORM_KINDS = tuple(k for k in AttachmentKind
                    if k not in (AttachmentKind.screenshot, AttachmentKind.decision, AttachmentKind.material))
KINDS = {Incident: (AttachmentKind.screenshot, AttachmentKind.other),
         Violation: (AttachmentKind.decision, AttachmentKind.other),
         Publication: (AttachmentKind.material, AttachmentKind.other)}


def kinds_for(owner) -> tuple[AttachmentKind, ...]:
    return KINDS.get(type(owner), _FORM_KINDS)


class AttachmentError(Exception):
    """The upload is refused; the message tells the user why."""


def owner_field(owner) -> str:
    return {model: name for name, model in OWNERS.items()}[type(owner)]


def save(owner, upload, actor, kind: AttachmentKind = AttachmentKind.signed_form) -> Attachment:
    """Store an uploaded file for ``owner`` after checking rights, size and real type."""
    if not policy.can_attach(actor, owner):
        raise AttachmentError(gettext("You may not add files to this record."))
    if kind not in kinds_for(owner):
        kind = kinds_for(owner)[0]
    if kind == AttachmentKind.qr_code and not policy.sees_all_units(actor) and not policy.can_edit(actor, owner):
        # The QR code the unit's leader and the department review is the one an approval publishes: once a
        # registration or change has left the unit, its QR code is not replaced behind their back.
        raise AttachmentError(gettext("A new QR code can be added only while the record is with the unit (a draft "
                                      "or returned for revision)."))
    data, detected = _read(upload, kind)
    attachment = Attachment(
        unit_id=owner.unit_id, kind=kind, filename=_clean_name(upload.filename, detected.extension),
        content_type=detected.mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(), content=data,
        uploaded_by_id=actor.id, **{f"{owner_field(owner)}_id": owner.id})
    db.session.add(attachment)
    return attachment


def _read(upload, kind: AttachmentKind):
    """The upload's bytes and detected type, or AttachmentError: empty, too large, not a PDF/JPEG/PNG."""
    if upload is None or not upload.filename:
        raise AttachmentError(gettext("Choose a file to upload."))
    limit = current_app.config["MAX_ATTACHMENT_SIZE"]
    data = upload.stream.read(limit + 1)
    if not data:
        raise AttachmentError(gettext("The file is empty."))
    if len(data) > limit:
        raise AttachmentError(gettext("The file is larger than %(size)s MB.", size=limit // (1024 * 1024)))
    detected = filetype.guess(data)
    if detected is None or detected.mime not in ALLOWED_TYPES:
        raise AttachmentError(gettext("Only PDF, JPEG and PNG scans can be attached; this file is not one "
                                      "(whatever its name says)."))
    if kind == AttachmentKind.qr_code and not detected.mime.startswith("image/"):
        raise AttachmentError(gettext("A QR code must be a PNG or JPEG image."))
    return data, detected


def upload_problem(upload, kind: AttachmentKind) -> str | None:
    """Why ``upload`` would be refused as an attachment of ``kind`` (None: it would not); the stream is
    rewound, so that :func:`save` reads it again (a form checks the file before it saves the record)."""
    try:
        _read(upload, kind)
        return None
    except AttachmentError as exc:
        return str(exc)
    finally:
        if upload is not None and upload.filename:
            upload.stream.seek(0)


def checked_content(upload, kind: AttachmentKind = AttachmentKind.other):
    """The bytes and detected type of an upload that passes the checks of an attachment (AttachmentError if not):
    for documents kept outside this table (a unit's 新媒体管理制度, services/governance.py)."""
    return _read(upload, kind)


def clean_name(name: str, extension: str) -> str:
    return _clean_name(name, extension)


def attachments_of(owner) -> list[Attachment]:
    column = getattr(Attachment, f"{owner_field(owner)}_id")
    return db.session.query(Attachment).filter(column == owner.id).order_by(Attachment.id).all()


def _clean_name(name: str, extension: str) -> str:
    """Keep the user's name for the download (Chinese included), without paths or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip() or "scan"
    stem = base.rsplit(".", 1)[0][:200] or "scan"
    return f"{stem}.{'jpg' if extension == 'jpg' else extension}"
