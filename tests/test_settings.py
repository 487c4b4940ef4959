"""系统设置 (issue 15, "Shaped by the tasks" 7): the dormant thresholds, the assessment's weights and the
reminders' lead days are the department's settings; the configuration gives only the defaults."""
import datetime as dt

import pytest

from models import Account, AccountStatus, Assessment, AuditLog, MonthlyReport, ReviewStatus, Setting, User, db
from services import reports, settings
from services.assessment import compute
from services.reminders import items_for
from services.workdays import add_working_days


DEFAULTS = {"dormant_no_posts_months": 3, "dormant_no_report_months": 2, "weight_registered_on_time": 20,
            "weight_reports_on_time": 50, "weight_posts": 20, "weight_no_violation": 10, "weight_per_violation": 10,
            "assessment_posts_target": 120, "reminder_lead_working_days": 2,
            # 发布报批 (第十二条): a deduction outside the sum of 100, and the department's answer times.
            "weight_per_unauthorised_publication": 5, "publication_urgent_hours": 4, "publication_working_days": 3,
            "weight_missing_governance": 5}


def _form(**changed) -> dict:
    return {key: str(value) for key, value in {**DEFAULTS, **changed}.items()}


def _save(login_as, **changed):
    return login_as("dept_admin").post("/admin/settings/", data=_form(**changed))


def test_defaults_come_from_the_configuration(app, ctx, monkeypatch):
    assert settings.values() == DEFAULTS
    monkeypatch.setitem(app.config, "DORMANT_NO_POSTS_MONTHS", 5)
    monkeypatch.setitem(app.config, "REMINDER_LEAD_WORKING_DAYS", 4)
    monkeypatch.setitem(app.config, "ASSESSMENT_WEIGHTS", {**app.config["ASSESSMENT_WEIGHTS"], "per_violation": 5})
    assert (settings.value("dormant_no_posts_months"), settings.value("reminder_lead_working_days"),
            settings.weights()["per_violation"]) == (5, 4, 5)


def test_weights_left_out_of_the_configuration_keep_their_built_in_default(app, ctx, monkeypatch):
    """A configured ASSESSMENT_WEIGHTS without some parts used to raise KeyError on reading them."""
    monkeypatch.setitem(app.config, "ASSESSMENT_WEIGHTS", {"posts": 30, "no_violation": 0})
    assert settings.weights() == {"registered_on_time": 20, "reports_on_time": 50, "posts": 30,
                                  "no_violation": 0, "per_violation": 10, "per_unauthorised_publication": 5,
                                  "missing_governance": 5}
    assert settings.value("weight_per_violation") == 10


def test_a_saved_value_replaces_the_default_at_once(app, world, login_as):
    dept = login_as("dept_admin")
    response = dept.post("/admin/settings/", data=_form(dormant_no_posts_months=4))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Setting, "dormant_no_posts_months").value == 4
        assert db.session.query(Setting).count() == 1  # only what changed is stored
        assert settings.values() == {**DEFAULTS, "dormant_no_posts_months": 4}
    page = dept.get(response.headers["Location"]).get_data(as_text=True)
    assert "已保存" in page and 'name="dormant_no_posts_months"' in page and 'value="4"' in page


def test_the_screen_reads_in_chinese_with_ranges_and_defaults(app, world, login_as):
    page = login_as("dept_admin").get("/admin/settings/").get_data(as_text=True)
    assert "系统设置" in page and "疑似僵尸号" in page and "年度考核" in page and "催办提醒" in page
    assert "连续未报送月报表的月数" in page and "允许 1 至 12，默认 2" in page
    assert "保存</button>" in page


def _zero_post_reports(account, months: int) -> None:
    last = reports.reporting_period()
    account.created_on = reports.add_months(last, -6)
    for i in range(months):
        db.session.add(MonthlyReport(account=account, unit_id=account.unit_id, period=reports.add_months(last, -i),
                                     post_count=0, status=ReviewStatus.approved, approved_at=dt.datetime(2026, 1, 1),
                                     submitted_at=dt.datetime(2026, 1, 1), snapshot_account_name=account.name))


