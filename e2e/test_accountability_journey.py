"""第十七条 in the browser: the department records the 问责 decided on a violation — the 责任人 with their posts, the
outcome, the date, the deciding body, the 文号 — attaches the decision document, and exports the year's
accountability list (问责清单) from the violations list; the unit reads the decision on its violation."""
from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from .conftest import serve_demo, shot

#: The smallest file that passes the attachment check (a PDF by its content).
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory.mktemp("accountability"), "accountability")


def _violation(server):
    """The demo's violation (校团委's 云财青年快手, 未经授权发布); its year is the one whose list is exported."""
    from models import Violation, db

    with server["app"].app_context():
        violation = db.session.query(Violation).order_by(Violation.id).first()
        return violation.id, violation.occurred_on


def test_the_department_records_the_accountability_and_exports_the_years_list(page_as, server, tmp_path):
    violation_id, occurred_on = _violation(server)
    decided = max(occurred_on, dt.date.today() - dt.timedelta(days=1))
    dept = page_as("dept")
    dept.click("a.dropdown-toggle:has-text('监督考核')")
    dept.click("a.dropdown-item:has-text('违规记录')")
    dept.wait_for_load_state()
    dept.goto(server["url"] + f"/admin/violations/details/?id={violation_id}")
    dept.click("a.record-action:has-text('编辑')")
    dept.wait_for_load_state()
    assert "第十七条" in dept.content() and "责任追究" in dept.content()
    dept.fill("#responsible_people", "张伟，院长\n李娜，新媒体中心主任")
    dept.select_option("#accountability_outcome", "admonishment", force=True)
    dept.fill("#accountability_decided_on", decided.isoformat())
    dept.fill("#accountability_body", "中共××大学委员会")
    dept.fill("#accountability_doc_no", "×党发〔2026〕12号")
    dept.click("#section-accountability > legend")  # (a click outside closes the date picker)
    shot(dept, "accountability-form")
    dept.click("form.admin-form input[type=submit][value='保存'], form.admin-form button[type=submit]")
    dept.wait_for_load_state()
    shot(dept, "accountability-saved")
    assert "/edit/" not in dept.url, dept.locator(".alert, .invalid-feedback, .help-block").all_inner_texts()
    dept.goto(server["url"] + f"/admin/violations/details/?id={violation_id}")
    content = dept.content()
    assert "诫勉" in content and "×党发〔2026〕12号" in content and "张伟（院长）" in content, content[-3000:]

    document = tmp_path / "问责决定书.pdf"
    document.write_bytes(TINY_PDF)
    dept.select_option("select[name=kind]", "decision")
    dept.set_input_files("input[name=file]", str(document))
    dept.click("button:has-text('上传')")
    dept.wait_for_load_state()
    assert "问责决定书.pdf" in dept.content() and "问责决定文书" in dept.content()
    shot(dept, "accountability-recorded")

    # The yearly list: from the violations list, pick the year, export Excel and CSV.
    dept.goto(server["url"] + "/admin/violations/")
    dept.click("a.nav-link:has-text('年度问责清单')")
    dept.wait_for_load_state()
    shot(dept, "accountability-years")
    year = occurred_on.year
    with dept.expect_download() as xlsx_download:
        dept.click(f"a:has-text('导出{year}年清单（Excel）')")
    with open(xlsx_download.value.path(), "rb") as handle:
        sheet = openpyxl.load_workbook(io.BytesIO(handle.read())).active
    header = [cell.value for cell in sheet[1]]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    for column in ("责任单位", "责任人", "问责方式", "问责决定日期", "作出决定的机关", "文号"):
        assert column in header, header
    ours = next(row for row in rows if row[header.index("文号")] == "×党发〔2026〕12号")
    assert ours[header.index("问责方式")] == "诫勉"
    assert ours[header.index("责任人")] == "张伟（院长）、李娜（新媒体中心主任）"
    with dept.expect_download() as csv_download:
        dept.click(f"a:has-text('导出{year}年清单（CSV）')")
    with open(csv_download.value.path(), encoding="utf-8-sig") as handle:
        table = list(csv.reader(io.StringIO(handle.read())))
    assert len(table) == len(rows) + 1 and any("×党发〔2026〕12号" in row for row in table)

    # The unit (校团委, whose account it is) reads the decision on its violation, and cannot change it.
    editor = page_as("tw_editor")
    editor.goto(server["url"] + f"/admin/violations/details/?id={violation_id}")
    assert "诫勉" in editor.content() and "问责决定书.pdf" in editor.content()
    editor.goto(server["url"] + f"/admin/violations/edit/?id={violation_id}")
    assert 'name="accountability_outcome"' not in editor.content() and 'name="rectification"' in editor.content()
