"""What the Chinese interface shows: one date format, helpful empty lists, labels instead of codes."""
import datetime as dt

from flask_babel import force_locale

from services.text import date_text, datetime_text, month_text
from models import AuditAction, AuditLog, db


def test_dates_times_and_months_read_as_on_the_paper_forms(app):
    with app.test_request_context("/"):
        assert date_text(dt.date(2026, 11, 5)) == "2026年11月5日"
        # Stored in UTC, shown in Asia/Shanghai (8 hours ahead): the day may change too.
        assert datetime_text(dt.datetime(2026, 11, 25, 6, 30)) == "2026年11月25日 14:30"
        assert datetime_text(dt.datetime(2026, 11, 25, 17, 5)) == "2026年11月26日 01:05"
        assert month_text(dt.date(2026, 10, 1)) == "2026年10月"
        assert date_text(None) == datetime_text(None) == month_text(None) == ""
        with force_locale("en"):
            assert date_text(dt.date(2026, 11, 5)) == "November 5, 2026"
            assert month_text(dt.date(2026, 10, 1)) == "Oct 2026"


def test_lists_and_pages_use_the_chinese_formats(app, world, login_as):
    client = login_as("unit_editor")
    reports = client.get("/admin/reports/").get_data(as_text=True)
    assert "2026年10月" in reports and '<td class="col-period">\n                        2026-10' not in reports
    home = client.get("/admin/").get_data(as_text=True)
    assert "年" in home.split("日常监管", 1)[1][:400]


def test_an_empty_list_tells_a_unit_user_what_to_do(app, world, login_as):
    client = login_as("unit_editor")
    page = client.get("/admin/changes/").get_data(as_text=True)
    assert "本单位还没有变更备案" in page and "新建" in page
    assert "表中没有任何记录" not in page
    page = client.get("/admin/violations/").get_data(as_text=True)
    assert "本单位没有违规记录。" in page


def test_an_empty_list_for_the_department_speaks_of_all_units(app, world, login_as):
    page = login_as("dept_admin").get("/admin/changes/").get_data(as_text=True)
    assert "还没有任何变更备案。" in page and "本单位" not in page


def test_an_empty_search_says_the_filters_hide_the_records(app, world, login_as):
    client = login_as("unit_editor")
    page = client.get("/admin/accounts/?search=没有这个帐号").get_data(as_text=True)
    assert "没有符合搜索或筛选条件的记录" in page


def test_the_account_form_is_grouped_in_chinese_without_internal_fields(app, world, login_as):
    client = login_as("unit_editor")
    page = client.get("/admin/accounts/new/").get_data(as_text=True)
    for title in ("基本信息", "媒体定位", "管理队伍"):
        assert f'pb-1">{title}' in page, title
    assert "Basic information" not in page and "Row Version" not in page and "新建" in page
    edit = client.get(f"/admin/accounts/edit/?id={world['own_account']}").get_data(as_text=True)
    assert edit.count('name="row_version"') == 1 and "Row Version" not in edit


def test_the_audit_log_shows_labels_not_codes(app, world, login_as):
    with app.app_context():
        db.session.add(AuditLog(action=AuditAction.update, object_type="Account", object_id=world["own_account"],
                                object_label="本单位帐号", unit_id=world["own_unit"],
                                changes={"status": ["draft", "unit_review"], "unit_id": [None, world["own_unit"]],
                                         "maintenance": ["self_run", "outsourced"]}))
        db.session.commit()
    page = login_as("dept_admin").get("/admin/audit/").get_data(as_text=True)
    assert "草稿 → 待单位审核" in page and "自行维护 → 委托第三方" in page
    assert "责任单位（编号）" in page
    assert "unit_review" not in page and "self_run" not in page and ">unit_id<" not in page


def test_flask_admin_words_are_office_chinese(app, world, login_as):
    page = login_as("dept_admin").get("/admin/accounts/").get_data(as_text=True)
    compact = page.replace("\n", "").replace(" ", "")
    assert "批量操作" in page and "每页20条" in compact and ">新建<" in compact
    assert ">选中的<" not in compact and "20项目" not in compact


def test_an_export_in_the_audit_log_reads_as_a_sentence(app, world, login_as):
    client = login_as("dept_admin")
    assert client.get("/admin/accounts/export/xlsx/?search=帐号").status_code == 200
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "导出了新媒体帐号（Excel）" in page and "accounts xlsx" not in page