def test_the_dormant_list_uses_the_saved_threshold(app, world, login_as):
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status, account.approved_at = AccountStatus.approved, dt.datetime(2026, 1, 1)
        db.session.query(MonthlyReport).delete()
        _zero_post_reports(account, 2)  # two reported months without posts: not dormant at the default 3
        db.session.commit()
    dept = login_as("dept_admin")
    assert "本单位帐号" not in dept.get("/admin/reports/dormant/").get_data(as_text=True)
    assert _save(login_as, dormant_no_posts_months=2).status_code == 302
    page = dept.get("/admin/reports/dormant/").get_data(as_text=True)
    assert "本单位帐号" in page and "最近 2 个报送月份均无发布信息" in page
    assert "修改判定标准" in page and "修改判定标准" not in login_as("auditor").get("/admin/reports/dormant/").get_data(
        as_text=True)
    with app.app_context():
        user = db.session.query(User).filter_by(username="dept").one()
        assert [row["account"].id for row in reports.dormant_accounts(user)] == [world["own_account"]]


def test_the_assessment_uses_the_saved_weights_and_target(app, world, login_as):
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status, account.approved_at, account.created_on = (AccountStatus.approved, dt.datetime(2025, 1, 5),
                                                                   dt.date(2025, 1, 2))
        db.session.query(MonthlyReport).delete()
        for month in range(1, 13):
            db.session.add(MonthlyReport(account=account, unit_id=account.unit_id, period=dt.date(2025, month, 1),
                                         post_count=10, status=ReviewStatus.approved,
                                         approved_at=dt.datetime(2025, 6, 1), submitted_at=dt.datetime(2025, 6, 1),
                                         snapshot_account_name=account.name))
        db.session.commit()
        compute(2025, today=dt.date(2026, 3, 1))
        db.session.commit()
        assert float(db.session.query(Assessment).filter_by(account_id=account.id).one().score) == 100.0
    assert _save(login_as, weight_registered_on_time=10, weight_reports_on_time=60,
                 assessment_posts_target=240).status_code == 302
    with app.app_context():
        compute(2025, today=dt.date(2026, 3, 1))
        db.session.commit()
        # 10 + 60 × 12/12 + 20 × 120/240 + 10 = 90
        assert float(db.session.query(Assessment).filter_by(account_id=world["own_account"]).one().score) == 90.0


def test_reminders_use_the_saved_lead_days(app, world, login_as):
    today = dt.date(2026, 12, 1)
    with app.app_context():
        db.session.get(Account, world["own_account"]).registration_due = add_working_days(today, 4)
        db.session.commit()
        editor = db.session.query(User).filter_by(username="editor").one()
        assert not [line for line in items_for(editor, today) if "本单位帐号" in line]
    assert _save(login_as, reminder_lead_working_days=4).status_code == 302
    with app.app_context():
        editor = db.session.query(User).filter_by(username="editor").one()
        assert [line for line in items_for(editor, today) if "本单位帐号" in line]


