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
        assert f'form-section-title">{title}' in page, title
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
    assert "责任单位</span>：— → <span title=\"unit_id = " in page  # by name (below), the number in the title
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


def _logged_change(world, **changes):
    return AuditLog(action=AuditAction.update, object_type="Account", object_id=world["own_account"],
                    object_label="本单位帐号", unit_id=world["own_unit"], changes=changes)


def test_the_audit_log_shows_local_times_and_names_not_ids(app, world, login_as):
    """A logged time (UTC, ISO) reads as the local time; a logged id as the record's name, the raw value kept."""
    from models import Unit, User

    with app.app_context():
        unit = db.session.get(Unit, world["own_unit"])
        approver = db.session.query(User).filter_by(username="dept").one()
        entry = _logged_change(world, approved_at=[None, "2026-12-01T15:50:40.992026"], created_on=["2026-09-01", None],
                               unit_id=[world["other_unit"], unit.id], approved_by_id=[None, approver.id],
                               account_id=[999999, None])
        db.session.add(entry)
        db.session.commit()
        entry_id, unit_name, approver_name = entry.id, unit.name, approver.display_name
        other_name = db.session.get(Unit, world["other_unit"]).name
    client = login_as("dept_admin")
    for url in ("/admin/audit/", f"/admin/audit/details/?id={entry_id}"):
        page = client.get(url).get_data(as_text=True)
        assert "2026年12月1日 23:50" in page and "2026年9月1日" in page, url
        assert "2026-12-01T15:50" not in page and "2026-09-01" not in page, url
        assert f'<span title="unit_id = {world["own_unit"]}">{unit_name}</span>' in page, url
        assert f">{other_name}</span>" in page and f">{approver_name}</span>" in page, url
        assert "编号 999999" in page, url  # a record deleted since: its number is all there is


def test_a_unit_user_reads_only_names_of_their_own_unit_in_the_history(app, world, login_as):
    """An id in one of the unit's entries that points into another unit (an account moved in from there, its
    people, the department's approver) stays a number for a unit user; the department sees the names."""
    from models import Account, Manager, Unit, User

    with app.app_context():
        other_unit = db.session.get(Unit, world["other_unit"])
        other_account = db.session.get(Account, world["other_account"])
        other_person = db.session.get(Manager, world["other_manager"])
        approver = db.session.query(User).filter_by(username="dept").one()
        own_unit = db.session.get(Unit, world["own_unit"])
        entry = _logged_change(world, unit_id=[other_unit.id, own_unit.id], account_id=[other_account.id, None],
                               manager_id=[other_person.id, None], approved_by_id=[None, approver.id])
        db.session.add(entry)
        db.session.commit()
        entry_id = entry.id
        foreign = (other_unit.name, other_account.name, other_person.name, approver.display_name)
        own_name = own_unit.name
    for role in ("unit_editor", "unit_leader"):
        page = login_as(role).get(f"/admin/audit/details/?id={entry_id}").get_data(as_text=True)
        assert own_name in page
        assert not [name for name in foreign if f">{name}</span>" in page], role
        assert f"编号 {other_unit.id}" in page
    page = login_as("dept_admin").get(f"/admin/audit/details/?id={entry_id}").get_data(as_text=True)
    assert all(f">{name}</span>" in page for name in foreign)


def test_the_audit_log_looks_names_up_once_per_page(app, world, login_as):
    from .test_queries import count_queries

    client = login_as("dept_admin")
    counts = []
    for n in (1, 6):
        with app.app_context():
            for _ in range(n):
                db.session.add(_logged_change(world, unit_id=[world["other_unit"], world["own_unit"]],
                                              account_id=[world["own_account"], world["other_account"]]))
            db.session.commit()
        client.get("/admin/audit/")
        with count_queries(app) as statements:
            assert client.get("/admin/audit/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_the_importers_notes_read_in_chinese(app, world, login_as):
    with app.app_context():
        db.session.add(AuditLog(action=AuditAction.import_, note="Excel import: 1 units, 2 managers, 3 accounts"))
        db.session.add(_logged_change(world))
        db.session.flush()
        db.session.query(AuditLog).filter(AuditLog.note.is_(None), AuditLog.object_type == "Account") \
            .update({"note": "Excel import"})
        db.session.commit()
    page = login_as("dept_admin").get("/admin/audit/").get_data(as_text=True)
    assert "Excel 导入：1 个单位、2 名管理人员、3 个帐号" in page and "Excel import" not in page


def test_a_time_filter_takes_the_time_a_person_reads(app, world, login_as):
    """The audit log's 时间 filter: 23:00 typed means 23:00 in Beijing (15:00 UTC)."""
    import datetime as dt

    from flask_admin.contrib.sqla import filters as sqla_filters

    with app.app_context():
        entry = _logged_change(world, name=["旧名", "时区测试帐号"])
        entry.at = dt.datetime(2026, 12, 1, 15, 50)  # 23:50 in Beijing
        db.session.add(entry)
        db.session.commit()
        view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "audit")
        after = view.filter_url_arg("at", sqla_filters.DateTimeGreaterFilter)
        before = view.filter_url_arg("at", sqla_filters.DateTimeSmallerFilter)
    client = login_as("dept_admin")
    assert "时区测试帐号" in client.get(f"/admin/audit/?{after}=2026-12-01 23:00:00").get_data(as_text=True)
    assert "时区测试帐号" not in client.get(f"/admin/audit/?{before}=2026-12-01 23:00:00").get_data(as_text=True)
