"""Monthly reports (第十五条): preparing drafts, missing and late, dormant accounts, red flags."""
import datetime as dt
import io

import openpyxl
import pytest

from models import Account, AccountStatus, MonthlyReport, ReviewStatus, Unit, db
from services import reports

from .conftest import make_account, make_report

TODAY = dt.date.today()
LAST = reports.reporting_period(TODAY)


def _approve(account):
    account.status, account.approved_at, account.in_matrix = AccountStatus.approved, dt.datetime(2026, 1, 5), True
    account.created_on = dt.date(2025, 1, 1)


@pytest.fixture
def registered(app, world):
    with app.app_context():
        for key in ("own_account", "other_account"):
            _approve(db.session.get(Account, world[key]))
        db.session.query(MonthlyReport).delete()
        db.session.commit()
    return world


def test_prepare_creates_drafts_for_the_units_active_accounts(app, registered, login_as):
    client = login_as("unit_editor")
    assert client.post("/admin/reports/prepare/", data={"action": "prepare"}).status_code == 302
    with app.app_context():
        drafts = db.session.query(MonthlyReport).all()
        assert [(r.account_id, r.period, r.status) for r in drafts] == [
            (registered["own_account"], LAST, ReviewStatus.draft)]
        assert {p["role"] for p in drafts[0].snapshot_staff} == {"head", "admin"}
    client.post("/admin/reports/prepare/", data={"action": "prepare"})
    with app.app_context():
        assert db.session.query(MonthlyReport).count() == 1


@pytest.mark.parametrize("role", ["dept_admin", "auditor"])
def test_prepare_is_a_unit_chore(app, registered, login_as, role):
    assert login_as(role).post("/admin/reports/prepare/", data={"action": "prepare"}).status_code == 403


def test_missing_and_late_view(app, registered, login_as):
    with app.app_context():
        own = db.session.get(Account, registered["own_account"])
        late = make_report(db.session.get(Account, registered["other_account"]), period=LAST,
                           status=ReviewStatus.dept_review)
        late.submitted_at, late.is_late = dt.datetime.combine(LAST, dt.time()) + dt.timedelta(days=40), True
        db.session.commit()
        own_name = own.name
    dept = login_as("dept_admin")
    html = dept.get(f"/admin/reports/missing/?month={LAST:%Y-%m}").get_data(as_text=True)
    assert own_name in html and "外单位帐号" in html  # one missing, one late
    editor_html = login_as("unit_editor").get(f"/admin/reports/missing/?month={LAST:%Y-%m}").get_data(as_text=True)
    assert own_name in editor_html and "外单位帐号" not in editor_html
    xlsx = dept.get(f"/admin/reports/missing/?month={LAST:%Y-%m}&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "状态" and any(own_name in row for row in values)
    csv_text = dept.get(f"/admin/reports/missing/?month={LAST:%Y-%m}&format=csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeff") and own_name in csv_text


@pytest.mark.parametrize("month", ["garbage", "2026-13", "", "9999999-01"])
def test_missing_view_survives_bad_months(app, registered, login_as, month):
    assert login_as("dept_admin").get(f"/admin/reports/missing/?month={month}&unit=abc").status_code == 200


def test_dormant_accounts(app, registered, login_as):
    with app.app_context():
        quiet = db.session.get(Account, registered["own_account"])
        for i in range(3):
            report = make_report(quiet, period=reports.add_months(LAST, -i), status=ReviewStatus.approved)
            report.post_count, report.submitted_at = 0, dt.datetime(2026, 1, 3)
            report.approved_at = dt.datetime(2026, 1, 4)
        silent = make_account(db.session.get(Unit, registered["own_unit"]), "沉默帐号", account_id="silent-1")
        _approve(silent)
        busy = make_account(db.session.get(Unit, registered["own_unit"]), "活跃帐号", account_id="busy-1")
        _approve(busy)
        for i in range(3):
            report = make_report(busy, period=reports.add_months(LAST, -i), status=ReviewStatus.approved)
            report.post_count, report.submitted_at = 9, dt.datetime(2026, 1, 3)
            report.approved_at = dt.datetime(2026, 1, 4)
        db.session.commit()
    html = login_as("unit_editor").get("/admin/reports/dormant/").get_data(as_text=True)
    assert "本单位帐号" in html and "沉默帐号" in html and "活跃帐号" not in html
    assert "外单位帐号" not in html
    assert "kind=closure" in html


def test_classified_report_is_red_in_the_list(app, registered, login_as):
    with app.app_context():
        report = make_report(db.session.get(Account, registered["own_account"]), period=LAST)
        report.involves_classified = True
        db.session.commit()
    html = login_as("dept_admin").get("/admin/reports/").get_data(as_text=True)
    assert "badge-danger" in html and "涉密" in html


def test_report_before_the_account_existed_is_refused(app, registered, login_as):
    response = login_as("unit_editor").post("/admin/reports/new/", data={
        "account": registered["own_account"], "period": "2024-06-01", "post_count": "1"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.query(MonthlyReport).count() == 0


def test_huge_topics_text_is_refused_cleanly(app, registered, login_as):
    response = login_as("unit_editor").post("/admin/reports/new/", data={
        "account": registered["own_account"], "period": f"{LAST:%Y-%m-%d}", "post_count": "1", "topics": "字" * 100_000})
    assert response.status_code == 200 and "20000" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(MonthlyReport).count() == 0
