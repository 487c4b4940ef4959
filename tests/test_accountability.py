"""Accountability on violations (第十七条): 责任人 as persons with their posts, the 问责 outcome recorded by the
department only (with its date, body, 文号 and decision document), and the yearly accountability list (问责清单)."""
from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from models import Account, AccountabilityOutcome, Attachment, Violation, db
from services import violations

from .conftest import TINY_PDF, make_violation


@pytest.fixture
def recorded(app, world):
    """A violation in each unit in 2026 and one of 会计学院 in 2025."""
    with app.app_context():
        ids = {}
        for key in ("own_account", "other_account"):
            ids[key] = make_violation(db.session.get(Account, world[key])).id
        old = make_violation(db.session.get(Account, world["own_account"]))
        old.occurred_on, old.description = dt.date(2025, 6, 3), "2025年的违规"
        ids["old"] = old.id
        db.session.commit()
    return {**world, "violations": ids}


def _edit(client, app, violation_id, **fields):
    with app.app_context():
        violation = db.session.get(Violation, violation_id)
        data = {"account": str(violation.account_id), "occurred_on": violation.occurred_on.isoformat(),
                "kind": violation.kind.name, "description": violation.description, "measure": violation.measure.name,
                "row_version": str(violation.version)}
    data.update(fields)
    return client.post(f"/admin/violations/edit/?id={violation_id}", data=data)


DECISION = {"responsible_people": "张伟，院长\n李娜 办公室主任", "accountability_outcome": "circulation",
            "accountability_decided_on": "2026-11-02", "accountability_body": "中共××大学委员会",
            "accountability_doc_no": "×党发〔2026〕12号"}


def test_the_department_records_the_accountability(app, recorded, login_as):
    violation_id = recorded["violations"]["own_account"]
    response = _edit(login_as("dept_admin"), app, violation_id, **DECISION)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        violation = db.session.get(Violation, violation_id)
        assert violation.responsible_people == [{"name": "张伟", "post": "院长"}, {"name": "李娜", "post": "办公室主任"}]
        assert violation.responsible_persons == "张伟（院长）、李娜（办公室主任）"
        assert violation.accountability_outcome == AccountabilityOutcome.circulation
        assert violation.accountability_doc_no == "×党发〔2026〕12号"
    page = login_as("unit_editor").get(f"/admin/violations/details/?id={violation_id}").get_data(as_text=True)
    assert "通报" in page and "×党发〔2026〕12号" in page and "张伟（院长）" in page  # the unit reads it


