"""The platforms' address forms (官方帐号查验): what a pasted address points at, without the database."""
import pytest

from services.account_urls import AccountRef, clean, looks_like_url, parse

WEIBO_ID = AccountRef("weibo", "id", "5123456789")
BIZ = AccountRef("wechat", "biz", "mza3nje2njq0mq")
SEC_UID = AccountRef("douyin", "id", "ms4wljabaaaa1b2c3d")
BILI = AccountRef("bilibili", "id", "12345678")


@pytest.mark.parametrize("text, ref", [
    # 微博: weibo.com/u/ID, weibo.com/ID, m.weibo.cn/u/ID, m.weibo.cn/profile/ID, weibo.com/p/100505ID
    ("https://weibo.com/u/5123456789", WEIBO_ID),
    ("https://weibo.com/5123456789", WEIBO_ID),
    ("weibo.com/5123456789", WEIBO_ID),
    ("http://www.weibo.com/5123456789/", WEIBO_ID),
    ("HTTPS://WEIBO.COM/U/5123456789?refer_flag=1001030103_&is_all=1#place", WEIBO_ID),
    ("https://weibo.com/5123456789/NabcDEF12", WEIBO_ID),  # a post: the account ID comes first
    ("https://m.weibo.cn/u/5123456789?uid=5123456789&luicode=10000011", WEIBO_ID),
    ("m.weibo.cn/profile/5123456789", WEIBO_ID),
    ("https://weibo.com/p/1005055123456789/home?from=page_100505", WEIBO_ID),
    ("ｈｔｔｐｓ：／／ｗｅｉｂｏ．ｃｏｍ／５１２３４５６７８９", WEIBO_ID),  # full-width
    ("\u3000 https://weibo.com/u/5123456789 \u3000", WEIBO_ID),
    ("“https://weibo.com/u/5123456789”。", WEIBO_ID),
    ("https://weibo.com/n/云财会计", AccountRef("weibo", "name", "云财会计")),
    ("https://weibo.com/n/%E4%BA%91%E8%B4%A2%E4%BC%9A%E8%AE%A1", AccountRef("weibo", "name", "云财会计")),
    ("https://weibo.com/YNUFE", AccountRef("weibo", "id", "ynufe")),  # 个性域名
    # 微信公众号: any mp.weixin.qq.com address with __biz, and the 原始ID alone
    ("https://mp.weixin.qq.com/s?__biz=MzA3NjE2NjQ0MQ==&mid=2650&idx=1&sn=abc#rd", BIZ),
    ("mp.weixin.qq.com/s?__biz=MzA3NjE2NjQ0MQ%3D%3D&mid=2650", BIZ),
    ("https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzA3NjE2NjQ0MQ==&scene=124#wechat_redirect", BIZ),
    ("https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzA3NjE2NjQ0MQ", BIZ),
    ("gh_00112233aabb", AccountRef("wechat", "original_id", "gh_00112233aabb")),
    (" GH_00112233AABB ", AccountRef("wechat", "original_id", "gh_00112233aabb")),
    # 抖音
    ("https://www.douyin.com/user/MS4wLjABAAAA1b2c3d", SEC_UID),
    ("douyin.com/user/MS4wLjABAAAA1b2c3d?from_tab_name=main&vid=7", SEC_UID),
    ("https://www.iesdouyin.com/share/user/123?sec_uid=MS4wLjABAAAA1b2c3d", SEC_UID),
    # 哔哩哔哩
    ("https://space.bilibili.com/12345678", BILI),
    ("space.bilibili.com/12345678/video?tid=0", BILI),
    ("https://www.bilibili.com/space/12345678", BILI),  # legacy
    ("https://m.bilibili.com/space/12345678", BILI),
    # 快手, 小红书, 知乎, 今日头条
    ("https://www.kuaishou.com/profile/3xabcdef123", AccountRef("kuaishou", "id", "3xabcdef123")),
    ("https://live.kuaishou.com/u/3xabcdef123", AccountRef("kuaishou", "id", "3xabcdef123")),
    ("https://www.xiaohongshu.com/user/profile/5f0a1b2c3d4e5f6a7b8c9d0e?xsec_token=x",
     AccountRef("xiaohongshu", "id", "5f0a1b2c3d4e5f6a7b8c9d0e")),
    ("https://www.zhihu.com/people/ynufe-news", AccountRef("zhihu", "id", "ynufe-news")),
    ("https://www.zhihu.com/org/ynufe", AccountRef("zhihu", "id", "ynufe")),
    ("https://www.toutiao.com/c/user/token/MS4wLjABAAAAtt/", AccountRef("toutiao", "id", "ms4wljabaaaatt")),
    ("https://www.toutiao.com/c/user/123456/", AccountRef("toutiao", "id", "123456")),
])
def test_profile_forms(text, ref):
    parsed = parse(text)
    assert parsed is not None and parsed.ref == ref and not parsed.short_link


