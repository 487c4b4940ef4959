"""What a pasted address points at (官方帐号查验): the platforms' usual profile and article URL forms.

Pure functions, no database: :func:`parse` turns whatever a person pastes (with or without ``https://``,
``www.``/``m.`` hosts, trailing slashes, query strings, fragments, upper case, full-width characters, a
share text around the link) into the normalised address and, when its form is known, the platform's
identifier of the account (:class:`AccountRef`). Short links (v.douyin.com …) only the platform can resolve.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

#: Platforms whose profile addresses are recognised (keys of :data:`services.matrix.URL_PLATFORMS`).
WEIBO, WECHAT, DOUYIN, BILIBILI, KUAISHOU, XIAOHONGSHU, ZHIHU, TOUTIAO = (
    "weibo", "wechat", "douyin", "bilibili", "kuaishou", "xiaohongshu", "zhihu", "toutiao")

#: Kinds of identifier: the platform's account id, a screen name, a WeChat __biz, a WeChat 原始ID (gh_…).
ID, NAME, BIZ, ORIGINAL_ID = "id", "name", "biz", "original_id"

#: Links that only the platform can resolve (they redirect to the profile or to a post).
SHORT_LINK_HOSTS = frozenset({"v.douyin.com", "b23.tv", "xhslink.com", "v.kuaishou.com", "t.cn", "url.cn",
                              "weibo.cn/sinaurl"})

#: Spaces a pasted text may carry around it (the ideographic space of a Chinese input method included).
WHITESPACE = " \t\r\n\u3000\u00a0\u200b\ufeff"
ORIGINAL_ID_RE = re.compile(r"gh_[0-9a-f]{12}")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOST_START = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}\.?(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"https?://[^\s，。、；！？“”‘’「」《》（）【】<>\"']+", re.IGNORECASE)
_WRAPPING = WHITESPACE + "\"'“”‘’「」『』《》<>()（）【】[]"
_TRAILING = "。，、；！？,.;!?:："
_DIGITS = re.compile(r"\d{1,20}")
#: weibo.com/<segment> words that are pages of the site, not 个性域名 (a custom address of an account).
_WEIBO_PAGES = frozenset({"u", "n", "p", "profile", "detail", "status", "tv", "hot", "newlogin", "login",
                          "signup", "set", "at", "comment", "fav", "like", "messages", "search", "topic",
                          "ajax", "home", "explore", "index", "mygroups", "friends", "follow", "fans",
                          "lottery", "about", "aj", "sorry", "unfreeze", "signin", "logout", "help"})
_WEIBO_DOMAIN = re.compile(r"[a-z][a-z0-9_]{3,29}")


@dataclass(frozen=True)
class AccountRef:
    """One account on one platform: ``value`` is lower case (ids compared without regard to case)."""
    platform: str
    kind: str
    value: str


@dataclass(frozen=True)
class ParsedUrl:
    #: host (without ``www.``) + path (without trailing slash), lower case: compared with homepage addresses.
    address: str
    #: ``address`` with the query string, when there is one.
    address_with_query: str
    #: the account the address points at, when its form is known.
    ref: AccountRef | None = None
    #: a short link that only the platform can resolve.
    short_link: bool = False


def clean(text: str | None) -> str:
    """The pasted text as compared: full-width forms folded (NFKC), wrapping spaces, quotes and brackets and
    trailing punctuation removed; a link inside a share text (“复制打开抖音… https://v.douyin.com/…/”) taken out."""
    text = unicodedata.normalize("NFKC", text or "").strip(_WRAPPING)
    found = _URL_IN_TEXT.search(text)
    if found and found.group(0) != text:
        text = found.group(0)
    return text.rstrip(_TRAILING).strip(_WRAPPING)


def looks_like_url(text: str) -> bool:
    """An address rather than a name or an id: a scheme, or a host name first (``weibo.com/…``)."""
    text = clean(text)
    return bool(_SCHEME.match(text) or _HOST_START.match(text))


def original_id(text: str) -> str | None:
    """A WeChat 原始ID pasted alone (``gh_`` and 12 hexadecimal digits), lower case."""
    value = clean(text).lower()
    return value if ORIGINAL_ID_RE.fullmatch(value) else None


def parse(text: str | None) -> ParsedUrl | None:
    """The pasted address normalised, with the account it points at when its form is known; ``None`` when the
    text is not an address. A 原始ID pasted alone is an :class:`AccountRef` too (``address`` empty)."""
    text = clean(text)
    gh = original_id(text)
    if gh:
        return ParsedUrl("", "", AccountRef(WECHAT, ORIGINAL_ID, gh))
    if not looks_like_url(text):
        return None
    if not _SCHEME.match(text):
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:  # a bad port or an IPv6 address that is not one
        return None
    if not host:
        return None
    host = host.lower()
    bare = host[4:] if host.startswith("www.") else host
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    address = (bare + path).lower()
    with_query = f"{address}?{parts.query}".lower() if parts.query else address
    segments = [unquote(s) for s in path.split("/") if s]
    query = parse_qs(parts.query, keep_blank_values=True)
    if bare in SHORT_LINK_HOSTS or f"{bare}/{segments[0] if segments else ''}" in SHORT_LINK_HOSTS:
        return ParsedUrl(address, with_query, None, short_link=True)
    return ParsedUrl(address, with_query, _account(bare, segments, query))


def _first(query: dict, key: str) -> str | None:
    values = [v.strip() for v in query.get(key, []) if v.strip()]
    return values[0] if values else None


def _ref(platform: str, kind: str, value: str | None) -> AccountRef | None:
    value = (value or "").strip()
    if not value or any(ord(c) < 32 or c == "\x7f" for c in value):  # a decoded %00 is no account's id
        return None
    return AccountRef(platform, kind, value.lower())


def _account(host: str, seg: list[str], query: dict) -> AccountRef | None:
    """The account of a profile (or post) address on a known platform; ``None`` for any other form."""
    site = host[2:] if host.startswith("m.") else host
    first = seg[0].lower() if seg else ""
    if site in ("weibo.com", "weibo.cn"):
        return _weibo(seg, first)
    if host == "mp.weixin.qq.com":
        biz = _first(query, "__biz")
        # base64: "+" arrives as a space in a query string, and the padding is often dropped or encoded
        return _ref(WECHAT, BIZ, biz.replace(" ", "+").rstrip("=")) if biz else None
    if site in ("douyin.com", "iesdouyin.com"):
        if len(seg) >= 2 and first == "user":
            return _ref(DOUYIN, ID, seg[1])
        if len(seg) >= 3 and first == "share" and seg[1].lower() == "user":
            return _ref(DOUYIN, ID, _first(query, "sec_uid") or seg[2])
        return None
    if host == "space.bilibili.com":
        return _ref(BILIBILI, ID, seg[0]) if seg and _DIGITS.fullmatch(seg[0]) else None
    if site == "bilibili.com":
        ok = len(seg) >= 2 and first == "space" and _DIGITS.fullmatch(seg[1])
        return _ref(BILIBILI, ID, seg[1]) if ok else None
    if site in ("kuaishou.com", "live.kuaishou.com", "gifshow.com"):
        return _ref(KUAISHOU, ID, seg[1]) if len(seg) >= 2 and first in ("profile", "u") else None
    if site == "xiaohongshu.com":
        ok = len(seg) >= 3 and first == "user" and seg[1].lower() == "profile"
        return _ref(XIAOHONGSHU, ID, seg[2]) if ok else None
    if site == "zhihu.com":
        return _ref(ZHIHU, ID, seg[1]) if len(seg) >= 2 and first in ("people", "org") else None
    if site == "toutiao.com":
        if len(seg) >= 4 and seg[:3] == ["c", "user", "token"]:
            return _ref(TOUTIAO, ID, seg[3])
        if len(seg) >= 3 and seg[:2] == ["c", "user"]:
            return _ref(TOUTIAO, ID, seg[2])
        return _ref(TOUTIAO, ID, seg[1]) if len(seg) >= 2 and first == "profile" else None
    return None


def _weibo(seg: list[str], first: str) -> AccountRef | None:
    if not seg:
        return None
    if first in ("u", "profile") and len(seg) >= 2 and _DIGITS.fullmatch(seg[1]):
        return _ref(WEIBO, ID, seg[1])  # weibo.com/u/ID, m.weibo.cn/u/ID, m.weibo.cn/profile/ID
    if first == "n" and len(seg) >= 2:
        return _ref(WEIBO, NAME, seg[1])  # weibo.com/n/昵称
    if first == "p" and len(seg) >= 2:
        page = re.fullmatch(r"10\d{4}(\d{5,20})", seg[1])  # weibo.com/p/1005051234567890: 100505 + UID
        return _ref(WEIBO, ID, page.group(1)) if page else None
    if _DIGITS.fullmatch(seg[0]):
        return _ref(WEIBO, ID, seg[0])  # weibo.com/ID and a post weibo.com/ID/Mabc… (by the account ID)
    if len(seg) == 1 and first not in _WEIBO_PAGES and _WEIBO_DOMAIN.fullmatch(first):
        return _ref(WEIBO, ID, first)  # 个性域名 weibo.com/ynufe
    return None
