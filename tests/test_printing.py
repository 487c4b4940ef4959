"""Printable forms: the wording of the paper originals, filled from the record, Chinese embedded."""
import io
import re

import pytest
from pypdf import PdfReader

from models import Account, db


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    fonts = {str(f) for page in reader.pages for f in (page["/Resources"]["/Font"] or {}).values()}
    assert fonts, "no embedded font"
    # pypdf returns the two-byte glyph codes with NULs between characters: drop them and the spacing.
    return re.sub(r"[\s\x00]+", "", "".join(page.extract_text() for page in reader.pages))


def test_registration_form_has_the_paper_rows_and_the_record(app, world, login_as):
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.positioning_function = "发布学院动态"
        account.verified = True
        db.session.commit()
    text = _text(login_as("unit_editor").get(f"/print/accounts/{world['own_account']}.pdf"))
    for words in ("云南财经大学新媒体帐号备案审批表", "帐号名称", "单位主要负责人", "创建主体", "职务", "责任单位",
                  "联系电话", "媒体类型", "微博", "APP", "其他类型", "创建时间", "是否认证", "微信公众号原始ID",
                  "媒体定位", "管理队伍", "负责人", "管理员", "联系电话/邮箱", "单位意见" if False else "意见",
                  "已知我单位开设此新媒体帐号，并明确对此帐号及发布内容负有管理责任。", "单位负责人签字",
                  "加盖单位公章", "党委", "宣传部", "注：1.此纸质备案表一式两份", "媒体定位主要指媒体的功能定位",
                  "本单位帐号", "会计学院", "2026年9月1日", "功能定位：发布学院动态", "■微博"):
        assert words in text, words


def test_report_form_has_the_paper_rows(app, world, login_as):
    text = _text(login_as("unit_editor").get(f"/print/reports/{world['own_report']}.pdf"))
    for words in ("云南财经大学新媒体管理月报表", "建设单位", "媒体平台", "帐号名称", "账号ID", "报送时间",
                  "发布信息数量", "主题及", "是否涉密", "管理人员", "每月1日至5日", "致远楼604-2", "可附页",
                  "本单位帐号", "2026年10月"):
        assert words in text, words


def test_forms_are_chinese_even_in_english(app, world, login_as):
    client = login_as("unit_editor")
    client.get("/admin/?lang=en")
    assert "帐号名称" in _text(client.get(f"/print/accounts/{world['own_account']}.pdf"))


@pytest.mark.parametrize("url", ["/print/accounts/{other_account}.pdf", "/print/reports/{other_report}.pdf",
                                 "/print/accounts/999999.pdf"])
def test_foreign_forms_answer_404(app, world, login_as, url):
    assert login_as("unit_editor").get(url.format(**world)).status_code == 404


def test_anonymous_is_sent_to_login(app, world):
    response = app.test_client().get(f"/print/accounts/{world['own_account']}.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_details_page_links_to_the_printable_form(app, world, login_as):
    html = login_as("unit_editor").get(f"/admin/accounts/details/?id={world['own_account']}").get_data(as_text=True)
    assert f"/print/accounts/{world['own_account']}.pdf" in html


def test_dates_are_printed_in_the_configured_zone(app, world, login_as):
    """报送时间 2026-12-03 16:30 UTC is 2026-12-04 00:30 in Beijing: the form says 2026年12月4日."""
    import datetime as dt

    from models import MonthlyReport

    with app.app_context():
        report = db.session.get(MonthlyReport, world["own_report"])
        report.submitted_at = report.unit_signed_at = report.approved_at = dt.datetime(2026, 12, 3, 16, 30)
        account = db.session.get(Account, world["own_account"])
        account.unit_signed_at = account.approved_at = dt.datetime(2026, 12, 3, 16, 30)
        db.session.commit()
    client = login_as("unit_editor")
    report_text = _text(client.get(f"/print/reports/{world['own_report']}.pdf"))
    assert report_text.count("2026年12月4日") == 3 and "2026年12月3日" not in report_text
    account_text = _text(client.get(f"/print/accounts/{world['own_account']}.pdf"))
    assert account_text.count("2026年12月4日") == 2 and "2026年12月3日" not in account_text
