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
    editor = login_as("unit_editor")
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