@pytest.mark.parametrize("changed, field, message", [
    ({"dormant_no_posts_months": "0"}, "dormant_no_posts_months", "请输入 1 至 12 之间的整数。"),
    ({"dormant_no_report_months": "13"}, "dormant_no_report_months", "请输入 1 至 12 之间的整数。"),
    ({"reminder_lead_working_days": "两天"}, "reminder_lead_working_days", "请输入整数。"),
    ({"assessment_posts_target": "-5"}, "assessment_posts_target", "请输入 1 至 100000 之间的整数。"),
    ({"weight_posts": "2.5"}, "weight_posts", "请输入整数。"),
    ({"weight_posts": "30"}, "weights", "合计须为 100 分（现为 110 分）"),
    ({"weight_posts": "0", "weight_no_violation": "0"}, "weights", "合计须为 100 分（现为 70 分）"),
])
def test_values_are_checked(app, world, login_as, changed, field, message):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        found = settings.problems(_form(**changed))
        assert [p.field for p in found] == [field] and message in found[0].message
    response = _save(login_as, **changed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page and "设置未保存" in page
    with app.app_context():
        assert db.session.query(Setting).count() == 0
        assert db.session.query(AuditLog).filter_by(object_type="Setting").count() == 0


def test_the_weights_may_move_together(app, ctx):
    """Two weights changed at once so that the sum stays 100: no problem."""
    assert settings.problems(_form(weight_posts=30, weight_reports_on_time=40)) == []


def test_a_change_is_audited_old_to_new_in_chinese(app, world, login_as):
    assert _save(login_as, dormant_no_report_months=3, weight_per_violation=5).status_code == 302
    assert _save(login_as, dormant_no_report_months=3, weight_per_violation=5).status_code == 302  # no change
    with app.app_context():
        entries = db.session.query(AuditLog).filter_by(object_type="Setting").all()
        assert [(e.changes, e.user.username) for e in entries] == [
            ({"dormant_no_report_months": [2, 3], "weight_per_violation": [10, 5]}, "dept")]
        entry_id = entries[0].id
    page = login_as("auditor").get(f"/admin/audit/details/?id={entry_id}").get_data(as_text=True)
    assert "系统设置" in page and "连续未报送月报表的月数" in page and "每次违规扣分" in page
    assert "2 → 3" in page and "10 → 5" in page


def test_the_auditor_reads_and_never_writes(app, world, login_as):
    auditor = login_as("auditor")
    page = auditor.get("/admin/settings/").get_data(as_text=True)
    assert "连续无更新的月数" in page and "readonly" in page and "保存</button>" not in page
    assert auditor.post("/admin/settings/", data=_form(dormant_no_posts_months=5)).status_code == 403
    with app.app_context():
        assert db.session.query(Setting).count() == 0 and settings.values() == DEFAULTS


def test_a_value_written_by_another_server_holds_on_the_next_request(app, world, login_as):
    """No cache outlives a request: a row written elsewhere (another app server) is read at once."""
    dept = login_as("dept_admin")
    assert "最近 3 个报送月份" in dept.get("/admin/reports/dormant/").get_data(as_text=True)
    with app.app_context():
        db.session.add(Setting(key="dormant_no_posts_months", value=5))
        db.session.commit()
    assert "最近 5 个报送月份" in dept.get("/admin/reports/dormant/").get_data(as_text=True)


def test_a_form_left_open_does_not_put_back_what_someone_else_changed(app, world, login_as):
    """Two department users open the screen; B saves a threshold; A then saves a weight. A's save keeps
    B's threshold; A changing the same setting as B is refused with its present value."""
    loaded = {f"loaded-{key}": str(value) for key, value in DEFAULTS.items()}
    assert _save(login_as, dormant_no_posts_months=5).status_code == 302  # B
    dept = login_as("dept_admin")
    response = dept.post("/admin/settings/", data={**_form(weight_per_violation=5), **loaded})  # A
    assert response.status_code == 302
    with app.app_context():
        assert settings.values() == {**DEFAULTS, "dormant_no_posts_months": 5, "weight_per_violation": 5}
    response = dept.post("/admin/settings/", data={**_form(dormant_no_posts_months=4), **loaded})
    assert response.status_code == 200 and "已被他人改为 5" in response.get_data(as_text=True)
    with app.app_context():
        assert settings.value("dormant_no_posts_months") == 5


def test_two_first_saves_at_once_do_not_fail(app, world, login_as, monkeypatch):
    """The row another save has just created is not seen (a race): a message, not a 500."""
    with app.app_context():
        db.session.add(Setting(key="dormant_no_posts_months", value=5))
        db.session.commit()
    real_get = db.session.get
    monkeypatch.setattr(settings, "values", lambda: dict(DEFAULTS))
    monkeypatch.setattr(db.session, "get", lambda model, key, **kw: None if model is Setting else real_get(
        model, key, **kw), raising=False)
    dept = login_as("dept_admin")
    response = dept.post("/admin/settings/", data=_form(dormant_no_posts_months=4))
    assert response.status_code == 302
    assert "同时保存" in dept.get(response.headers["Location"]).get_data(as_text=True)
    monkeypatch.undo()
    with app.app_context():
        assert settings.value("dormant_no_posts_months") == 5