@pytest.mark.parametrize("fields, field, message", [
    ({"accountability_doc_no": ""}, "accountability_doc_no", "请填写问责决定的文号"),
    ({"accountability_decided_on": ""}, "accountability_decided_on", "请填写问责决定日期"),
    ({"accountability_decided_on": "2026-10-01"}, "accountability_decided_on", "问责决定日期不能早于违规日期"),
    ({"accountability_decided_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
     "accountability_decided_on", "该日期晚于今天"),
    ({"accountability_outcome": "", "accountability_doc_no": "×党发〔2026〕1号"}, "accountability_outcome",
     "请选择问责方式"),
    ({"accountability_body": ""}, "accountability_body", "请填写作出决定的机关"),
], ids=["no-doc-no", "no-date", "before-the-violation", "in-the-future", "no-outcome", "no-body"])
def test_incomplete_accountability_is_refused_next_to_the_field(app, recorded, login_as, fields, field, message):
    violation_id = recorded["violations"]["own_account"]
    response = _edit(login_as("dept_admin"), app, violation_id, **{**DECISION, **fields})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page, page[-3000:]
    assert page.rindex(message) > page.index(f'name="{field}"')
    with app.app_context():
        assert db.session.get(Violation, violation_id).accountability_outcome is None  # nothing written


def test_no_accountability_needs_no_document_number(app, recorded, login_as):
    violation_id = recorded["violations"]["own_account"]
    _edit(login_as("dept_admin"), app, violation_id, **{**DECISION, "accountability_outcome": "none",
                                                         "accountability_doc_no": ""})
    with app.app_context():
        assert db.session.get(Violation, violation_id).accountability_outcome == AccountabilityOutcome.none


@pytest.mark.parametrize("role", ["unit_editor", "unit_leader"])
def test_a_unit_cannot_record_the_accountability(app, recorded, login_as, role):
    violation_id = recorded["violations"]["own_account"]
    form = login_as(role).get(f"/admin/violations/edit/?id={violation_id}").get_data(as_text=True)
    assert 'name="rectification"' in form and 'name="accountability_outcome"' not in form
    _edit(login_as(role), app, violation_id, rectification="已整改", **DECISION)  # forged
    with app.app_context():
        violation = db.session.get(Violation, violation_id)
        assert violation.rectification == "已整改"  # positive control: the unit's own field
        assert violation.accountability_outcome is None and violation.responsible_people is None


def test_the_form_quotes_article_17(app, recorded, login_as):
    page = login_as("dept_admin").get(f"/admin/violations/edit/?id={recorded['violations']['own_account']}")
    text = page.get_data(as_text=True)
    assert "第十七条" in text and "责任追究" in text and "张伟（院长）" not in text


@pytest.mark.parametrize("text, people, problems", [
    ("张三，院长\n李四", [{"name": "张三", "post": "院长"}, {"name": "李四", "post": ""}], 0),
    ("王五（副院长）\n\n 赵六 ,科长 ", [{"name": "王五", "post": "副院长"}, {"name": "赵六", "post": "科长"}], 0),
    ("名" * 51, [], 1),
    ("", [], 0),
])
def test_people_are_parsed_line_by_line(text, people, problems):
    parsed, found = violations.parse_people(text)
    assert parsed == people and len(found) == problems


def test_free_text_persons_migrate_to_people():
    import importlib.util
    import pathlib

    path = next(pathlib.Path("migrations/versions").glob("ic4d2e8f1a93_*.py"))
    spec = importlib.util.spec_from_file_location("migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration._people("张伟、李娜（办公室主任）") == [{"name": "张伟", "post": ""},
                                                         {"name": "李娜", "post": "办公室主任"}]
    assert migration._people("  ") is None


def test_the_decision_document_is_the_departments(app, recorded, login_as):
    violation_id = recorded["violations"]["own_account"]

    def upload(client, content, name):
        return client.post(f"/attachments/violation/{violation_id}", data={
            "kind": "decision", "file": (io.BytesIO(content), name)}, content_type="multipart/form-data")

    upload(login_as("unit_editor"), TINY_PDF, "单位上传.pdf")
    upload(login_as("auditor"), TINY_PDF, "审计上传.pdf")
    upload(login_as("dept_admin"), b"MZ not a pdf", "决定.pdf")  # refused by its content
    upload(login_as("dept_admin"), TINY_PDF, "问责决定.pdf")
    with app.app_context():
        files = db.session.query(Attachment).filter_by(violation_id=violation_id).all()
        assert [(f.filename, f.kind.name) for f in files] == [("问责决定.pdf", "decision")]
        file_id = files[0].id
    assert login_as("unit_editor").get(f"/attachments/{file_id}").status_code == 200  # the unit reads it
    assert login_as("other_editor").get(f"/attachments/{file_id}").status_code == 404


# --- the yearly accountability list (问责清单) -------------------------------------------------------------
def _rows_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_yearly_list_exports_the_years_violations_with_their_accountability(app, recorded, login_as):
    dept = login_as("dept_admin")
    _edit(dept, app, recorded["violations"]["own_account"], **DECISION)
    page = dept.get("/admin/violations/accountability/").get_data(as_text=True)
    assert "年度问责清单" in page and "导出2026年清单（Excel）" in page and "导出2025年清单（CSV）" in page
    import re

    links = dict(re.findall(r'href="(/admin/violations/export/(csv|xlsx)/\?[^"]*2026[^"]*)"', page))
    csv_url = next(url for url, kind in links.items() if kind == "csv")
    rows = _rows_csv(dept.get(csv_url.replace("&amp;", "&"), buffered=True).get_data())
    header, body = rows[0], rows[1:]
    for column in ("责任单位", "责任人", "帐号名称", "违规类型", "处理措施", "问责方式", "问责决定日期", "作出决定的机关", "文号"):
        assert column in header, (column, header)
    assert len(body) == 2  # the two violations of 2026, not the one of 2025
    own = next(row for row in body if "会计学院" in row[header.index("责任单位")])
    assert own[header.index("责任人")] == "张伟（院长）、李娜（办公室主任）"
    assert own[header.index("问责方式")] == "通报" and own[header.index("文号")] == "×党发〔2026〕12号"
    assert own[header.index("问责决定日期")] == "2026-11-02"
    xlsx_url = next(url for url, kind in links.items() if kind == "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(dept.get(xlsx_url.replace("&amp;", "&"), buffered=True).get_data()))
    values = [[cell for cell in row] for row in book.active.iter_rows(values_only=True)]
    assert len(values) == 3 and "×党发〔2026〕12号" in values[1] + values[2]


def test_the_list_filters_by_year_and_outcome(app, recorded, login_as):
    dept = login_as("dept_admin")
    _edit(dept, app, recorded["violations"]["own_account"], **DECISION)
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "violations")
    with app.test_request_context():
        year_arg = view.year_filter_arg()
    listed = dept.get(f"/admin/violations/?{year_arg}=2025").get_data(as_text=True)
    assert "2025年6月3日" in listed and "2026年10月9日" not in listed
    from flask_admin.contrib.sqla import filters as f

    with app.test_request_context():
        outcome_arg = view.filter_url_arg("accountability_outcome", f.EnumEqualFilter)
    outcome = dept.get(f"/admin/violations/?{outcome_arg}=circulation").get_data(as_text=True)
    assert outcome.count("<tr>") - 1 == 1
    assert "年度问责清单" in dept.get("/admin/violations/").get_data(as_text=True)  # reachable from the list


@pytest.mark.parametrize("role", ["unit_editor", "auditor"])
def test_the_yearly_list_is_scoped(app, recorded, login_as, role):
    client = login_as(role)
    page = client.get("/admin/violations/accountability/").get_data(as_text=True)
    assert "2026" in page
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "violations")
    with app.test_request_context():
        year_arg = view.year_filter_arg()
    text = client.get(f"/admin/violations/export/csv/?{year_arg}=2026", buffered=True).get_data().decode("utf-8-sig")
    assert "本单位帐号" in text
    assert ("外单位帐号" in text) == (role == "auditor")
