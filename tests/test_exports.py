"""Exports: Chinese headers, the user's scope and filters, safe to open in Excel, audited."""
import csv
import io

import openpyxl
import pytest

from models import Account, AuditAction, AuditLog, MonthlyReport, db

from .test_reports import LAST



@pytest.fixture
def formula_names(app, world):
    with app.app_context():
        own = db.session.get(Account, world["own_account"])
        own.name = "=HYPERLINK(\"http://evil.example\",\"点我\")"
        own.creator_entity = "+cmd|' /C calc'!A0"
        db.session.commit()
    return world


@pytest.mark.parametrize("role", ["unit_editor", "dept_admin", "auditor"])
def test_csv_export_is_scoped_neutralised_and_audited(app, formula_names, login_as, role):
    response = login_as(role).get("/admin/accounts/export/csv/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert "帐号名称" in rows[0]
    cells = [cell for row in rows[1:] for cell in row]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert ("外单位帐号" in text) == (role != "unit_editor")
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(action=AuditAction.export).count() == 1


def test_xlsx_export_opens_and_is_neutralised(app, formula_names, login_as):
    response = login_as("unit_editor").get("/admin/accounts/export/xlsx/")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "帐号名称" in values and all(not v.startswith("=") for v in values)
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_export_follows_the_users_filters(app, world, login_as):
    text = login_as("dept_admin").get("/admin/accounts/export/csv/?search=外单位").get_data(as_text=True)
    assert "外单位帐号" in text and "本单位帐号" not in text


def test_monthly_summary_for_the_department(app, world, login_as):
    with app.app_context():
        for report in db.session.query(MonthlyReport):
            report.period = LAST
        db.session.commit()
    dept = login_as("dept_admin")
    sheet = openpyxl.load_workbook(io.BytesIO(dept.get(f"/admin/reports/summary/?month={LAST:%Y-%m}").data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["建设单位", "媒体平台", "帐号名称"] and len(rows) == 3
    assert dept.get(f"/admin/reports/summary/?month={LAST:%Y-%m}&format=csv").mimetype == "text/csv"
    assert login_as("unit_leader").get("/admin/reports/summary/").status_code == 403


def test_formula_neutraliser():
    from services.exports import neutralise

    for value in ("=1+1", "+1", "-1", "@x", "\t1", "\r1"):
        assert neutralise(value).startswith("'")
    assert neutralise("普通文本") == "普通文本" and neutralise(5) == 5 and neutralise(None) is None


def test_report_export_has_no_html(app, world, login_as):
    text = login_as("dept_admin").get("/admin/reports/export/csv/").get_data(as_text=True)
    assert "<span" not in text and "badge" not in text


VIEWS = ["accounts", "managers", "changes", "reports", "violations", "assessments", "units", "users", "calendar",
         "audit"]


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize("endpoint", VIEWS)
@pytest.mark.parametrize("role", ["dept_admin", "unit_editor"])
def test_column_only_csv_equals_the_orm_export(app, access_world, formula_names, login_as, monkeypatch, endpoint, role):
    """The fast CSV export (plain columns, streamed in chunks) writes exactly what the ORM export writes."""
    from admin.base import ScopedModelView

    client = login_as(role)
    with app.app_context():  # one filled row of each related kind, with the times and flags set
        db.session.query(MonthlyReport).update({"submitted_at": __import__("datetime").datetime(2026, 1, 31, 17, 5)})
        db.session.commit()
    url = f"/admin/{endpoint}/export/csv/?sort=0"
    fast = client.get(url)
    if fast.status_code != 200:  # e.g. the unit user does not read the audit log of others' views
        assert fast.status_code in (302, 403, 404)
        return
    fast_rows = _csv_rows(fast)
    monkeypatch.setattr(ScopedModelView, "_export_plan", lambda self: None)
    slow_rows = _csv_rows(client.get(url))
    if endpoint == "audit":  # the second export is itself in the log
        slow_rows = [slow_rows[0]] + [row for row in slow_rows[1:] if row[3] != "导出"]
        fast_rows = [fast_rows[0]] + [row for row in fast_rows[1:] if row[3] != "导出"]
    assert fast_rows == slow_rows and len(fast_rows) >= 2


def test_report_export_streams_in_chunks_and_keeps_the_order(app, world, login_as, monkeypatch):
    from admin.reports import ReportView

    monkeypatch.setattr(ReportView, "export_chunk_rows", 1)
    response = login_as("dept_admin").get("/admin/reports/export/csv/")
    chunks = list(response.response)
    rows = _csv_rows(response)
    assert len(chunks) >= len(rows)  # BOM, title, then a chunk per row
    periods = [row[3] for row in rows[1:]]
    assert periods == sorted(periods, reverse=True) and all(len(p) == 7 for p in periods)


def _xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [["" if c.value is None else str(c.value) for c in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("endpoint", ["accounts", "reports", "managers", "units"])
def test_column_only_xlsx_equals_the_tablib_export(app, access_world, formula_names, login_as, monkeypatch, endpoint):
    from admin.base import ScopedModelView

    client = login_as("dept_admin")
    fast = _xlsx_rows(client.get(f"/admin/{endpoint}/export/xlsx/"))
    monkeypatch.setattr(ScopedModelView, "_export_plan", lambda self: None)
    slow = _xlsx_rows(client.get(f"/admin/{endpoint}/export/xlsx/"))
    assert fast == slow and len(fast) >= 2


def test_month_xlsx_is_kept_until_a_report_or_unit_changes(app, world, login_as, monkeypatch):
    from services import exports

    made = []
    real = exports.xlsx_file
    monkeypatch.setattr(exports, "xlsx_file", lambda *a, **k: made.append(1) or real(*a, **k))
    client = login_as("dept_admin")
    url = "/admin/reports/export/xlsx/?flt0_0=2026-10-01"
    first = _xlsx_rows(client.get(url))
    assert _xlsx_rows(client.get(url)) == first and len(made) == 1  # second answer from the cache
    assert login_as("unit_editor").get(url).status_code == 200 and len(made) == 2  # another scope: its own file
    with app.app_context():
        db.session.get(MonthlyReport, world["own_report"]).post_count = 77
        db.session.commit()
    assert any("77" in row for row in _xlsx_rows(client.get(url))) and len(made) == 3
    with app.app_context():
        from models import Unit

        db.session.get(Unit, world["own_unit"]).name = "会计学院（新）"
        db.session.commit()
    assert any("会计学院（新）" in row for row in _xlsx_rows(client.get(url))) and len(made) == 4


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_month_summary_is_kept_until_a_report_changes(app, world, login_as, fmt):
    client = login_as("dept_admin")
    url = f"/admin/reports/summary/?month={LAST:%Y-%m}&format={fmt}"
    first = client.get(url).data
    assert client.get(url).data == first
    with app.app_context():
        report = db.session.get(MonthlyReport, world["own_report"])
        report.period, report.topics = LAST, "新的选题"
        db.session.commit()
    assert "新的选题".encode() in client.get(url).data or fmt == "xlsx" and client.get(url).data != first


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"])
def test_export_times_equal_astimezone_in_every_zone(app, monkeypatch, zone):
    """The export's time column looks the zone's offset up once per day; across daylight-saving switches
    (New York, Berlin, Lord Howe's half hour) every time must still be the one astimezone gives, on the
    day of a switch too (each of its times is converted by itself)."""
    import datetime as dt
    import random
    import zoneinfo

    import sqlalchemy as sa

    from services import text as formatters

    tz = zoneinfo.ZoneInfo(zone)
    monkeypatch.setattr(formatters, "_zone", lambda: tz)
    cell = formatters.export_cell_function(sa.column("at", sa.DateTime()))
    rng = random.Random(zone)
    switches = [dt.datetime(2026, 3, 8, 6, 30), dt.datetime(2026, 11, 1, 5, 59, 59), dt.datetime(2026, 3, 29, 0, 45),
                dt.datetime(2026, 4, 4, 14, 50), dt.datetime(2026, 10, 3, 15, 29), dt.datetime(2026, 10, 3, 15, 31)]
    around = [switch + dt.timedelta(minutes=m) for switch in switches for m in range(-300, 301, 7)]
    values = switches + around + [dt.datetime(2016, 1, 1) + dt.timedelta(minutes=rng.randrange(5_500_000)) for _ in range(3000)]
    for value in values + values:  # the second pass comes from the memo
        expected = value.replace(tzinfo=dt.timezone.utc).astimezone(tz).strftime("%Y-%m-%d %H:%M")
        assert cell(value) == expected, value
    aware = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert cell(aware) == aware.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    assert cell(None) == ""
