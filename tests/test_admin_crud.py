"""Create, edit and delete through the admin screens: rules on the form, bad input, audit trail."""
import datetime as dt

import pytest

from models import Account, AccountStatus, AuditAction, AuditLog, Manager, MonthlyReport, Unit, db


def account_form(world, **overrides):
    data = {
        "name": "新建帐号", "platform": "weibo", "platform_account_id": "new-weibo-1",
        "creator_entity": "会计学院", "created_on": "2026-09-01", "maintenance": "self_run",
        "team-0-manager": str(world["own_manager"]), "team-0-role": "head",
        "team-1-manager": str(world["own_admin"]), "team-1-role": "admin",
    }
    data.update(overrides)
    return data


def test_editor_creates_an_account_with_its_team(app, world, login_as):
    client = login_as("unit_editor")
    response = client.post("/admin/accounts/new/", data=account_form(world))
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with app.app_context():
        account = db.session.query(Account).filter_by(name="新建帐号").one()
        assert account.unit_id == world["own_unit"]
        assert account.status == AccountStatus.draft
        assert {m.manager_id for m in account.team} == {world["own_manager"], world["own_admin"]}
        entry = db.session.query(AuditLog).filter_by(object_type="Account", object_id=account.id).one()
        assert entry.action == AuditAction.create and entry.ip == "127.0.0.1"
        assert entry.changes["name"] == [None, "新建帐号"]
        assert entry.unit_id == world["own_unit"]
        team_entries = db.session.query(AuditLog).filter_by(object_type="TeamMember", action=AuditAction.create)
        assert any(e.changes["account_id"] == [None, account.id] for e in team_entries)


def test_edit_records_field_level_before_and_after(app, world, login_as):
    client = login_as("unit_editor")
    page = client.get(f"/admin/accounts/edit/?id={world['own_account']}").get_data(as_text=True)
    assert "本单位帐号" in page
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        version = account.version
        form = account_form(world, name="改名后的帐号", platform_account_id=account.platform_account_id,
                            row_version=str(version))
        form.update({"team-0-id": str(account.team[0].id), "team-0-manager": str(account.team[0].manager_id),
                     "team-0-role": "head", "team-1-id": str(account.team[1].id),
                     "team-1-manager": str(account.team[1].manager_id), "team-1-role": "admin"})
    response = client.post(f"/admin/accounts/edit/?id={world['own_account']}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with app.app_context():
        entry = db.session.query(AuditLog).filter_by(object_type="Account", action=AuditAction.update).one()
        assert entry.changes["name"] == ["本单位帐号", "改名后的帐号"]
        assert entry.user.username == "editor"


def test_stale_edit_is_refused_not_lost(app, world, login_as):
    client = login_as("dept_admin")
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        old_version = account.version
        account.name = "别人先保存的名称"
        db.session.commit()
        form = account_form(world, name="我的名称", platform_account_id=account.platform_account_id,
                            unit=str(account.unit_id), row_version=str(old_version))
        form.update({"team-0-id": str(account.team[0].id), "team-0-manager": str(account.team[0].manager_id),
                     "team-0-role": "head", "team-1-id": str(account.team[1].id),
                     "team-1-manager": str(account.team[1].manager_id), "team-1-role": "admin"})
    response = client.post(f"/admin/accounts/edit/?id={world['own_account']}", data=form)
    assert response.status_code == 200
    assert "重新加载" in response.get_data(as_text=True) or "刷新" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Account, world["own_account"]).name == "别人先保存的名称"


