"""本单位新媒体管理 (第九条, 第十条, 第十九条): the unit's 第一责任人 and 责任领导, its 新媒体管理制度 on file, the unit's
page, the department's list of units with a gap, the audit trail and the checks of every entry."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from models import (Account, AccountStatus, AuditLog, Unit, UnitResponsibility, UnitRules, db)
from services import governance

from .factories import TINY_PDF, make_manager, make_responsibility, make_unit_rules

PERSONS = {"first_name": "王书记", "first_title": "党委书记", "first_phone": "0871-65023456",
           "media_leader_name": "李副院长", "media_leader_title": "副院长", "media_leader_phone": "13800000000"}


def rules_form(**extra):
    return {"title": "会计学院新媒体管理办法", "adopted_on": "2025-03-01", "covers_review": "y",
            "covers_three_reviews": "y", "document": (io.BytesIO(TINY_PDF), "管理办法.pdf"), **extra}


def gap_units(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(sa.select(Unit.id).where(governance.gap())))


# --- the unit user names its persons and files its rules -------------------------------------------------
@pytest.mark.parametrize("role", ["unit_editor", "unit_leader"])
def test_a_unit_user_names_the_persons_of_its_own_unit(app, world, login_as, role):
    client = login_as(role)
    page = client.get("/admin/responsibles/unit/").get_data(as_text=True)
    assert "第一责任人" in page and "责任领导" in page and "未填写" in page
    assert 'class="governance-missing' in page
    response = client.post("/admin/responsibles/new/", data={**PERSONS, "unit": world["other_unit"]})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        row = db.session.query(UnitResponsibility).one()
        assert row.unit_id == world["own_unit"]  # a forged unit is ignored: always the user's own
        assert (row.first_name, row.media_leader_name) == ("王书记", "李副院长")
        entry = db.session.query(AuditLog).filter_by(object_type="UnitResponsibility").one()
        assert entry.changes["first_name"] == [None, "王书记"] and entry.unit_id == world["own_unit"]
    page = client.get("/admin/responsibles/unit/").get_data(as_text=True)
    assert "王书记" in page and "李副院长" in page


def test_a_second_new_form_opens_the_existing_row(app, world, login_as):
    with app.app_context():
        row_id = make_responsibility(db.session.get(Unit, world["own_unit"])).id
        db.session.commit()
    response = login_as("unit_editor").get("/admin/responsibles/new/")
    assert response.status_code == 302 and f"/admin/responsibles/edit/?id={row_id}" in response.headers["Location"]


def test_changes_are_audited_old_to_new(app, world, login_as):
    with app.app_context():
        row = make_responsibility(db.session.get(Unit, world["own_unit"]))
        db.session.commit()
        row_id, version = row.id, row.version
    client = login_as("unit_leader")
    response = client.post(f"/admin/responsibles/edit/?id={row_id}",
                           data={**PERSONS, "media_leader_name": "赵副书记", "row_version": version})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.query(AuditLog).filter_by(object_type="UnitResponsibility", action="update").one()
        assert entry.changes["media_leader_name"] == ["李副院长", "赵副书记"]


@pytest.mark.parametrize("missing, field, message", [
    ("first_name", "first_name", "请填写姓名"), ("media_leader_title", "media_leader_title", "请填写职务"),
    ("first_phone", "first_phone", "请填写联系电话")])
def test_each_person_needs_a_name_a_post_and_a_contact(app, world, login_as, missing, field, message):
    response = login_as("unit_editor").post("/admin/responsibles/new/", data={**PERSONS, missing: ""})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(UnitResponsibility).count() == 0  # nothing half-written


def test_a_person_from_the_register_is_linked_not_copied_by_hand(app, world, login_as):
    with app.app_context():
        person = make_manager(db.session.get(Unit, world["own_unit"]), "孙院长", staff_no="T0099")
        person.title, person.phone = "院长", "13900000000"
        db.session.commit()
        person_id = person.id
    data = {**PERSONS, "first_manager": person_id, "first_name": "", "first_title": "", "first_phone": ""}
    client = login_as("unit_editor")
    assert client.post("/admin/responsibles/new/", data=data).status_code == 302
    with app.app_context():
        row = db.session.query(UnitResponsibility).one()
        assert (row.first_manager_id, row.first_name, row.first_title) == (person_id, "孙院长", "院长")
        assert row.first_phone is None and row.first_contact == "13900000000"  # the register's contact
    assert "T0099" in client.get("/admin/responsibles/unit/").get_data(as_text=True)


def test_a_person_of_another_unit_cannot_be_linked(app, world, login_as):
    data = {**PERSONS, "unit": world["own_unit"], "first_manager": world["other_manager"]}
    response = login_as("dept_admin").post("/admin/responsibles/new/", data=data)
    assert response.status_code == 200 and "请选择本单位的人员" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(UnitResponsibility).count() == 0
    # a unit user's look-up does not know the other unit's person: the forged id links nobody
    response = login_as("unit_editor").post("/admin/responsibles/new/", data=data)
    assert response.status_code == 302
    with app.app_context():
        row = db.session.query(UnitResponsibility).one()
        assert row.unit_id == world["own_unit"] and row.first_manager_id is None


def test_rules_are_filed_with_the_document_checked_by_content(app, world, login_as):
    client = login_as("unit_editor")
    response = client.post("/admin/unit_rules/new/", data=rules_form(), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        rules = db.session.query(UnitRules).one()
        assert rules.unit_id == world["own_unit"] and rules.content == TINY_PDF and rules.covers == ["信息审核", "三审三校"]
        rules_id = rules.id
    download = client.get(f"/attachments/unit-rules/{rules_id}")
    assert download.status_code == 200 and download.data == TINY_PDF
    page = client.get("/admin/responsibles/unit/").get_data(as_text=True)
    assert "会计学院新媒体管理办法" in page and "现行" in page


@pytest.mark.parametrize("change, message", [
    ({"document": (io.BytesIO(b"MZ not a pdf"), "rules.pdf")}, "只能上传 PDF"),
    ({"document": (io.BytesIO(b""), "")}, "请选择要上传的文件"),
    ({"adopted_on": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, "日期不能晚于今天"),
    ({"title": ""}, "必填"),
])
def test_bad_rules_are_refused_with_a_message_and_nothing_is_written(app, world, login_as, change, message):
    response = login_as("unit_editor").post("/admin/unit_rules/new/", data=rules_form(**change),
                                            content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page, page[page.find("invalid-feedback"):][:300]
    with app.app_context():
        assert db.session.query(UnitRules).count() == 0


def test_a_newer_document_supersedes_the_older_which_stays_readable(app, world, login_as):
    with app.app_context():
        unit = db.session.get(Unit, world["own_unit"])
        old = make_unit_rules(unit, "旧办法", dt.date(2020, 5, 1))
        new = make_unit_rules(unit, "新办法", dt.date(2025, 5, 1))
        db.session.commit()
        old_id, new_id = old.id, new.id
    client = login_as("unit_leader")
    assert "现行" in client.get(f"/admin/unit_rules/details/?id={new_id}").get_data(as_text=True)
    page = client.get(f"/admin/unit_rules/details/?id={old_id}").get_data(as_text=True)
    assert "已被《新办法》取代" in page
    assert client.get(f"/attachments/unit-rules/{old_id}").status_code == 200
    unit_page = client.get("/admin/responsibles/unit/").get_data(as_text=True)
    assert unit_page.index("新办法") < unit_page.index("旧办法")


def test_the_rules_document_is_never_replaced_in_place(app, world, login_as):
    with app.app_context():
        rules = make_unit_rules(db.session.get(Unit, world["own_unit"]))
        db.session.commit()
        rules_id, version = rules.id, rules.version
    client = login_as("unit_editor")
    form = client.get(f"/admin/unit_rules/edit/?id={rules_id}").get_data(as_text=True)
    assert 'name="title"' in form and 'name="document"' not in form
    client.post(f"/admin/unit_rules/edit/?id={rules_id}", data={
        "title": "改名办法", "adopted_on": "2025-03-01", "row_version": version,
        "document": (io.BytesIO(b"%PDF-1.4 other"), "x.pdf")}, content_type="multipart/form-data")
    with app.app_context():
        rules = db.session.get(UnitRules, rules_id)
        assert rules.title == "改名办法" and rules.content == TINY_PDF


# --- the gap: units with accounts but no rules or no named persons ---------------------------------------
def test_the_gap_is_units_with_accounts_lacking_rules_or_persons(app, world):
    assert gap_units(app) == {world["own_unit"], world["other_unit"]}
    with app.app_context():
        own = db.session.get(Unit, world["own_unit"])
        make_responsibility(own)
        db.session.commit()
    assert gap_units(app) == {world["own_unit"], world["other_unit"]}  # rules still missing
    with app.app_context():
        make_unit_rules(db.session.get(Unit, world["own_unit"]))
        other = db.session.get(Account, world["other_account"])
        other.status = AccountStatus.closed  # a unit whose only account is closed has nothing to govern
        db.session.commit()
    assert gap_units(app) == set()


def test_the_department_lists_exactly_the_units_with_a_gap(app, world, login_as):
    with app.app_context():
        own = db.session.get(Unit, world["own_unit"])
        make_responsibility(own)
        make_unit_rules(own)
        db.session.commit()
    html = login_as("dept_admin").get("/admin/").get_data(as_text=True)
    assert 'id="todo-governance"' in html and "校团委" in html
    link = html[html.index('id="todo-governance"'):]
    url = link[link.index('href="') + 6:link.index('"', link.index('href="') + 6)].replace("&amp;", "&")
    page = login_as("dept_admin").get(url).get_data(as_text=True)
    assert "校团委" in page and "会计学院" not in page.split("model-list")[1]


def test_the_unit_home_shows_the_to_do_until_done(app, world, login_as):
    client = login_as("unit_editor")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'class="col-lg-6 mb-3" id="todo-unit_governance"' in html
    assert "上传新媒体管理制度" in html and "填写第一责任人和责任领导" in html
    with app.app_context():
        own = db.session.get(Unit, world["own_unit"])
        make_responsibility(own)
        make_unit_rules(own)
        db.session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    assert 'class="col-lg-6 mb-3" id="todo-unit_governance"' not in html


def test_the_units_export_names_the_persons_and_the_rules(app, world, login_as):
    with app.app_context():
        own = db.session.get(Unit, world["own_unit"])
        make_responsibility(own)
        make_unit_rules(own, "会计学院新媒体管理办法", dt.date(2025, 3, 1))
        db.session.commit()
    text = login_as("dept_admin").get("/admin/units/export/csv/", buffered=True).data.decode("utf-8-sig")
    header, *rows = text.splitlines()
    assert "第一责任人" in header and "责任领导" in header and "现行新媒体管理制度" in header
    own_row = next(row for row in rows if "会计学院" in row)
    assert "王书记" in own_row and "李副院长" in own_row and "会计学院新媒体管理办法" in own_row and "2025-03-01" in own_row


def test_the_registration_form_prints_the_first_responsible_person(app, world, login_as):
    from .test_printing import _text

    with app.app_context():
        make_responsibility(db.session.get(Unit, world["own_unit"]), first="王第一", leader="李领导")
        db.session.commit()
    text = _text(login_as("unit_editor").get(f"/print/accounts/{world['own_account']}.pdf"))
    assert "王第一" in text and "党委书记" in text and "李领导" in text and "责任领导" in text


def test_the_lists_and_pages_do_not_grow_with_rows(app, world, login_as):
    """No N+1: the persons and rules lists, the units list filtered by the gap and its export, the unit's page."""
    from .conftest import count_statements
    from .factories import make_account, make_unit

    client = login_as("dept_admin")
    gap_list = "/admin/units/?flt0_" + str(_gap_filter_index(app)) + "=1"
    urls = ["/admin/responsibles/", "/admin/unit_rules/", gap_list, "/admin/units/export/csv/",
            f"/admin/responsibles/unit/?unit_id={world['own_unit']}", f"/admin/units/details/?id={world['own_unit']}"]
    counts = {}
    for n in (2, 12):
        with app.app_context():
            for i in range(n):
                unit = make_unit(f"N{n}X{i}", f"新增单位{n}-{i}")
                make_account(unit, f"新增帐号{n}-{i}")
                make_responsibility(unit)
                make_unit_rules(unit)
                make_unit_rules(db.session.get(Unit, world["own_unit"]), f"旧办法{n}-{i}", dt.date(2020, 1, 1 + i))
            db.session.commit()
        for url in urls:
            with count_statements(app) as statements:
                response = client.get(url, buffered=True)
                assert response.status_code == 200, url
            counts.setdefault(url, []).append(len(statements))
    grown = {url: c for url, c in counts.items() if c[1] > c[0]}
    assert not grown, f"statements grow with rows (before, after): {grown}"


