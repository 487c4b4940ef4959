"""年度考核 (第十六条): figures, score by the documented weights, rank, department's grade, export."""
import datetime as dt
import io

import openpyxl
import pytest

from models import Account, AccountStatus, Assessment, Measure, MonthlyReport, ReviewStatus, Unit, Violation, \
    ViolationKind, db
from services.assessment import compute

from .conftest import make_account


@pytest.fixture
def year_data(app, world):
    """2025: the own account reported all 12 months on time with 10 posts each; the other account
    registered late, reported 6 months (3 late) and has a violation."""
    with app.app_context():
        for key in ("own_account", "other_account"):
            account = db.session.get(Account, world[key])
            account.status, account.approved_at = AccountStatus.approved, dt.datetime(2025, 1, 5)
            account.created_on = dt.date(2025, 1, 2)
        db.session.query(MonthlyReport).delete()
        own, other = db.session.get(Account, world["own_account"]), db.session.get(Account, world["other_account"])
        other.is_late = True
        for month in range(1, 13):
            db.session.add(MonthlyReport(account=own, unit_id=own.unit_id, period=dt.date(2025, month, 1),
                                         post_count=10, status=ReviewStatus.approved, approved_at=dt.datetime(2025, 6, 1),
                                         submitted_at=dt.datetime(2025, 6, 1), snapshot_account_name=own.name))
        for month in range(1, 7):
            db.session.add(MonthlyReport(account=other, unit_id=other.unit_id, period=dt.date(2025, month, 1),
                                         post_count=2, status=ReviewStatus.approved, is_late=month > 3,
                                         approved_at=dt.datetime(2025, 6, 1), submitted_at=dt.datetime(2025, 6, 1),
                                         snapshot_account_name=other.name))
        db.session.add(Violation(account=other, unit_id=other.unit_id, occurred_on=dt.date(2025, 5, 1),
                                 kind=ViolationKind.other, description="x", measure=Measure.criticise))
        db.session.commit()
    return world


def test_figures_score_and_rank(app, year_data, ctx):
    assert compute(2025, today=dt.date(2026, 3, 1)) == 2
    db.session.commit()
    own = db.session.query(Assessment).filter_by(year=2025, account_id=year_data["own_account"]).one()
    other = db.session.query(Assessment).filter_by(year=2025, account_id=year_data["other_account"]).one()
    assert (own.registered_on_time, own.reports_expected, own.reports_on_time, own.posts, own.violations) == \
        (True, 12, 12, 120, 0)
    assert float(own.score) == 100.0 and own.rank == 1
    assert (other.registered_on_time, other.reports_expected, other.reports_on_time, other.posts, other.violations) \
        == (False, 12, 3, 12, 1)
    # 0 + 50 × 3/12 + 20 × 12/120 + (10 − 10) = 14.5
    assert float(other.score) == 14.5 and other.rank == 2
    units = db.session.query(Assessment).filter_by(year=2025, account_id=None).order_by(Assessment.rank).all()
    assert [u.unit_id for u in units] == [year_data["own_unit"], year_data["other_unit"]]


def test_recompute_keeps_the_departments_grade(app, year_data, ctx):
    compute(2025, today=dt.date(2026, 3, 1))
    db.session.commit()
    row = db.session.query(Assessment).filter_by(year=2025, account_id=year_data["own_account"]).one()
    from models import Grade

    row.grade, row.commended = Grade.excellent, True
    db.session.commit()
    compute(2025, today=dt.date(2026, 3, 1))
    db.session.commit()
    row = db.session.query(Assessment).filter_by(year=2025, account_id=year_data["own_account"]).one()
    assert row.grade == Grade.excellent and row.commended
    assert db.session.query(Assessment).filter_by(year=2025).count() == 4


def test_cli_and_button(app, year_data, login_as):
    result = app.test_cli_runner().invoke(args=["assess", "2025"])
    assert result.exit_code == 0 and "2 accounts" in result.output
    dept = login_as("dept_admin")
    assert dept.post("/admin/assessments/compute/", data={"year": "2025"}).status_code == 302
    assert login_as("unit_leader").post("/admin/assessments/compute/", data={"year": "2025"}).status_code == 403
    xlsx = dept.get("/admin/assessments/export/xlsx/")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert "年度" in [c.value for c in sheet[1]]
    editor_html = login_as("unit_editor").get("/admin/assessments/").get_data(as_text=True)
    assert "本单位帐号" in editor_html and "外单位帐号" not in editor_html