def test_deleting_a_draft_is_audited(app, world, login_as):
    client = login_as("unit_editor")
    response = client.post("/admin/reports/delete/", data={"id": world["own_report"], "url": "/admin/reports/"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(MonthlyReport, world["own_report"]) is None
        entry = db.session.query(AuditLog).filter_by(action=AuditAction.delete).one()
        assert entry.object_type == "MonthlyReport" and entry.changes["post_count"] == [3, None]


def test_registered_account_is_not_deleted(app, world, login_as):
    with app.app_context():
        db.session.get(Account, world["own_account"]).status = AccountStatus.approved
        db.session.get(Account, world["own_account"]).approved_at = dt.datetime(2026, 9, 5)
        db.session.commit()
    client = login_as("dept_admin")
    client.post("/admin/accounts/delete/", data={"id": world["own_account"]})
    with app.app_context():
        assert db.session.get(Account, world["own_account"]) is not None


@pytest.mark.parametrize("overrides, message", [
    ({"name": ""}, "必填"),
    ({"name": "长" * 101}, "100"),
    ({"created_on": "not-a-date"}, "日期"),
    ({"created_on": "2999-01-01"}, "晚于今天"),
    ({"platform": "no-such-platform"}, "不是有效的选择"),
    ({"platform": "wechat_subscription"}, "原始ID"),
    ({"platform": "wechat_service", "wechat_original_id": "gh_12345"}, "gh_"),
    ({"homepage_url": "javascript:alert(1)"}, "http"),
    ({"team-0-manager": "999999"}, ""),
])
def test_bad_account_input_gets_a_message_and_writes_nothing(app, world, login_as, overrides, message):
    client = login_as("unit_editor")
    response = client.post("/admin/accounts/new/", data=account_form(world, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Account).count() == 2


def test_duplicate_platform_account_is_refused(app, world, login_as):
    client = login_as("dept_admin")
    with app.app_context():
        existing = db.session.get(Account, world["other_account"])
        data = account_form(world, platform_account_id=existing.platform_account_id, unit=str(world["own_unit"]))
    response = client.post("/admin/accounts/new/", data=data)
    assert response.status_code == 200
    assert "已有使用此帐号ID" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Account).count() == 2


@pytest.mark.parametrize("code", ["abc", "TOO-LONG-CODE-WITH-DASH", "A" * 21, ""])
def test_unit_code_rule(app, world, login_as, code):
    response = login_as("dept_admin").post("/admin/units/new/", data={"code": code, "name": "新单位",
                                                                       "kind": "college", "active": "y"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(Unit).count() == 2


def test_duplicate_unit_name_is_refused(app, world, login_as):
    response = login_as("dept_admin").post("/admin/units/new/", data={"code": "NEW1", "name": "会计学院",
                                                                       "kind": "college"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(Unit).count() == 2


@pytest.mark.parametrize("post_count", ["-1", "abc", "1e9"])
def test_bad_post_count(app, world, login_as, post_count):
    client = login_as("unit_editor")
    response = client.post("/admin/reports/new/", data={"account": world["own_account"], "period": "2026-09-01",
                                                         "post_count": post_count})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(MonthlyReport).count() == 2


def test_report_for_a_future_month_is_refused(app, world, login_as):
    response = login_as("unit_editor").post("/admin/reports/new/", data={
        "account": world["own_account"], "period": "2999-01-01", "post_count": "3"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(MonthlyReport).count() == 2


def test_second_report_for_a_month_is_refused(app, world, login_as):
    response = login_as("unit_editor").post("/admin/reports/new/", data={
        "account": world["own_account"], "period": "2026-10-15", "post_count": "3"})
    assert response.status_code == 200
    assert "已有" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(MonthlyReport).count() == 2


def test_new_report_takes_the_snapshot_and_first_day(app, world, login_as):
    response = login_as("unit_editor").post("/admin/reports/new/", data={
        "account": world["own_account"], "period": "2026-09-17", "post_count": "8", "topics": "新闻"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        report = db.session.query(MonthlyReport).filter_by(post_count=8).one()
        assert report.period == dt.date(2026, 9, 1)
        assert report.snapshot_account_name == "本单位帐号" and report.unit_id == world["own_unit"]
        assert {p["role"] for p in report.snapshot_staff} == {"head", "admin"}


def test_manager_on_a_team_cannot_be_deleted(app, world, login_as):
    response = login_as("unit_editor").post("/admin/managers/delete/", data={"id": world["own_manager"]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Manager, world["own_manager"]) is not None


def test_audit_log_is_append_only(app, world):
    with app.app_context():
        entry = db.session.query(AuditLog).first() or AuditLog(action=AuditAction.login)
        if entry.id is None:
            db.session.add(entry)
            db.session.commit()
        entry.note = "tampered"
        with pytest.raises(PermissionError):
            db.session.commit()
        db.session.rollback()


def test_history_link_on_details_page(app, world, login_as):
    client = login_as("unit_editor")
    html = client.get(f"/admin/accounts/details/?id={world['own_account']}").get_data(as_text=True)
    assert f"object=Account:{world['own_account']}" in html or f"object=Account%3A{world['own_account']}" in html


def test_new_account_gets_its_registration_due_date(app, world, login_as, ctx):
    from services.workdays import sync_from_chinese_calendar

    sync_from_chinese_calendar()
    db.session.commit()
    response = login_as("unit_editor").post("/admin/accounts/new/", data=account_form(world, created_on="2026-09-25"))
    assert response.status_code == 302
    # 中秋节 and the National Day holiday are skipped (第六条: five working days).
    assert db.session.query(Account).filter_by(name="新建帐号").one().registration_due == dt.date(2026, 10, 9)


def test_account_cannot_predate_its_unit(app, world, login_as):
    with app.app_context():
        db.session.get(Unit, world["own_unit"]).established_on = dt.date(2026, 9, 10)
        db.session.commit()
    response = login_as("unit_editor").post("/admin/accounts/new/", data=account_form(world, created_on="2026-09-01"))
    assert response.status_code == 200 and "2026年9月10日" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Account).count() == 2


def test_audit_entry_page_has_no_dead_history_link(app, world, login_as):
    with app.app_context():
        entry_id = db.session.query(AuditLog.id).order_by(AuditLog.id).first()[0]
    html = login_as("dept_admin").get(f"/admin/audit/details/?id={entry_id}").get_data(as_text=True)
    assert 'href="None"' not in html


@pytest.mark.parametrize("term, expected", [
    ("本单位帐号", {"本单位帐号"}),       # a name: the trigram index on SQLite, ILIKE (trigram GIN) on PostgreSQL
    ("单位帐", {"本单位帐号", "外单位帐号"}),
    ("帐号", {"本单位帐号", "外单位帐号"}),  # two characters: scanned
    ("单位 本单", {"本单位帐号"}),         # every word must match
    ('帐号" OR "x', set()),               # quotes are text, not query syntax
    ("edi", {"editor"}),                  # the login name column too (case-insensitive)
    ("EDI", {"editor"}),
])
def test_audit_search(app, world, login_as, term, expected):
    with app.app_context():
        from models import AuditLog

        db.session.add(AuditLog(action=AuditAction.login, username="editor", object_label="editor"))
        db.session.commit()
    html = login_as("dept_admin").get("/admin/audit/?" + __import__("urllib.parse").parse.urlencode(
        {"search": term, "page_size": 100})).get_data(as_text=True)
    import re

    found = {cell.strip() for cell in re.findall(r'<td class="col-object_label">(.*?)</td>', html, re.S)}
    assert found >= expected and not ({"本单位帐号", "外单位帐号"} - expected) & found


def test_the_department_moving_an_account_on_its_form_moves_its_records(app, world, login_as):
    """The account's unit changed on the edit form: its reports (and other records) go with it, as with the bulk
    move (services.bulk.carry_records) — the new unit sees the account's history, the old one no longer does."""
    client = login_as("dept_admin")
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        form = account_form(world, name=account.name, platform_account_id=account.platform_account_id,
                            unit=str(world["other_unit"]), row_version=str(account.version))
        form.update({"team-0-id": str(account.team[0].id), "team-0-manager": str(account.team[0].manager_id),
                     "team-0-role": "head", "team-1-id": str(account.team[1].id),
                     "team-1-manager": str(account.team[1].manager_id), "team-1-role": "admin"})
        reports = [r.id for r in db.session.query(MonthlyReport).filter_by(account_id=account.id)]
        assert reports and {r.unit_id for r in db.session.query(MonthlyReport).filter_by(account_id=account.id)} \
            == {world["own_unit"]}
    response = client.post(f"/admin/accounts/edit/?id={world['own_account']}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with app.app_context():
        assert db.session.get(Account, world["own_account"]).unit_id == world["other_unit"]
        assert {db.session.get(MonthlyReport, r).unit_id for r in reports} == {world["other_unit"]}
