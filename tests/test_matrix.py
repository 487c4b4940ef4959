"""The public matrix (第五条) and the official-account check."""
import io

import pytest

from models import Account, AccountStatus, Attachment, AttachmentKind, Platform, Unit, db
from services import workflow

from .conftest import make_account
from .test_attachments import PDF, PNG


@pytest.fixture
def published(app, world):
    with app.app_context():
        own_unit = db.session.get(Unit, world["own_unit"])
        ids = {}
        for name, status, in_matrix, extra in (
            ("会计学院官微", AccountStatus.approved, True, {"platform": Platform.wechat_service,
                                                       "wechat_original_id": "gh_00112233aabb",
                                                       "homepage_url": "https://mp.weixin.qq.com/kjxy"}),
            ("停用帐号", AccountStatus.suspended, False, {}),
            ("注销帐号", AccountStatus.closed, False, {}),
            ("隐藏帐号", AccountStatus.approved, False, {}),
        ):
            account = make_account(own_unit, name, status=status, account_id=f"id-{name}", **extra)
            account.in_matrix = in_matrix
            ids[name] = account.id
        db.session.commit()
    return {**world, **ids}


def test_page_lists_only_published_accounts(app, published):
    response = app.test_client().get("/matrix")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "会计学院官微" in html
    for hidden in ("停用帐号", "注销帐号", "隐藏帐号", "本单位帐号", "外单位帐号"):
        assert hidden not in html
    assert 'name="viewport"' in html


def test_search_and_filters(app, published):
    client = app.test_client()
    assert "会计学院官微" in client.get("/matrix?q=官微").get_data(as_text=True)
    assert "会计学院官微" not in client.get("/matrix?q=不存在").get_data(as_text=True)
    assert "会计学院官微" in client.get("/matrix?platform=wechat_service&kind=college").get_data(as_text=True)
    assert "会计学院官微" not in client.get("/matrix?platform=weibo").get_data(as_text=True)
    assert client.get("/matrix?platform=<script>&kind=%01&q=" + "x" * 5000).status_code == 200


def test_json_fields_and_caching(app, published):
    client = app.test_client()
    response = client.get("/matrix.json")
    assert response.status_code == 200 and "public" in response.headers["Cache-Control"]
    accounts = response.json["accounts"]
    assert [a["name"] for a in accounts] == ["会计学院官微"]
    assert set(accounts[0]) >= {"name", "platform", "account_id", "unit", "positioning", "url"}
    etag = response.headers["ETag"]
    assert client.get("/matrix.json", headers={"If-None-Match": etag}).status_code == 304


