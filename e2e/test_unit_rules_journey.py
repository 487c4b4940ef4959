"""本单位新媒体管理 (第九条, 第十条, 第十九条) in Chromium: the department sees 会计学院 among the units with accounts but
no rules or responsible persons; the unit's editor follows the to-do on its home, names the 第一责任人 and the
责任领导 and uploads its 新媒体管理制度; 会计学院 leaves the department's list; the 备案审批表 prints the name."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from .conftest import shot

UNIT = "会计学院"
RULES_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _units_on_the_departments_list(dept, base: str) -> list[str]:
    dept.goto(base + "/admin/")
    card = dept.locator("#todo-governance")
    if card.count() == 0:
        return []
    card.locator("a.home-count").first.click()  # the count: the units list, filtered
    dept.wait_for_url("**/admin/units/**")
    return dept.locator("table.model-list tbody td.col-name").all_inner_texts()


def test_unit_rules_journey(server, page_as, tmp_path):
    base = server["url"]
    dept = page_as("dept")
    assert UNIT in dept.locator("#todo-governance").inner_text()
    units = _units_on_the_departments_list(dept, base)
    assert UNIT in [u.strip() for u in units], units
    shot(dept, "unit-rules-1-department-list")

    editor = page_as("kj_editor")
    todo = editor.locator("#todo-unit_governance")
    assert "第一责任人" in todo.inner_text() and "新媒体管理制度" in todo.inner_text()
    shot(editor, "unit-rules-2-unit-home")
    todo.locator("a", has_text="填写第一责任人和责任领导").click()
    editor.wait_for_url("**/admin/responsibles/new/**")
    assert editor.input_value("#first_name") == "王芳"  # offered from the unit's head (系统管理 → 单位)
    editor.fill("#first_title", "党委书记")
    editor.fill("#first_phone", "0871-65023001")
    editor.fill("#media_leader_name", "李明")
    editor.fill("#media_leader_title", "党委副书记")
    editor.fill("#media_leader_phone", "13800005555")
    shot(editor, "unit-rules-3-persons-form")
    editor.click("input[type=submit][value='保存']")
    editor.wait_for_url("**/admin/responsibles/unit/**")
    assert "李明" in editor.locator("#unit-governance").inner_text()

    editor.locator("#unit-governance a", has_text="上传管理制度").first.click()
    editor.wait_for_url("**/admin/unit_rules/new/**")
    editor.fill("#title", "会计学院新媒体管理办法")
    editor.fill("#adopted_on", "2025-03-01")
    editor.click("body")  # closes the date picker
    editor.check("#covers_review")
    editor.check("#covers_three_reviews")
    rules = tmp_path / "会计学院新媒体管理办法.pdf"
    rules.write_bytes(RULES_PDF)
    editor.set_input_files("#document", str(rules))
    editor.click("input[type=submit][value='保存']")
    editor.wait_for_url("**/admin/responsibles/unit/**")
    panel = editor.locator("#unit-governance").inner_text()
    assert "《会计学院新媒体管理办法》" in panel and "现行" in panel and "三审三校" in panel
    assert editor.locator(".governance-missing").count() == 0
    shot(editor, "unit-rules-4-unit-page-complete")
    editor.goto(base + "/admin/")
    assert editor.locator("#section-1 .col-lg-6#todo-unit_governance").count() == 0  # the to-do is done

    assert UNIT not in [u.strip() for u in _units_on_the_departments_list(dept, base)]

    # the 备案审批表 of one of the unit's accounts prints the named 第一责任人 and 责任领导
    editor.goto(base + "/admin/accounts/")
    href = editor.locator("table.model-list a[href*='/admin/accounts/details/']").first.get_attribute("href")
    account_id = re.search(r"id=(\d+)", href).group(1)
    response = editor.request.get(f"{base}/print/accounts/{account_id}.pdf")
    assert response.status == 200
    text = re.sub(r"[\s\x00]+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages))
    assert "第一责任人" in text and "王芳" in text and "党委书记" in text and "责任领导" in text and "李明" in text
