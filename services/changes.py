"""变更备案 (第八条): what each kind of change proposes, its rules once, and the public entry of a published
account (its QR code and homepage address), which the department reviews before the matrix shows it.

The proposed values ("after") are a small JSON object per kind; :func:`proposal_problems` checks one against
the rules and returns problems named by its keys, so the change form shows each next to its field and the
approval refuses the same things.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext

from models import (Account, AccountStatus, Attachment, AttachmentKind, AuditAction, ChangeKind, ChangeRecord, Maintenance,
                    Manager, ReviewStatus, TeamRole, db, policy)
from services import accounts, attachments, audit
from services.problems import Problem
from services.snapshots import account_snapshot
from services.text import local_today

#: The keys of the proposed values of each kind (the fields of the change form, by their logical names).
KIND_VALUES: dict[ChangeKind, tuple[str, ...]] = {
    ChangeKind.name: ("name",),
    ChangeKind.managers: ("head", "admins"),
    ChangeKind.maintenance: ("maintenance", "vendor"),
    ChangeKind.closure: ("closure_notice", "closure_notice_on"),
    ChangeKind.other: ("reason",),
    ChangeKind.public_info: ("homepage_url", "qr_code"),
}
#: Statuses of an account the public may see in the matrix: its public entry is then the department's to publish.
PUBLISHED_STATUSES = (AccountStatus.approved, AccountStatus.suspended)


def is_published(account: Account) -> bool:
    """Whether the account is registered, so on the public matrix (第五条) or may be put back there by the
    department at any time; before that, the registration's approval is the review of its public entry."""
    return account.status in PUBLISHED_STATUSES


def needs_review(actor, account: Account) -> bool:
    """A unit user's new QR code or homepage address of a published account waits for the department."""
    return not policy.sees_all_units(actor) and is_published(account)


def current_values(kind: ChangeKind, account: Account) -> dict:
    """The account's values that a change of ``kind`` replaces: what the change form starts from."""
    if kind == ChangeKind.name:
        return {"name": account.name}
    if kind == ChangeKind.managers:
        return {"head": next((m.manager for m in account.team if m.role == TeamRole.head), None),
                "admins": [m.manager for m in account.team if m.role == TeamRole.admin]}
    if kind == ChangeKind.maintenance:
        return {"maintenance": account.maintenance, "vendor": account.vendor}
    if kind == ChangeKind.public_info:
        return {"homepage_url": account.homepage_url}
    if kind == ChangeKind.closure:
        return {"closure_notice_on": local_today()}
    return {}


def team_entries(head, admins) -> list[dict]:
    """The proposed team as stored in "after": manager ids with their roles."""
    return ([{"manager_id": head.id, "role": "head"}] if head is not None else []) + [
        {"manager_id": person.id, "role": "admin"} for person in admins]


def proposal_problems(kind: ChangeKind, account: Account, after: dict, *, reason: str | None = None,
                      closure_notice: str | None = None, has_qr: bool = False) -> list[Problem]:
    """The rules a change request of ``kind`` must meet, on its proposed values ``after``; the problems are
    named by the keys of KIND_VALUES. ``has_qr``: a new QR code comes with the request (attached to it)."""
    if account.status == AccountStatus.closed:
        # A closed account keeps its history as it was (policy.can_edit): nothing of it changes any more.
        return [Problem("account", gettext("This account is closed (已注销): it gets no change request."))]
    if kind == ChangeKind.name:
        if not (after.get("name") or "").strip():
            return [Problem("name", gettext("Enter the new account name."))]
        return []
    if kind == ChangeKind.maintenance:
        method = Maintenance.__members__.get(after.get("maintenance") or "")
        if method is None:
            return [Problem("maintenance", gettext("Choose the new maintenance method."))]
        return accounts.vendor_problems(method, after.get("vendor"))
    if kind == ChangeKind.managers:
        team = []
        for entry in after.get("team") or []:
            person = db.session.get(Manager, int(entry.get("manager_id") or 0))
            if person is None or entry.get("role") not in TeamRole.__members__:
                return [Problem("admins", gettext("A proposed team member is not a person of the account's unit."))]
            team.append(accounts.Member(TeamRole[entry["role"]], person))
        return accounts.team_problems(account.verified, team, account.unit_id)
    if kind == ChangeKind.closure and not (closure_notice or "").strip():
        return [Problem("closure_notice",
                        gettext("A closure needs the text of the notice of discontinuation (停更公告)."))]
    if kind == ChangeKind.other and not (reason or "").strip():
        return [Problem("reason", gettext("Describe what changed in the reason."))]
    if kind == ChangeKind.public_info:
        return public_info_problems(account, after.get("homepage_url"), has_qr)
    return []