@pytest.mark.parametrize("text", [
    "https://v.douyin.com/iJkLmNo/", "7.43 复制打开抖音，看看【云财会计的作品】 https://v.douyin.com/iJkLmNo/ a@b.cn 08/12",
    "https://b23.tv/AbCdEf", "http://xhslink.com/a/AbCdEf", "https://v.kuaishou.com/AbCd", "http://t.cn/A6abc",
])
def test_short_links_need_the_platform(text):
    parsed = parse(text)
    assert parsed is not None and parsed.short_link and parsed.ref is None


@pytest.mark.parametrize("text", [
    "https://example.com/fake-ynufe", "https://weibo.com/hot", "https://weibo.com", "https://m.weibo.cn/status/4912",
    "https://mp.weixin.qq.com/s/AbCdEfGh123", "https://www.douyin.com/video/7312345", "https://www.bilibili.com/video/BV1xx",
    "https://space.bilibili.com/ynufe", "https://www.xiaohongshu.com/explore/65a1b2", "https://www.zhihu.com/question/1",
    "https://weibo.com/n/%00", "https://mp.weixin.qq.com/s?__biz=%00", "https://www.douyin.com/user/%1f",
])
def test_other_forms_point_at_no_account(text):
    parsed = parse(text)
    assert parsed is not None and parsed.ref is None and not parsed.short_link


@pytest.mark.parametrize("text", ["会计学院官微", "5123456789", "id-会计学院官微", "会计/学院", "云财.青年", "", "   ",
                                  "gh_zzzzzzzzzzzz", "' OR 1=1 --", "ynufe_news"])
def test_names_and_ids_are_not_addresses(text):
    assert parse(text) is None and not looks_like_url(text)


@pytest.mark.parametrize("a, b", [
    ("https://news.ynufe.edu.cn/", "news.ynufe.edu.cn"),
    ("HTTP://WWW.Example.COM/Home/", "https://example.com/home"),
    ("https://example.com/home#top", "example.com/home"),
    ("ｅｘａｍｐｌｅ．ｃｏｍ／ｈｏｍｅ", "example.com/home"),
])
def test_plain_addresses_normalised(a, b):
    assert parse(a).address == parse(b).address


def test_query_string_kept_apart():
    parsed = parse("https://example.com/index.php?id=5#x")
    assert parsed.address == "example.com/index.php" and parsed.address_with_query == "example.com/index.php?id=5"


def test_clean_takes_the_link_out_of_a_share_text():
    assert clean("【云财会计】 https://weibo.com/u/5123456789 ，快来看") == "https://weibo.com/u/5123456789"
    assert clean("\u3000云财会计\u3000") == "云财会计"


@pytest.mark.parametrize("text", ["http://[::1", "https://weibo.com:99999/1", "http://" + "a" * 300 + ".com/" + "%" * 50])
def test_bad_addresses_do_not_raise(text):
    parse(text)
