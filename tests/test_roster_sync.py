"""The 人事处 staff roster kept in step (issue 17, part 2): services/roster.py and `flask staff sync`."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from models import AccountStatus, AuditLog, EmploymentStatus, Manager, Role, User, db
from services import reminders, roster
from services.staff import staff_problems

from .factories import make_account, make_manager, make_unit, make_user

HEADER = "工号,姓名,单位,人员类别,在岗状态,手机,邮箱"


def csv_bytes(*rows: str, header: str = HEADER, encoding="utf-8-sig") -> bytes:
    return "\n".join((header, *rows)).encode(encoding)


def xlsx_bytes(*rows: tuple) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def people(app):
    """A unit with a verified registered account whose 管理员 is 在岗在编 (工号 T002), its 负责人 (T001), a
    login linked to T002, and a department login."""
    with app.app_context():
        unit = make_unit("KJXY", name="科技学院")
        account = make_account(unit, name="科技学院官微", status=AccountStatus.approved, verified=True)
        head, admin = (m.manager for m in account.team)
        head.staff_no, admin.staff_no = "T001", "T002"
        head.name, admin.name = "张伟", "李娜"
        login = make_user("lina", Role.unit_editor, unit)
        login.staff_no = "T002"
        make_user("dept", Role.dept_admin)
        make_user("editor", Role.unit_editor, unit)
        db.session.commit()
        yield {"unit": unit.id, "account": account.id, "head": head.id, "admin": admin.id, "login": login.id}
        db.session.remove()


UNCHANGED = ("T001,张伟,科技学院,在编,在岗,13800001111,", "T002,李娜,科技学院,在编,在岗,13800001111,")
LEFT = ("T001,张伟,科技学院,在编,在岗,13800001111,", "T002,李娜,科技学院,在编,离职,,")


def audit_count() -> int:
    return db.session.query(AuditLog).count()


# --- bad files: a clear message by row and column, nothing written ---------------------------------------
BAD_FILES = {
    "missing column": (csv_bytes("T001,张伟,科技学院,在编", header="工号,姓名,单位,人员类别"), 1, "在岗状态", "缺少"),
    "wrong columns": (csv_bytes("1,2,3", header="编号,名字,部门"), 1, "工号", "缺少"),
    "duplicate 工号": (csv_bytes(*LEFT, "T002,李娜,科技学院,在编,在岗,,"), 4, "工号", "第 3 行"),
    "unknown unit": (csv_bytes("T001,张伟,外星学院,在编,在岗,,"), 2, "单位", "外星学院"),
    "bad category": (csv_bytes("T001,张伟,科技学院,编外,在岗,,"), 2, "人员类别", "编外"),
    "bad post": (csv_bytes("T001,张伟,科技学院,在编,休假,,"), 2, "在岗状态", "休假"),
    "empty 工号": (csv_bytes(",张伟,科技学院,在编,在岗,,"), 2, "工号", "必填"),
    "bad phone": (csv_bytes("T001,张伟,科技学院,在编,在岗,12345,"), 2, "手机", ""),
    "bad e-mail": (csv_bytes("T001,张伟,科技学院,在编,在岗,,not-an-address"), 2, "邮箱", ""),
    "not a spreadsheet (PDF)": (b"%PDF-1.4\n\x00\x01\x02binary", None, None, "不是"),
    "damaged xlsx": (b"PK\x03\x04 not really a zip", None, None, "不是"),
    "empty file": (b"", None, None, "不是"),
}


@pytest.mark.parametrize("data,row,column,words", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_refused_by_row_and_column_and_writes_nothing(app, people, data, row, column, words):
    with app.app_context():
        before = audit_count()
        report = roster.apply(data)
        db.session.commit()
        assert not report.ok and not report.applied
        problem = report.problems[0]
        assert (problem.row, problem.column) == (row, column)
        assert words in problem.message
        assert any("\u4e00" <= ch <= "\u9fff" for ch in problem.message), problem.message  # Chinese
        assert db.session.get(Manager, people["admin"]).employment_status == EmploymentStatus.staff
        assert db.session.get(User, people["login"]).active
        assert audit_count() == before


def test_a_formula_is_refused_at_its_row_and_column(app, people):
    with app.app_context():
        report = roster.check(xlsx_bytes(("T001", "张伟", "科技学院", "在编", "=IF(1,\"在岗\",\"离职\")", "", "")))
        assert [(p.row, p.column) for p in report.problems] == [(2, "在岗状态")]


def test_over_the_row_limit_is_refused(app, people, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROWS", 3)
    rows = [f"X{n:05d},某人,科技学院,在编,在岗,," for n in range(4)]
    with app.app_context():
        report = roster.check(csv_bytes(*rows))
        assert not report.ok and report.problems[0].row == 5
        assert "3" in report.problems[0].message and "行" in report.problems[0].message


def test_fifty_thousand_rows_are_handled(app, people):
    rows = [f"X{n:06d},某人,科技学院,非在编,在岗,," for n in range(50_000)] + ["T002,李娜,科技学院,在编,离职,,"]
    with app.app_context():
        report = roster.apply(csv_bytes(*rows))
        db.session.commit()
        assert report.ok and report.rows == 50_001 and report.applied
        assert [c.manager_id for c in report.changes] == [people["admin"]]


def test_an_error_in_one_row_changes_no_other_row(app, people):
    with app.app_context():
        report = roster.apply(csv_bytes(*LEFT, "T003,王五,外星学院,在编,在岗,,"))
        db.session.commit()
        assert [(p.row, p.column) for p in report.problems] == [(4, "单位")]
        assert db.session.get(Manager, people["admin"]).employment_status == EmploymentStatus.staff


# --- dry run, apply, audit, idempotence -------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda rows: csv_bytes(*rows), lambda rows: csv_bytes(*rows, encoding="gb18030"),
                                  lambda rows: xlsx_bytes(*(r.split(",") for r in rows))],
                         ids=["csv", "csv-gb18030", "xlsx"])
def test_dry_run_lists_changes_person_by_person_and_writes_nothing(app, people, make):
    with app.app_context():
        before = audit_count()
        report = roster.check(make(LEFT))
        assert report.ok and not report.applied
        assert [(c.row, c.manager_id, c.changes) for c in report.changes] == [
            (3, people["admin"], {"employment_status": (EmploymentStatus.staff, EmploymentStatus.left)})]
        assert [(row, user_id) for row, user_id, _label in report.deactivations] == [(3, people["login"])]
        lines = roster.describe(report)
        assert any("第3行" in line and "李娜" in line and "在岗在编" in line and "→" in line for line in lines)
        db.session.commit()
        assert db.session.get(Manager, people["admin"]).employment_status == EmploymentStatus.staff
        assert db.session.get(User, people["login"]).active
        assert audit_count() == before


def test_apply_changes_and_audits_each_person_old_to_new(app, people):
    with app.app_context():
        report = roster.apply(csv_bytes(*LEFT))
        db.session.commit()
        assert report.applied
        assert db.session.get(Manager, people["admin"]).employment_status == EmploymentStatus.left
        assert db.session.get(Manager, people["head"]).employment_status == EmploymentStatus.staff
        entries = db.session.query(AuditLog).filter_by(object_type="Manager", note=roster.NOTE).all()
        assert [(e.object_id, e.changes, e.note) for e in entries] == [
            (people["admin"], {"employment_status": ["staff", "left"]}, roster.NOTE)]
        login_entries = db.session.query(AuditLog).filter_by(object_type="User", object_id=people["login"], note=roster.NOTE).all()
        # Deactivating a login also ends its sessions (issue 16, finding 7): the session epoch moves with it.
        assert [e.changes for e in login_entries] == [{"active": [True, False], "session_epoch": [0, 1]}]


def test_login_of_a_person_who_left_is_deactivated(app, people):
    with app.app_context():
        roster.apply(csv_bytes("T002,李娜,科技学院,在编,退休,,"))
        db.session.commit()
        assert not db.session.get(User, people["login"]).active
        assert db.session.query(User).filter_by(username="dept").one().active  # not linked: left alone


def test_the_same_file_twice_changes_nothing_the_second_time(app, people):
    with app.app_context():
        data = csv_bytes("T001,张伟,科技学院,在编,在岗,13900002222,t001@example.edu.cn", LEFT[1])
        first = roster.apply(data)
        db.session.commit()
        assert first.changed
        before = audit_count()
        second = roster.apply(data)
        db.session.commit()
        assert second.ok and not second.changed and not second.applied
        assert second.changes == [] and second.deactivations == []
        assert audit_count() == before
        head = db.session.get(Manager, people["head"])
        assert (head.phone, head.email) == ("13900002222", "t001@example.edu.cn")


def test_an_unchanged_roster_changes_nothing(app, people):
    with app.app_context():
        report = roster.apply(csv_bytes(*UNCHANGED))
        assert report.ok and not report.changed and report.alerts == []


def test_name_mismatch_is_reported_not_changed(app, people):
    with app.app_context():
        # Full-width letters and spaces are the same name; another name is a mismatch.
        report = roster.apply(csv_bytes("T001,张 伟,科技学院,在编,在岗,,", "T002,李娜娜,科技学院,在编,在岗,,"))
        db.session.commit()
        assert [(m.row, m.manager_id, m.column, m.in_system, m.in_roster) for m in report.mismatches] == [
            (3, people["admin"], "姓名", "李娜", "李娜娜")]
        assert db.session.get(Manager, people["admin"]).name == "李娜"
        assert any("李娜娜" in line and "姓名" in line for line in roster.describe(report))


def test_names_compare_after_nfkc_and_without_white_space():
    assert roster.normal_name("Ｌｉ　Ｎａ ") == roster.normal_name("LiNa")
    assert roster.normal_name("张伟") != roster.normal_name("张玮")


@pytest.mark.parametrize("category,post,status", [
    ("在编", "在岗", EmploymentStatus.staff), ("在编", "离岗", EmploymentStatus.non_staff),
    ("非在编", "在岗", EmploymentStatus.non_staff), ("学生", "在岗", EmploymentStatus.student),
    ("在编", "退休", EmploymentStatus.left), ("学生", "离职", EmploymentStatus.left)])
def test_status_of_a_roster_row(category, post, status):
    assert roster.status_of(category, post) == status


def test_article_8_alert_raised_for_a_verified_account(app, people):
    with app.app_context():
        dry = roster.check(csv_bytes(*LEFT))
        assert [(a.account_id, a.manager_label) for a in dry.alerts] == [(people["account"], "李娜（T002）")]
        report = roster.apply(csv_bytes(*LEFT))
        db.session.commit()
        assert [a.account_id for a in report.alerts] == [people["account"]]
        assert any("第八条" in line or "在岗在编" in line for line in roster.describe(report))
        # The department's home page reads the same data (services/staff.py).
        dept = db.session.query(User).filter_by(username="dept").one()
        flagged = [(p["account"].id, p["verified_breach"]) for p in staff_problems(dept)]
        assert (people["account"], True) in flagged
        # And the unit's next reminder (services/reminders.py).
        editor = db.session.query(User).filter_by(username="editor").one()
        assert any("第八条" in line and "科技学院官微" in line and "李娜" in line
                   for line in reminders.items_for(editor, dt.date(2026, 12, 1)))


def test_no_alert_for_an_unverified_account(app, people):
    with app.app_context():
        unit = make_unit("WXY", name="文学院")
        account = make_account(unit, name="文学院微博", status=AccountStatus.approved, verified=False)
        account.team[1].manager.staff_no = "W001"
        db.session.commit()
        report = roster.check(csv_bytes("W001,文学院微博管理员,文学院,非在编,在岗,,"))
        assert report.ok and len(report.changes) == 1 and report.alerts == []


def test_a_manager_in_another_unit_than_the_roster_is_reported(app, people):
    with app.app_context():
        make_unit("XGB", name="学生工作部")
        db.session.commit()
        report = roster.check(csv_bytes("T001,张伟,学生工作部,在编,在岗,,"))
        assert [(m.column, m.in_system, m.in_roster) for m in report.mismatches] == [("单位", "科技学院", "学生工作部")]
        assert report.changes == []


# --- the command ------------------------------------------------------------------------------------------------
def test_cli_dry_run_then_apply(app, people, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(*LEFT))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["staff", "sync", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "Dry run" in dry.output and "李娜" in dry.output
    with app.app_context():
        assert db.session.get(Manager, people["admin"]).employment_status == EmploymentStatus.staff
    done = runner.invoke(args=["staff", "sync", str(path)])  # SPEC: FILE [--dry-run]; applying is the default
    assert done.exit_code == 0 and "Applied" in done.output
    with app.app_context():
        assert db.session.get(Manager, people["admin"]).employment_status == EmploymentStatus.left
        assert not db.session.get(User, people["login"]).active


def test_cli_refuses_dry_run_and_apply_together(app, people, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(*LEFT))
    result = app.test_cli_runner().invoke(args=["staff", "sync", str(path), "--dry-run", "--apply"])
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.get(Manager, people["admin"]).employment_status == EmploymentStatus.staff


def test_cli_refuses_a_bad_file(app, people, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes("T001,张伟,外星学院,在编,在岗,,"))
    result = app.test_cli_runner().invoke(args=["staff", "sync", str(path), "--apply"])
    assert result.exit_code != 0 and "外星学院" in result.output


# --- the department's screen (/admin/managers/roster/) -------------------------------------------------------
def upload(client, data, mode="check", name="roster.csv"):
    return client.client.post("/admin/managers/roster/", data={
        "csrf_token": client.csrf, "mode": mode, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


@pytest.fixture
def roster_world(app, world):
    """The world's other unit's 管理员 (校团委) has 工号 TW02."""
    with app.app_context():
        member = db.session.query(Manager).filter_by(unit_id=world["other_unit"]).order_by(Manager.id).all()[1]
        member.staff_no = "TW02"
        db.session.commit()
        return {**world, "tw_admin": member.id, "tw_name": member.name}


def test_screen_dry_run_lists_changes_and_writes_nothing(app, roster_world, login_as):
    client = login_as("dept_admin")
    assert client.get("/admin/managers/roster/").status_code == 200
    data = csv_bytes(f"TW02,{roster_world['tw_name']},校团委,在编,离职,,")
    response = upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "第2行" in html and "离职" in html and "尚未作任何修改" in html
    with app.app_context():
        assert db.session.get(Manager, roster_world["tw_admin"]).employment_status == EmploymentStatus.staff


def test_screen_apply_changes_and_is_audited_with_the_user(app, roster_world, login_as):
    data = csv_bytes(f"TW02,{roster_world['tw_name']},校团委,非在编,在岗,,")
    response = upload(login_as("dept_admin"), data, "apply")
    assert response.status_code == 200 and "已同步" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Manager, roster_world["tw_admin"]).employment_status == EmploymentStatus.non_staff
        entry = db.session.query(AuditLog).filter_by(object_type="Manager", note=roster.NOTE).one()
        assert entry.user_id == roster_world["users"]["dept_admin"]


@pytest.mark.parametrize("mode", ["check", "apply"])
def test_screen_shows_a_bad_file_by_row_and_column(app, roster_world, login_as, mode):
    response = upload(login_as("dept_admin"), csv_bytes("TW02,某人,外星学院,在编,离职,,"), mode)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "外星学院" in html and "未作任何修改" in html
    with app.app_context():
        assert db.session.get(Manager, roster_world["tw_admin"]).employment_status == EmploymentStatus.staff


def test_screen_reads_in_chinese(app, roster_world, login_as):
    from .test_chinese_screens import latin_words, visible_text

    client = login_as("dept_admin")
    names = {"dept", "KJXY", "TW", "TW02", "roster"}
    pages = [client.get("/admin/managers/"), client.get("/admin/managers/roster/"),
             upload(client, csv_bytes(f"TW02,{roster_world['tw_name']}x,校团委,在编,离职,13800001111,")),
             upload(client, csv_bytes("TW02,某人,外星学院,在编,离职,,")), upload(client, b"%PDF\x00")]
    found = [latin_words(visible_text(page.get_data(as_text=True)), names) for page in pages]
    assert found == [[]] * len(pages)
    assert "与人事名单同步" in pages[0].get_data(as_text=True)


# --- linking a login to the roster (/admin/users/, field 工号) -------------------------------------------------
def user_form(username, staff_no, unit):
    return {"username": username, "display_name": username, "role": "unit_editor", "unit": str(unit),
            "email": "", "staff_no": staff_no, "active": "y", "new_password": "a-long-password1"}


def test_department_links_a_login_to_a_staff_number(app, world, login_as):
    client = login_as("dept_admin")
    assert client.post("/admin/users/new/", data=user_form("linked", " P100 ", world["own_unit"])).status_code == 302
    for name in ("plain1", "plain2"):  # empty is "not linked": never a duplicate
        assert client.post("/admin/users/new/", data=user_form(name, "", world["own_unit"])).status_code == 302
    again = client.post("/admin/users/new/", data=user_form("linked2", "P100", world["own_unit"]))
    assert again.status_code == 200 and "已经存在" in again.get_data(as_text=True)  # at the field 工号
    with app.app_context():
        found = {u.username: u.staff_no for u in db.session.query(User).filter(User.username.in_(
            ("linked", "plain1", "plain2", "linked2")))}
        assert found == {"linked": "P100", "plain1": None, "plain2": None}
