"""CSV and Excel exports: scoped, with search and filters, per-scope cached files."""
from __future__ import annotations

import gc
import io

import openpyxl
import pytest

from models import Unit, db

from .matrix import (ALL_SEEING, ROLES, UNIT_ROLES, VIEWS, VIEW_NAMES, csv_text, fetch, filter_index, leaks,
                     may_open, xlsx_text)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("view", VIEW_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_export(access_world, login_as, role, view, fmt):
    response = fetch(login_as(role), f"/admin/{view}/export/{fmt}/")
    if not may_open(role, view):
        assert response.status_code == 403
        return
    assert response.status_code == 200, response.headers.get("Location")
    text = xlsx_text(response.data) if fmt == "xlsx" else csv_text(response.data)
    if role in ALL_SEEING or VIEWS[view].is_global:
        assert VIEWS[view].foreign in text  # positive control
    else:
        assert not leaks(text), f"{view} {fmt} export gives {role} the other unit's rows"
        assert VIEWS[view].own in text


# The CSV stream used to keep its connection until garbage collection; ScopedModelView._export_data
# now closes the session at the end of the stream.


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])  # (xlsx: the positive control of the measurement)
def test_csv_export_gives_its_connection_back(app, access_world, login_as, fmt):
    client = login_as("dept_admin")
    gc.collect()
    gc.disable()  # (the leak lasts until the next collection: keep the collector out of the request)
    try:
        response = client.get(f"/admin/accounts/export/{fmt}/", buffered=True)
        with app.app_context():
            checked_out = db.engine.pool.checkedout()
    finally:
        gc.enable()
        gc.collect()  # (give the connection back, or a PostgreSQL TRUNCATE after this test waits for it)
    assert response.status_code == 200
    assert checked_out == 0, f"{checked_out} database connection(s) still held after the export"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("role", UNIT_ROLES)
def test_export_with_search_and_filter_stays_scoped(app, access_world, login_as, role, fmt):
    index = filter_index(app, "accounts", Unit.__table__.c.name, "FilterEqual")
    response = fetch(login_as(role), f"/admin/accounts/export/{fmt}/?search=外&flt0_{index}=校团委")
    text = xlsx_text(response.data) if fmt == "xlsx" else csv_text(response.data)
    assert response.status_code == 200 and not leaks(text)


def test_cached_xlsx_is_per_unit_and_language(app, access_world, login_as):
    """The month's .xlsx is kept per scope: two editors of different units, then the department, each get
    their own rows; another language gets its own headers."""
    import io

    import openpyxl

    url = "/admin/reports/export/xlsx/?flt0_0=2026-10-01"

    def names(client, query=""):
        sheet = openpyxl.load_workbook(io.BytesIO(client.get(url + query).data)).active
        return [[c.value for c in row] for row in sheet.iter_rows()]

    own, other = names(login_as("unit_editor")), names(login_as("other_editor"))
    dept = names(login_as("dept_admin"))
    assert any("本单位帐号" in row for row in own) and not any("外单位帐号" in row for row in own)
    assert any("外单位帐号" in row for row in other) and not any("本单位帐号" in row for row in other)
    assert any("本单位帐号" in row for row in dept) and any("外单位帐号" in row for row in dept)
    assert names(login_as("unit_editor"), "&lang=en")[0] != own[0]