def test_never_stale_after_an_approval(app, published, ctx):
    client = app.test_client()
    etag = client.get("/matrix.json").headers["ETag"]
    account = db.session.get(Account, published["own_account"])
    account.status = AccountStatus.dept_review
    db.session.commit()
    from models import User

    workflow.approve(account, db.session.query(User).filter_by(username="dept").one())
    db.session.commit()
    response = client.get("/matrix.json", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "本单位帐号" in [a["name"] for a in response.json["accounts"]]


@pytest.mark.parametrize("query", ["会计学院官微", "gh_00112233aabb", "GH_00112233AABB", "id-会计学院官微",
                                   "https://mp.weixin.qq.com/kjxy", "http://mp.weixin.qq.com/kjxy/",
                                   "mp.weixin.qq.com/kjxy"])
def test_verify_finds_the_official_account(app, published, query):
    result = app.test_client().get("/matrix/verify", query_string={"q": query, "format": "json"}).json
    assert result["official"] is True and result["matches"][0]["unit"] == "会计学院"


@pytest.mark.parametrize("query, status", [("停用帐号", "suspended"), ("注销帐号", "closed")])
def test_verify_says_suspended_and_closed_explicitly(app, published, query, status):
    client = app.test_client()
    result = client.get("/matrix/verify", query_string={"q": query},
                        headers={"Accept": "application/json"}).json
    assert result["official"] is False and result["matches"][0]["status"] == status
    html = client.get("/matrix/verify", query_string={"q": query}).get_data(as_text=True)
    assert ("停止运行" if status == "suspended" else "已注销") in html


@pytest.mark.parametrize("query", ["本单位帐号", "冒牌帐号", "", "gh_zzzzzzzzzzzz", "' OR 1=1 --"])
def test_verify_unregistered_or_pending_is_not_official(app, published, query):
    result = app.test_client().get("/matrix/verify", query_string={"q": query, "format": "json"}).json
    assert result["official"] is False and result["matches"] == []


def test_verify_box_on_the_matrix_page(app, published):
    html = app.test_client().get("/matrix").get_data(as_text=True)
    assert 'action="/matrix/verify"' in html


def test_qr_code_of_published_accounts_only(app, published, login_as):
    # The department publishes a QR code directly; a unit's goes through a change request
    # (tests/test_public_entry_review.py).
    editor = login_as("dept_admin")
    for name, data in (("会计学院官微", PNG), ("隐藏帐号", PNG)):
        editor.client.post(f"/attachments/account/{published[name]}", data={
            "csrf_token": editor.csrf, "kind": "qr_code", "file": (io.BytesIO(data), "qr.png")},
            content_type="multipart/form-data")
    editor.client.post(f"/attachments/account/{published['会计学院官微']}", data={
        "csrf_token": editor.csrf, "kind": "qr_code", "file": (io.BytesIO(PDF), "qr.pdf")},
        content_type="multipart/form-data")
    with app.app_context():
        assert db.session.query(Attachment).filter_by(kind=AttachmentKind.qr_code).count() == 2
    client = app.test_client()
    assert client.get(f"/matrix/qr/{published['会计学院官微']}.img").status_code == 200
    assert client.get(f"/matrix/qr/{published['隐藏帐号']}.img").status_code == 404
    assert f"/matrix/qr/{published['会计学院官微']}.img" in client.get("/matrix").get_data(as_text=True)


def test_chinese_search_is_cached_with_a_latin1_etag(app, published):
    client = app.test_client()
    response = client.get("/matrix?q=会计")
    etag = response.headers["ETag"]
    assert etag.isascii() and client.get("/matrix?q=会计", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("url", ["/matrix", "/matrix?q=官微", "/matrix.json"])
def test_rendered_once_per_version_and_never_stale(app, published, url):
    """A repeated request is answered from the rendered body (one version query, no entries query);
    an edit of a published account changes the version, and the next request shows it."""
    from .test_queries import count_queries

    client = app.test_client()
    first = client.get(url).get_data(as_text=True)
    with count_queries(app) as statements:
        assert client.get(url).get_data(as_text=True) == first
    assert len(statements) == 1 and "max" in statements[0].lower()
    with app.app_context():
        db.session.get(Account, published["会计学院官微"]).name = "会计学院官微新名"
        db.session.commit()
    assert "会计学院官微新名" in client.get(url.replace("q=官微", "q=官微新")).get_data(as_text=True)
    assert "会计学院官微新名" in client.get(url).get_data(as_text=True)


def test_public_pages_carry_nothing_per_request(app, published):
    """The rendered pages are shared between visitors: no script (so no CSP nonce), no form token."""
    html = app.test_client().get("/matrix").get_data(as_text=True)
    assert "<script" not in html and "csrf" not in html.lower()


def test_version_changes_when_an_older_qr_code_is_removed(app, published, ctx):
    from services import matrix

    for data in (PNG, PNG):
        db.session.add(Attachment(account_id=published["会计学院官微"], unit_id=published["own_unit"],
                                  kind=AttachmentKind.qr_code, filename="qr.png", content_type="image/png",
                                  size=len(data), content=data, sha256=__import__("hashlib").sha256(data).hexdigest()))
    db.session.commit()
    before = matrix.version()
    older = db.session.query(Attachment).order_by(Attachment.id).first()
    db.session.delete(older)
    db.session.commit()
    assert matrix.version() != before


# The official-account check by the platforms' addresses (issue 15, wrong today 2).

BIZ_URL = "https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzA3NjE2NjQ0MQ==&scene=124#wechat_redirect"


@pytest.fixture
def on_platforms(app, world):
    with app.app_context():
        own_unit = db.session.get(Unit, world["own_unit"])
        ids = {}
        for name, platform, account_id, status, in_matrix, extra in (
            ("云财微博", Platform.weibo, "5123456789", AccountStatus.approved, True, {}),
            ("云财公众号", Platform.wechat_subscription, "ynufe_news", AccountStatus.approved, True,
             {"wechat_original_id": "gh_aabbccddeeff", "homepage_url": BIZ_URL}),
            ("云财抖音", Platform.douyin, "ynufe_dy", AccountStatus.approved, True,
             {"homepage_url": "https://www.douyin.com/user/MS4wLjABAAAA1b2c3d?from_tab_name=main"}),
            ("云财B站", Platform.bilibili, "12345678", AccountStatus.approved, True,
             {"homepage_url": "https://b23.tv/Ynufe01"}),
            ("云财快手", Platform.kuaishou, "https://www.kuaishou.com/profile/3xreal", AccountStatus.approved, True, {}),
            ("云财网站", Platform.other, "ynufe-site", AccountStatus.approved, True,
             {"platform_other": "网站", "homepage_url": "https://news.ynufe.edu.cn/"}),
            ("停运微博", Platform.weibo, "5000000001", AccountStatus.suspended, False, {}),
            ("注销B站", Platform.bilibili, "87654321", AccountStatus.closed, False, {}),
            ("未发布快手", Platform.kuaishou, "3xhidden", AccountStatus.approved, False, {}),
            ("待审小红书", Platform.xiaohongshu, "5f0a1b2c3d4e5f6a7b8c9d0e", AccountStatus.dept_review, False, {}),
        ):
            account = make_account(own_unit, name, status=status, platform=platform, account_id=account_id, **extra)
            account.in_matrix = in_matrix
            ids[name] = account.id
        db.session.commit()
    return {**world, **ids}


def check(app, query, **params):
    return app.test_client().get("/matrix/verify", query_string={"q": query, "format": "json", **params}).json


@pytest.mark.parametrize("query, name", [
    ("https://weibo.com/5123456789", "云财微博"),  # the example
    ("weibo.com/u/5123456789/", "云财微博"),
    ("https://m.weibo.cn/u/5123456789?luicode=10000011", "云财微博"),
    ("m.weibo.cn/profile/5123456789", "云财微博"),
    ("ｈｔｔｐｓ：／／ｗｅｉｂｏ．ｃｏｍ／５１２３４５６７８９", "云财微博"),
    ("https://weibo.com/n/云财微博", "云财微博"),
    ("https://mp.weixin.qq.com/s?__biz=MzA3NjE2NjQ0MQ==&mid=2650&idx=1&sn=abc#rd", "云财公众号"),  # an article
    (BIZ_URL.upper().replace("__BIZ", "__biz").replace("MZA3NJE2NJQ0MQ", "MzA3NjE2NjQ0MQ"), "云财公众号"),
    ("gh_aabbccddeeff", "云财公众号"),
    ("https://www.douyin.com/user/MS4wLjABAAAA1b2c3d", "云财抖音"),
    ("douyin.com/user/MS4wLjABAAAA1b2c3d?vid=1", "云财抖音"),
    ("https://space.bilibili.com/12345678", "云财B站"),
    ("https://www.bilibili.com/space/12345678", "云财B站"),
    ("m.bilibili.com/space/12345678/", "云财B站"),
    ("HTTP://WWW.NEWS.YNUFE.EDU.CN", "云财网站"),
    ("news.ynufe.edu.cn/?from=timeline", "云财网站"),
    ("\u3000云财微博 ", "云财微博"),
    ("https://b23.tv/Ynufe01", "云财B站"),  # the short link registered as the homepage
    ("kuaishou.com/profile/3xreal?fid=1", "云财快手"),  # the account ID entered as an address
    ("https://live.kuaishou.com/u/3xreal", "云财快手"),
])
def test_verify_recognises_the_platforms_addresses(app, on_platforms, query, name):
    result = check(app, query)
    assert result["official"] is True and result["recognised"] is True
    assert [m["name"] for m in result["matches"]] == [name]


@pytest.mark.parametrize("query", [
    "https://weibo.com/5999999999", "https://space.bilibili.com/5123456789",  # a weibo ID on another platform
    "https://mp.weixin.qq.com/s?__biz=MzAwMDAwMDAwMA==&mid=1", "https://www.douyin.com/user/MS4someoneelse",
    "https://www.xiaohongshu.com/user/profile/5f0a1b2c3d4e5f6a7b8c9d0e",  # registration still pending
    "https://www.kuaishou.com/profile/3xfake", "https://weibo.com/n/冒牌云财",
])
def test_verify_a_recognised_address_of_no_account_is_not_official(app, on_platforms, query):
    result = check(app, query)
    assert result["official"] is False and result["matches"] == [] and result["recognised"] is True
    html = app.test_client().get("/matrix/verify", query_string={"q": query}).get_data(as_text=True)
    assert "不是" in html and "谨防冒用" in html and "无法识别" not in html


@pytest.mark.parametrize("query", ["https://example.com/ynufe", "https://weibo.com/hot", "https://mp.weixin.qq.com/s/AbCd",
                                   "https://weibo.com/n/%00", "https://mp.weixin.qq.com/s?__biz=%00%01",
                                   "https://www.douyin.com/video/7312345", "news.ynufe.edu.cn/other"])
def test_verify_an_address_of_unknown_form_is_not_recognised(app, on_platforms, query):
    result = check(app, query)
    assert result == {"query": query, "official": False, "matches": [], "recognised": False,
                      "reason": "unknown_address"}
    html = app.test_client().get("/matrix/verify", query_string={"q": query}).get_data(as_text=True)
    assert "无法识别" in html and "原始ID" in html and "不是" not in html and "谨防冒用" not in html


@pytest.mark.parametrize("query", ["https://v.douyin.com/iJkLmNo/", "复制打开抖音 https://v.douyin.com/iJkLmNo/ 看看",
                                   "https://b23.tv/AbCdEf"])
def test_verify_a_short_link_asks_for_the_profile_address(app, on_platforms, query):
    result = check(app, query)
    assert result["recognised"] is False and result["reason"] == "short_link" and result["official"] is False
    html = app.test_client().get("/matrix/verify", query_string={"q": query}).get_data(as_text=True)
    assert "短链接" in html and "打开该链接" in html and "谨防冒用" not in html


@pytest.mark.parametrize("query, status", [("https://weibo.com/u/5000000001", "suspended"),
                                           ("https://space.bilibili.com/87654321", "closed")])
def test_verify_suspended_and_closed_are_not_official_by_address(app, on_platforms, query, status):
    result = check(app, query)
    assert result["official"] is False and result["recognised"] is True
    assert [(m["status"], m["official"]) for m in result["matches"]] == [(status, False)]


def test_verify_an_approved_account_off_the_matrix_is_still_registered(app, on_platforms):
    """Today's rule, kept: 官方 means 备案 (approved); the matrix flag only decides what the page lists."""
    result = check(app, "https://www.kuaishou.com/profile/3xhidden")
    assert result["official"] is True and result["matches"][0]["name"] == "未发布快手"


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize("headers, params, kind", [
    ({"Accept": "*/*"}, {}, "html"),  # curl's default
    ({}, {}, "html"),
    ({"Accept": BROWSER}, {}, "html"),
    ({"Accept": "text/html, application/json"}, {}, "html"),
    ({"Accept": "application/json"}, {}, "json"),
    ({"Accept": "application/json, text/html;q=0.5"}, {}, "json"),
    ({"Accept": "*/*"}, {"format": "json"}, "json"),
    ({"Accept": BROWSER}, {"format": "json"}, "json"),
])
def test_verify_answers_html_unless_json_is_preferred(app, on_platforms, headers, params, kind):
    response = app.test_client().get("/matrix/verify", query_string={"q": "云财微博", **params}, headers=headers)
    assert response.status_code == 200 and response.mimetype == ("text/html" if kind == "html" else "application/json")
    assert "Accept" in response.vary and response.headers["Cache-Control"] == "no-store"
    if kind == "json":
        assert {"query", "official", "matches"} <= set(response.json) and response.json["official"] is True
    else:
        assert "云财微博" in response.get_data(as_text=True) and "<html" in response.get_data(as_text=True).lower()


@pytest.mark.parametrize("query", ["<script>alert(1)</script>", "https://example.com/<b>x</b>",
                                   "https://weibo.com/n/<img src=x onerror=alert(1)>"])
def test_verify_escapes_the_query(app, on_platforms, query):
    html = app.test_client().get("/matrix/verify", query_string={"q": f"  {query}\u3000"},
                                 headers={"Accept": "*/*"}).get_data(as_text=True)
    assert "<script>alert" not in html and "<b>x" not in html and "<img src=x" not in html
    assert "&lt;" in html
    assert check(app, f"  {query}\u3000")["query"] == query  # trimmed, as typed


def test_verify_answers_are_never_kept_by_the_matrix_version(app, on_platforms):
    """Off-matrix accounts do not change the matrix version: a verify answer must be computed afresh."""
    from services import matrix

    client = app.test_client()
    url = "/matrix?verify=" + "https://weibo.com/u/5000000001"
    assert "停止运行" in client.get(url).get_data(as_text=True)
    with app.app_context():
        before = matrix.version()
        db.session.get(Account, on_platforms["停运微博"]).status = AccountStatus.closed
        db.session.commit()
        assert matrix.version() == before
    assert "已注销" in client.get(url).get_data(as_text=True)
    assert check(app, "https://weibo.com/u/5000000001")["matches"][0]["status"] == "closed"
    assert "停止运行" not in client.get("/matrix").get_data(as_text=True)  # nor kept for the plain page
    assert "停止运行" not in client.get("/matrix").get_data(as_text=True)