@pytest.mark.parametrize("year", ["1999", "abc", "2999", ""])
def test_bad_year_is_refused(app, year_data, login_as, year):
    assert login_as("dept_admin").post("/admin/assessments/compute/", data={"year": year}).status_code == 302
    with app.app_context():
        assert db.session.query(Assessment).count() == 0


def test_department_grades_and_commends(app, year_data, login_as):
    app.test_cli_runner().invoke(args=["assess", "2025"])
    with app.app_context():
        row = db.session.query(Assessment).filter_by(year=2025, account_id=year_data["own_account"]).one()
        row_id, version = row.id, row.version
    response = login_as("dept_admin").post(f"/admin/assessments/edit/?id={row_id}", data={
        "grade": "excellent", "commended": "y", "remarks": "管理规范", "row_version": str(version)})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Assessment, row_id)
        assert row.grade.name == "excellent" and row.commended and row.posts == 120


def test_audit_entries_name_the_account_and_the_unit(app, year_data, ctx):
    """A new row is labelled “2025 · <account>” or “2025 · <unit>” in the audit log, never “2025 · ”."""
    from models import AuditLog

    compute(2025, today=dt.date(2026, 3, 1))
    db.session.commit()
    labels = {entry.object_label for entry in db.session.query(AuditLog).filter_by(object_type="Assessment")}
    own_unit, own = db.session.get(Unit, year_data["own_unit"]), db.session.get(Account, year_data["own_account"])
    assert f"2025 · {own_unit.name}" in labels and f"2025 · {own.name}" in labels
    assert len(labels) == 4 and not any(label.endswith("·") or label.endswith("· ") for label in labels)


# --- 第九条, 第十条: a unit without rules or named persons at the end of the year loses points ---------------
def _unit_rows(year_data):
    rows = db.session.query(Assessment).filter_by(year=2025, account_id=None).all()
    return {row.unit_id: row for row in rows}


def test_a_unit_without_rules_or_persons_loses_the_documented_points(app, year_data, ctx):
    from .factories import make_responsibility, make_unit_rules

    own_unit = db.session.get(Unit, year_data["own_unit"])
    make_responsibility(own_unit).created_at = dt.datetime(2025, 4, 1)  # named during the year
    make_unit_rules(own_unit, adopted_on=dt.date(2025, 6, 1))
    # the other unit's rules were adopted only after the year: they do not count for 2025
    make_unit_rules(db.session.get(Unit, year_data["other_unit"]), adopted_on=dt.date(2026, 2, 1))
    db.session.commit()
    compute(2025, today=dt.date(2026, 3, 1))
    db.session.commit()
    units = _unit_rows(year_data)
    own, other = units[year_data["own_unit"]], units[year_data["other_unit"]]
    assert own.governance_missing is False and float(own.score) == 100.0  # complies: the mean of its accounts
    assert other.governance_missing is True and float(other.score) == 14.5 - 5  # 5 points off (missing_governance)
    accounts = db.session.query(Assessment).filter(Assessment.year == 2025, Assessment.account_id.is_not(None)).all()
    assert all(row.governance_missing is None for row in accounts)  # a unit's figure: not on the accounts' rows


def test_the_deduction_is_a_setting_outside_the_hundred_points(app, year_data, login_as):
    from services import settings

    with app.app_context():
        assert settings.weights()["missing_governance"] == 5
        assert not settings.problems({"weight_missing_governance": "20"})  # the four parts still add up to 100
    client = login_as("dept_admin")
    page = client.get("/admin/settings/").get_data(as_text=True)
    assert "未落实新媒体管理制度或责任人的单位扣分" in page
    from .test_settings import _form
    assert client.post("/admin/settings/", data=_form(weight_missing_governance=0)).status_code == 302
    with app.app_context():
        compute(2025, today=dt.date(2026, 3, 1))
        db.session.commit()
        units = _unit_rows(year_data)
        assert float(units[year_data["other_unit"]].score) == 14.5  # no points off when the weight is 0
        assert units[year_data["other_unit"]].governance_missing is True


def test_the_figure_is_in_the_list_and_the_export(app, year_data, login_as):
    with app.app_context():
        compute(2025, today=dt.date(2026, 3, 1))
        db.session.commit()
        unit_row = _unit_rows(year_data)[year_data["other_unit"]].id
    client = login_as("dept_admin")
    assert "制度或责任人未落实（扣分）" in client.get("/admin/assessments/").get_data(as_text=True)
    assert "制度或责任人未落实（扣分）" in client.get(f"/admin/assessments/details/?id={unit_row}").get_data(as_text=True)
    data = client.get("/admin/assessments/export/xlsx/", buffered=True).data
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [cell.value for cell in sheet[1]]
    column = header.index("制度或责任人未落实（扣分）")
    assert "是" in [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
