"""新媒体矩阵 (第五条): the public list of registered accounts, and the official-account check."""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from models import Account, AccountStatus, Attachment, AttachmentKind, Platform, Unit, UnitKind, db

#: Statuses that a member of the public may learn about: the account was registered once.
PUBLIC_STATUSES = (AccountStatus.approved, AccountStatus.suspended, AccountStatus.closed)
MAX_QUERY = 200


@dataclass(frozen=True)
class Entry:
    id: int
    name: str
    platform: Platform
    platform_other: str | None
    account_id: str | None
    wechat_original_id: str | None
    unit: str
    unit_kind: UnitKind
    positioning: str
    url: str | None
    has_qr: bool

    @property
    def platform_label(self) -> str:
        label = str(self.platform.label)
        return f"{label}（{self.platform_other}）" if self.platform == Platform.other and self.platform_other else label

    def as_json(self) -> dict:
        return {"name": self.name, "platform": self.platform_label, "platform_code": self.platform.name,
                "account_id": self.account_id or self.wechat_original_id, "unit": self.unit,
                "positioning": self.positioning, "url": self.url}


def version() -> str:
    """Changes whenever the published data may have changed (ETag; never stale after an approval)."""
    qr_codes = sa.select(sa.func.count()).select_from(Attachment).where(Attachment.kind == AttachmentKind.qr_code)
    row = db.session.execute(sa.select(sa.func.max(Account.updated_at), sa.func.count(Account.id),
                                       sa.select(sa.func.max(Unit.updated_at)).scalar_subquery(),
                                       sa.select(sa.func.max(Attachment.id)).scalar_subquery(),
                                       qr_codes.scalar_subquery())  # a QR code added or removed
                             .where(Account.in_matrix.is_(True))).one()
    return "-".join(str(part) for part in row).replace(" ", "T")


def entries(q: str = "", platform: str = "", unit_kind: str = "") -> list[Entry]:
    qr = sa.select(Attachment.account_id).where(Attachment.kind == AttachmentKind.qr_code,
                                                Attachment.account_id.is_not(None))
    query = (sa.select(Account.id, Account.name, Account.platform, Account.platform_other,
                       Account.platform_account_id, Account.wechat_original_id, Unit.name, Unit.kind,
                       Account.positioning_function, Account.positioning_content, Account.positioning_audience,
                       Account.homepage_url, Account.id.in_(qr))
             .join(Unit, Account.unit_id == Unit.id)
             .where(Account.in_matrix.is_(True), Account.status == AccountStatus.approved)
             .order_by(Unit.name, Account.platform, Account.name))
    q = (q or "").strip()[:MAX_QUERY]
    if q:
        like = f"%{q.lower()}%"
        query = query.where(sa.or_(sa.func.lower(Account.name).like(like), sa.func.lower(Unit.name).like(like),
                                   sa.func.lower(Account.platform_account_id).like(like)))
    if platform in Platform.__members__:
        query = query.where(Account.platform == Platform[platform])
    if unit_kind in UnitKind.__members__:
        query = query.where(Unit.kind == UnitKind[unit_kind])
    result = []
    for row in db.session.execute(query):
        positioning = "；".join(p for p in row[8:11] if p)
        result.append(Entry(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], positioning, row[11],
                            bool(row[12])))
    return result


def _normalise_url(value: str) -> str:
    value = value.strip().lower()
    value = re.sub(r"^https?://", "", value)
    value = re.sub(r"^www\.", "", value)
    return value.rstrip("/")


def verify(q: str) -> dict:
    """Is this name, platform id, 原始ID or URL a registered official account of the university?"""
    text = (q or "").strip()[:MAX_QUERY]
    result = {"query": text, "official": False, "matches": []}
    if not text:
        return result
    lowered = text.lower()
    conditions = [sa.func.lower(Account.name) == lowered, sa.func.lower(Account.platform_account_id) == lowered]
    if re.fullmatch(r"gh_[0-9a-f]{12}", lowered):
        conditions.append(Account.wechat_original_id == lowered)
    if "." in text or "/" in text:
        wanted = _normalise_url(text)
        candidates = db.session.execute(
            sa.select(Account.id, Account.homepage_url).where(Account.homepage_url.is_not(None),
                                                              Account.status.in_(PUBLIC_STATUSES))).all()
        ids = [account_id for account_id, url in candidates if _normalise_url(url) == wanted]
        if ids:
            conditions.append(Account.id.in_(ids))
    rows = db.session.execute(
        sa.select(Account.name, Account.platform, Account.platform_other, Unit.name, Account.status,
                  Account.in_matrix)
        .join(Unit, Account.unit_id == Unit.id)
        .where(sa.or_(*conditions), Account.status.in_(PUBLIC_STATUSES))
        .order_by(Account.status, Account.name).limit(20)).all()
    for name, platform, other, unit, status, in_matrix in rows:
        label = str(platform.label) + (f"（{other}）" if platform == Platform.other and other else "")
        result["matches"].append({"name": name, "platform": label, "unit": unit, "status": status.name,
                                  "status_label": str(status.label), "official": status == AccountStatus.approved})
    result["official"] = any(m["official"] for m in result["matches"])
    return result
