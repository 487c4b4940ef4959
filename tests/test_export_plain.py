"""Every export of every list holds plain values: the list's coloured labels (状态, 逾期, 涉密 …) are for the
screen, a CSV or Excel cell holds the label's text only (issue 15, "Wrong today" 1)."""
import csv
import datetime as dt
import io
import re

import openpyxl
import pytest

from models import Account, ChangeRecord, MonthlyReport, ReviewStatus, Unit, db
from models.account import AccountStatus

from .factories import make_assessment
from .test_reports import LAST

#: Every admin list that offers exports (checked against the app by test_every_exporting_view_is_covered).
VIEWS = ["accounts", "managers", "changes", "reports", "violations", "incidents", "assessments", "units", "users",
         "calendar", "audit", "publications", "responsibles", "unit_rules"]
#: The other exports: the month's missing reports and the department's monthly summary.
OTHER_EXPORTS = ["/admin/reports/missing/?month={month}&format={fmt}", "/admin/reports/summary/?month={month}&format={fmt}"]
HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|badge|class=", re.IGNORECASE)


@pytest.fixture
def flagged(app, access_world):
    """Rows with every coloured state: late, approved / returned, classified."""
    with app.app_context():
        for number, account in enumerate(db.session.query(Account).order_by(Account.id)):
            account.is_late = True
            account.status = (AccountStatus.approved, AccountStatus.returned)[number % 2]
            account.approved_at = dt.datetime(2026, 9, 1, 2, 0)
        for number, change in enumerate(db.session.query(ChangeRecord).order_by(ChangeRecord.id)):
            change.is_late = True
            change.status = (ReviewStatus.dept_review, ReviewStatus.returned)[number % 2]
        for report in db.session.query(MonthlyReport):
            report.is_late, report.involves_classified, report.period = True, True, LAST
            report.status, report.classified_handling = ReviewStatus.dept_review, "已删除并报告"
        make_assessment(db.session.get(Unit, access_world["own_unit"]))  # a unit's roll-up: no account
        db.session.commit()
    return access_world


def _cells(response, fmt):
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return ["" if v is None else str(v) for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True) for v in row]
    return [cell for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig"))) for cell in row]


def _assert_plain(response, fmt, what):
    assert response.status_code == 200, what
    cells = _cells(response, fmt)
    assert len(cells) > 1, what
    html = [cell for cell in cells if HTML.search(cell)]
    assert not html, f"{what}: HTML in the export: {html[:3]}"
    return cells


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ["dept_admin", "unit_editor"])
def test_every_export_holds_plain_values(flagged, login_as, role, view, fmt):
    response = login_as(role).get(f"/admin/{view}/export/{fmt}/")
    if response.status_code in (302, 403):  # a view the role does not read (tests/access: refused there)
        assert role == "unit_editor" and view in ("units", "users")
        return
    cells = _assert_plain(response, fmt, f"{role} {view}.{fmt}")
    if view in ("accounts", "changes", "reports"):
        # The states and the late flag are there, as their labels.
        assert "逾期" in cells and "是" in cells
        assert {"已备案", "退回修改", "待宣传部审核"} & set(cells)
    if view == "incidents":
        assert "草稿" in cells and "违反规定的不良信息" in cells  # the state and the kind as their labels
    if view == "assessments":
        assert "（单位汇总）" in cells  # the list's own plain formatter, kept for the export


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("view", [view for view in VIEWS if view != "audit"])  # (audit: each export is logged)
def test_the_fast_export_equals_the_orm_export(flagged, login_as, monkeypatch, view, fmt):
    """With the flags set, the column-only export and the ORM export (each view's fallback) write the same."""
    from admin.base import ScopedModelView

    client = login_as("dept_admin")
    url = f"/admin/{view}/export/{fmt}/?sort=0"
    fast = _cells(client.get(url), fmt)
    monkeypatch.setattr(ScopedModelView, "_export_plan", lambda self: None)
    slow = _cells(client.get(url), fmt)
    assert fast == slow and len(fast) > 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url", OTHER_EXPORTS)
def test_the_month_exports_hold_plain_values(flagged, login_as, url, fmt):
    response = login_as("dept_admin").get(url.format(month=f"{LAST:%Y-%m}", fmt=fmt))
    _assert_plain(response, fmt, url)


def test_every_exporting_view_is_covered(app):
    exporting = {view.endpoint for view in app.extensions["admin"][0]._views
                 if getattr(type(view), "export_types", None)}
    assert exporting == set(VIEWS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_screen_formatter_named_for_an_export_gives_its_text(flagged, login_as, monkeypatch, fmt):
    """The last guard: markup that a view's export formatter returns is written as its text."""
    from admin.formatters import late_badge, status_badge
    from admin.reports import ReportView

    monkeypatch.setitem(ReportView.column_formatters_export, "status", status_badge)
    monkeypatch.setitem(ReportView.column_formatters_export, "is_late", late_badge)
    cells = _assert_plain(login_as("dept_admin").get(f"/admin/reports/export/{fmt}/"), fmt, "reports")
    assert "待宣传部审核" in cells and cells.count("逾期") >= 2
