"""新媒体矩阵 (第五条): the public list of registered accounts, and the official-account check."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import sqlalchemy as sa

from models import Account, AccountStatus, Attachment, AttachmentKind, Platform, Unit, UnitKind, db
from services import account_urls

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


#: The platforms of the accounts that a recognised address may point at.
URL_PLATFORMS = {
    account_urls.WEIBO: (Platform.weibo,),
    account_urls.WECHAT: (Platform.wechat_subscription, Platform.wechat_service),
    account_urls.DOUYIN: (Platform.douyin,),
    account_urls.BILIBILI: (Platform.bilibili,),
    account_urls.KUAISHOU: (Platform.kuaishou,),
    account_urls.XIAOHONGSHU: (Platform.xiaohongshu,),
    account_urls.ZHIHU: (Platform.other,),
    account_urls.TOUTIAO: (Platform.other,),
}


def _same_address(stored: account_urls.ParsedUrl, wanted: account_urls.ParsedUrl) -> bool:
    """The same account by its platform identifier, or the same homepage address (a query string pasted along
    with an address registered without one, such as a share link's ``?from=…``, does not matter; a short link
    registered as the homepage matches itself)."""
    if wanted.ref is not None and stored.ref == wanted.ref:
        return True
    if not stored.address:
        return False
    return stored.address_with_query == wanted.address_with_query or \
        (stored.address_with_query == stored.address == wanted.address)


def _by_address(wanted: account_urls.ParsedUrl) -> list[int]:
    """The accounts whose homepage address (or an account ID entered as an address) is the pasted one or
    points at the same account. The database narrows the candidates to the addresses that contain a fragment
    of the pasted one (the address or the identifier); Python compares them exactly."""
    fragments = {wanted.address} if wanted.address else set()
    if wanted.ref is not None and wanted.ref.kind != account_urls.ORIGINAL_ID:
        fragments |= {wanted.ref.value, quote(wanted.ref.value).lower()}
    fragments = {f for f in fragments if len(f) >= 3}
    if not fragments:
        return []
    stored = (sa.func.lower(Account.homepage_url), sa.func.lower(Account.platform_account_id))
    candidates = db.session.execute(
        sa.select(Account.id, Account.homepage_url, Account.platform_account_id)
        .where(Account.status.in_(PUBLIC_STATUSES),
               sa.or_(*(column.contains(f, autoescape=True) for column in stored for f in fragments)))).all()
    return [account_id for account_id, *addresses in candidates
            if any((parsed := account_urls.parse(a)) is not None and _same_address(parsed, wanted)
                   for a in addresses if a)]


def _by_ref(ref: account_urls.AccountRef) -> list:
    """Conditions for the accounts that a platform identifier names (account ID, screen name, 原始ID)."""
    if ref.kind == account_urls.ORIGINAL_ID:
        return [Account.wechat_original_id == ref.value]
    on_platform = Account.platform.in_(URL_PLATFORMS[ref.platform])
    same_id = sa.func.lower(Account.platform_account_id) == ref.value
    if ref.kind == account_urls.NAME:  # weibo.com/n/昵称: the screen name is the account's name
        return [sa.and_(on_platform, sa.or_(same_id, sa.func.lower(Account.name) == ref.value))]
    return [sa.and_(on_platform, same_id)]


def verify(q: str) -> dict:
    """Is this name, platform id, 原始ID or address a registered official account of the university?

    ``recognised`` is false for an address whose form is not known (or a short link, ``reason``
    ``"short_link"``) that matches no registered homepage: such an answer says neither yes nor no."""
    text = (q or "").strip(account_urls.WHITESPACE)[:MAX_QUERY]
    result = {"query": text, "official": False, "matches": [], "recognised": True, "reason": None}
    if not text:
        return result
    lowered = text.lower()
    conditions = [sa.func.lower(Account.name) == lowered, sa.func.lower(Account.platform_account_id) == lowered]
    parsed = account_urls.parse(text)
    if parsed is not None:
        if parsed.ref is not None:
            conditions += _by_ref(parsed.ref)
        ids = _by_address(parsed)
        if ids:
            conditions.append(Account.id.in_(ids))
    rows = db.session.execute(
        sa.select(Account.name, Account.platform, Account.platform_other, Unit.name, Account.status)
        .join(Unit, Account.unit_id == Unit.id)
        .where(sa.or_(*conditions), Account.status.in_(PUBLIC_STATUSES))
        .order_by(Account.status, Account.name).limit(20)).all()
    for name, platform, other, unit, status in rows:
        label = str(platform.label) + (f"（{other}）" if platform == Platform.other and other else "")
        result["matches"].append({"name": name, "platform": label, "unit": unit, "status": status.name,
                                  "status_label": str(status.label), "official": status == AccountStatus.approved})
    result["official"] = any(m["official"] for m in result["matches"])
    if parsed is not None and parsed.ref is None and not result["matches"]:
        result["recognised"] = False
        result["reason"] = "short_link" if parsed.short_link else "unknown_address"
    return result
