"""The import page and `flask import accounts` (the service itself: tests/test_importer.py)."""
import io

import openpyxl
import pytest

from models import Account, Unit, db
from services import importer


def _upload(client, data, mode="check"):
    return client.client.post("/admin/accounts/import/", data={
        "csrf_token": client.csrf, "mode": mode, "file": (io.BytesIO(data), "inventory.xlsx")},
        content_type="multipart/form-data")


def test_template_download(app, world, login_as):
    response = login_as("dept_admin").get("/admin/accounts/import/template.xlsx")
    assert response.status_code == 200
    sheets = openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames
    assert {"单位", "管理人员", "帐号"} <= set(sheets)


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader", "auditor"])
def test_import_is_the_departments(app, world, login_as, role):
    client = login_as(role)
    assert client.get("/admin/accounts/import/").status_code == 403
    assert client.get("/admin/accounts/import/template.xlsx").status_code == 403
    assert _upload(client, importer.build_template(), "import").status_code == 403


@pytest.mark.parametrize("data", [b"not a workbook", b"PK\x03\x04broken zip", b"\x00" * 100])
def test_bad_files_get_a_report_not_a_500(app, world, login_as, data):
    for mode in ("check", "import"):
        response = _upload(login_as("dept_admin"), data, mode)
        assert response.status_code == 200 and "Excel" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Account).count() == 2 and db.session.query(Unit).count() == 2


def test_template_example_rows_are_reported(app, world, login_as):
    html = _upload(login_as("dept_admin"), importer.build_template()).get_data(as_text=True)
    assert "示例" in html and "<td>" in html


def test_cli_dry_run_lists_problems(app, world, tmp_path):
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(b"not a workbook")
    result = app.test_cli_runner().invoke(args=["import", "accounts", str(path), "--dry-run"])
    assert result.exit_code != 0 and "nothing was imported" in result.output


def test_check_then_import_through_the_page(app, world, login_as):
    from .test_importer import valid, xlsx

    data = xlsx(valid())
    dept = login_as("dept_admin")
    with app.app_context():
        before = db.session.query(Account).count()
    checked = _upload(dept, data, "check").get_data(as_text=True)
    assert "文件检查无误" in checked
    with app.app_context():
        assert db.session.query(Account).count() == before
    response = _upload(dept, data, "import")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(Account).count() > before


def test_cli_imports_a_valid_file(app, world, tmp_path):
    from .test_importer import valid, xlsx

    path = tmp_path / "inventory.xlsx"
    path.write_bytes(xlsx(valid()))
    dry = app.test_cli_runner().invoke(args=["import", "accounts", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "would be imported" in dry.output
    with app.app_context():
        before = db.session.query(Account).count()
    result = app.test_cli_runner().invoke(args=["import", "accounts", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.query(Account).count() > before
