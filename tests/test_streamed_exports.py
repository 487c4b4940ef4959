"""Every .xlsx export of every list is written with flat memory (openpyxl's write-only mode into a temporary
file), never by Flask-Admin's tablib export, which holds every row and the whole file in memory; above
EXPORT_XLSX_MAX_ROWS the list says so and offers its streamed CSV (issue 16, finding 4: the audit log's
.xlsx of 100,000 entries took 96 s and +288 MiB in one worker). The memory figures are in docs/deploy.md."""
import io

import openpyxl
import pytest
from flask_admin.model.base import BaseModelView

from models import AuditAction, AuditLog, db
from services import exports

from .test_export_plain import VIEWS


@pytest.fixture
def no_tablib(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("Flask-Admin's in-memory export was called")

    monkeypatch.setattr(BaseModelView, "_export_tablib", refuse)


def _rows(response_or_bytes):
    data = response_or_bytes if isinstance(response_or_bytes, bytes) else response_or_bytes.get_data()
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("orm", [False, True], ids=["columns", "orm objects"])
@pytest.mark.parametrize("view", VIEWS)
def test_no_xlsx_export_goes_through_the_in_memory_path(app, access_world, login_as, no_tablib, monkeypatch,
                                                        view, orm):
    from admin.base import ScopedModelView

    if orm:  # the views that need the ORM objects (a computed column) take this path
        monkeypatch.setattr(ScopedModelView, "_export_plan", lambda self: None)
    response = login_as("dept_admin").get(f"/admin/{view}/export/xlsx/")
    assert response.status_code == 200
    rows = _rows(response)
    assert len(rows) >= 2 and all(isinstance(title, str) for title in rows[0])


def test_the_audit_log_xlsx_holds_the_entries(app, access_world, login_as, no_tablib):
    client = login_as("dept_admin")
    client.get("/admin/accounts/export/csv/")  # an entry with a note
    rows = _rows(client.get("/admin/audit/export/xlsx/"))
    assert "登录名" in rows[0] and "操作" in rows[0] and "用户" not in rows[0]  # the login name as stored
    assert any("导出" in (row[3] or "") for row in rows[1:])


def test_a_large_xlsx_is_sent_from_its_temporary_file_in_chunks(app, access_world, login_as, no_tablib,
                                                                monkeypatch):
    monkeypatch.setattr(exports, "CACHED_FILE_MAX_BYTES", 100)
    monkeypatch.setattr(exports, "FILE_CHUNK_BYTES", 1024)
    response = login_as("dept_admin").get("/admin/audit/export/xlsx/")
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) > 1 and all(len(chunk) <= 1024 for chunk in chunks)
    assert len(_rows(b"".join(chunks))) >= 2


def test_above_the_row_limit_the_list_offers_the_csv(app, access_world, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_XLSX_MAX_ROWS", 1)
    client = login_as("dept_admin")
    with app.app_context():
        before = db.session.query(AuditLog).filter(AuditLog.action == AuditAction.export).count()
    response = client.get("/admin/accounts/export/xlsx/?sort=0")
    assert response.status_code == 302 and "/admin/accounts/" in response.headers["Location"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "行，超过一个 Excel 文件" in html and "/admin/accounts/export/csv/?sort=0" in html
    with app.app_context():  # nothing was exported, so nothing is logged as exported
        assert db.session.query(AuditLog).filter(AuditLog.action == AuditAction.export).count() == before
    assert client.get("/admin/accounts/export/csv/?sort=0").status_code == 200
    monkeypatch.setitem(app.config, "EXPORT_XLSX_MAX_ROWS", 1000)
    assert client.get("/admin/accounts/export/xlsx/?sort=0").status_code == 200