def public_info_problems(account: Account, homepage_url: str | None, has_qr: bool) -> list[Problem]:
    """A new public entry names a new homepage address or brings a new QR code; an address is one account's."""
    url = (homepage_url or "").strip()
    if not url and not has_qr:
        return [Problem("homepage_url", gettext("Enter the new homepage address or upload the new QR code."))]
    if url and not url.lower().startswith(("http://", "https://")):
        return [Problem("homepage_url", gettext("Enter a full address starting with http:// or https://."))]
    if url and url != account.homepage_url and db.session.scalar(
            sa.select(sa.func.count()).select_from(Account).where(Account.homepage_url == url,
                                                                  Account.id != account.id)):
        return [Problem("homepage_url", gettext("An account with this homepage URL is already registered."))]
    return []


def change_qr_code(change: ChangeRecord) -> Attachment | None:
    """The newest QR code attached to a change request (the one the approval publishes)."""
    return (db.session.query(Attachment)
            .filter(Attachment.change_id == change.id, Attachment.kind == AttachmentKind.qr_code)
            .order_by(Attachment.id.desc()).first())


def propose_public_entry(account: Account, actor, *, homepage_url: str | None = None, qr_upload=None
                         ) -> ChangeRecord:
    """A unit's new QR code or homepage address of a published account, as a draft change request with the
    QR code attached to it: the matrix keeps the old entry until the department approves (issue 16, finding
    6). Raises attachments.AttachmentError for a file that is not a PNG or JPEG image."""
    policy.require(policy.can_create(actor, ChangeRecord) and policy.owns(actor, account),
                   gettext("You may not act on this record."))
    today = local_today()
    after = {"homepage_url": homepage_url.strip()} if (homepage_url or "").strip() else {}
    change = ChangeRecord(account=account, unit_id=account.unit_id, kind=ChangeKind.public_info,
                          changed_on=today, due_on=accounts.change_due(today), status=ReviewStatus.draft,
                          before=public_snapshot(account), after=after,
                          reason=gettext("New public entry (QR code or homepage address) for the matrix."))
    db.session.add(change)
    db.session.flush()
    if qr_upload is not None:
        attachments.save(change, qr_upload, actor, AttachmentKind.qr_code)
    return change


def public_snapshot(account: Account) -> dict:
    """The "before" of a public-entry change: the account as now, with its homepage and current QR code."""
    snapshot = account_snapshot(account)
    current = account_qr_code(account)
    snapshot["homepage_url"] = account.homepage_url
    snapshot["qr_code"] = current.filename if current else None
    return snapshot


def account_qr_code(account: Account) -> Attachment | None:
    return (db.session.query(Attachment)
            .filter(Attachment.account_id == account.id, Attachment.kind == AttachmentKind.qr_code)
            .order_by(Attachment.id.desc()).first())


def apply_public_entry(change: ChangeRecord, actor) -> None:
    """Publish an approved public entry: the new homepage address, and a copy of the change's QR code on the
    account (the matrix serves the account's newest; the change keeps its own as the record)."""
    account, after = change.account, change.after or {}
    if (after.get("homepage_url") or "").strip():
        account.homepage_url = after["homepage_url"].strip()
    qr = change_qr_code(change)
    if qr is not None:
        published = Attachment(unit_id=account.unit_id, account_id=account.id, kind=AttachmentKind.qr_code,
                               filename=qr.filename, content_type=qr.content_type, size=qr.size, sha256=qr.sha256,
                               content=qr.content, uploaded_by_id=qr.uploaded_by_id)
        db.session.add(published)
        audit.label(published, AuditAction.create, gettext(
            "Published on the public matrix on approval of the change request: %(change)s", change=str(change)),
            actor)
