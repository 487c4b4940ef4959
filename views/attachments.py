"""Upload, download and removal of attachments; only for those who may see the owner record."""
from __future__ import annotations

import hashlib
import io

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from models import Account, Attachment, AttachmentKind, UnitRules, db, policy
from services import attachments, changes

bp = Blueprint("attachments", __name__, url_prefix="/attachments")

DETAILS_ENDPOINT = {"account": "accounts.details_view", "change": "changes.details_view",
                    "report": "reports.details_view", "incident": "incidents.details_view",
                    "violation": "violations.details_view", "publication": "publications.details_view"}


def _owner(owner_type: str, owner_id: int):
    model = attachments.OWNERS.get(owner_type)
    if model is None:
        abort(404)
    return policy.get_or_404(current_user, model, owner_id)


@bp.post("/<owner_type>/<int(max=2147483647):owner_id>")
@login_required
def upload(owner_type: str, owner_id: int):
    owner = _owner(owner_type, owner_id)
    kind = AttachmentKind.__members__.get(request.form.get("kind", ""), AttachmentKind.signed_form)
    actor = current_user._get_current_object()
    if kind == AttachmentKind.qr_code and isinstance(owner, Account) and changes.needs_review(actor, owner):
        return _propose_qr_code(owner, actor)
    try:
        attachment = attachments.save(owner, request.files.get("file"), current_user._get_current_object(), kind)
        db.session.commit()
        flash(gettext("“%(name)s” was attached.", name=attachment.filename), "success")
    except attachments.AttachmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for(DETAILS_ENDPOINT[owner_type], id=owner.id))


def _propose_qr_code(account: Account, actor):
    """A unit's new QR code of a published account becomes a change request: the matrix keeps the old one
    until the department approves (issue 16, finding 6)."""
    try:
        change = changes.propose_public_entry(account, actor, qr_upload=request.files.get("file"))
        db.session.commit()
    except attachments.AttachmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(DETAILS_ENDPOINT["account"], id=account.id))
    flash(gettext("The new QR code is published on the matrix only after the Propaganda Department approves it: "
                  "a change request was drafted for it. Submit it for review."), "success")
    return redirect(url_for(DETAILS_ENDPOINT["change"], id=change.id))


def _scoped_attachment(attachment_id: int) -> Attachment:
    return policy.get_or_404(current_user, Attachment, attachment_id)


@bp.get("/<int(max=2147483647):attachment_id>")
@login_required
def download(attachment_id: int):
    return _send(_scoped_attachment(attachment_id))


def _send(attachment):
    """The stored file, if its checksum still matches (an Attachment or a UnitRules document)."""
    data = attachment.content
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        abort(500)
    response = send_file(io.BytesIO(data), mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/unit-rules/<int(max=2147483647):rules_id>")
@login_required
def unit_rules_download(rules_id: int):
    """A unit's 新媒体管理制度 document (第十条), for those who may see the unit's records."""
    return _send(policy.get_or_404(current_user, UnitRules, rules_id))


@bp.post("/<int(max=2147483647):attachment_id>/delete")
@login_required
def delete(attachment_id: int):
    attachment = _scoped_attachment(attachment_id)
    owner_type = next(name for name in attachments.OWNERS if getattr(attachment, f"{name}_id"))
    owner_id = getattr(attachment, f"{owner_type}_id")
    policy.require(policy.can_delete(current_user, attachment))
    db.session.delete(attachment)
    db.session.commit()
    flash(gettext("The attachment was removed."), "success")
    return redirect(url_for(DETAILS_ENDPOINT[owner_type], id=owner_id))