def _gap_filter_index(app) -> int:
    from admin.home_filters import GovernanceGapFilter

    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", None) == "units")
    return next(i for i, f in enumerate(view._filters) if isinstance(f, GovernanceGapFilter))


def test_a_save_from_an_outdated_page_is_refused(app, world, login_as):
    """Two people change the unit's persons: the second save, from a page opened before the first, is refused."""
    with app.app_context():
        row = make_responsibility(db.session.get(Unit, world["own_unit"]))
        db.session.commit()
        row_id, version = row.id, row.version
    editor, leader = login_as("unit_editor"), login_as("unit_leader")
    assert editor.post(f"/admin/responsibles/edit/?id={row_id}",
                       data={**PERSONS, "first_title": "院长", "row_version": version}).status_code == 302
    page = leader.post(f"/admin/responsibles/edit/?id={row_id}",
                       data={**PERSONS, "media_leader_title": "副书记", "row_version": version}, follow_redirects=True)
    assert "其他人已保存" in page.get_data(as_text=True) or "重新加载" in page.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(UnitResponsibility, row_id)
        assert (row.first_title, row.media_leader_title) == ("院长", "副院长")


def test_the_units_page_of_the_department_shows_the_persons_and_the_next_steps(app, world, login_as):
    with app.app_context():
        make_responsibility(db.session.get(Unit, world["own_unit"]), first="王第一", leader="李领导")
        db.session.commit()
    html = login_as("dept_admin").get(f"/admin/units/details/?id={world['own_unit']}").get_data(as_text=True)
    assert 'id="unit-governance"' in html and "王第一" in html and "李领导" in html
    assert "修改责任人" in html and "上传管理制度" in html and 'data-missing="rules"' in html
    assert "创建官方新媒体的主办单位党政主要负责人为第一责任人" in html  # the regulation's sentence (第九条)
    html = login_as("auditor").get(f"/admin/units/details/?id={world['other_unit']}").get_data(as_text=True)
    assert 'id="unit-governance"' in html and "未填写" in html
    assert "/admin/responsibles/new/" not in html and "/admin/responsibles/edit/" not in html  # the auditor reads
    assert "/admin/unit_rules/new/" not in html and "尚未上传管理制度" in html
