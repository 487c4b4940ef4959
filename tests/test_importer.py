"""Excel import of the existing inventory (services/importer.py): template, dry run, all-or-nothing apply."""
from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.formula import ArrayFormula

from models import (Account, AccountStatus, AuditAction, AuditLog, EmploymentStatus, Maintenance, Manager, Platform,
                    TeamMember, TeamRole, Unit, UnitKind, User, db)
from services import importer
from services.importer import ACCOUNT_SHEET, HEADERS, MANAGER_SHEET, UNIT_SHEET
from services.workdays import add_working_days

from .conftest import count_statements, make_manager

UNIT = {"单位代码": "XW01", "单位名称": "新闻学院", "单位类别": "学院", "单位主要负责人": "刘一", "职务": "院长",
        "联系电话": "0871-65030001"}
HEAD = {"姓名": "陈二", "工号": "T001", "单位代码": "XW01", "职务": "副院长", "联系电话": "13900000001",
        "人员状态": "在岗在编"}
ADMIN = {"姓名": "孙三", "工号": "T002", "单位代码": "XW01", "邮箱": "sun@example.edu.cn", "人员状态": "在岗在编"}
ACCOUNT = {"帐号名称": "新闻学院官微", "媒体类型": "微信公众号（服务号）", "帐号ID": "xwxy", "微信公众号原始ID": "gh_00000000000a",
           "创建主体": "新闻学院", "责任单位代码": "XW01", "创建时间": dt.date(2025, 3, 3), "是否认证": "是",
           "功能定位": "新闻发布", "维护方式": "自行维护", "主页网址": "https://weixin.example/xwxy",
           "负责人工号": "T001", "管理员工号": "T002", "状态": "已备案"}


def valid() -> dict[str, list[dict]]:
    return copy.deepcopy({UNIT_SHEET: [UNIT], MANAGER_SHEET: [HEAD, ADMIN], ACCOUNT_SHEET: [ACCOUNT]})


def save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx(data: dict[str, list[dict]]) -> bytes:
    """A workbook of the three sheets; a row that is None is left empty."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, headers in HEADERS.items():
        sheet = workbook.create_sheet(name)
        sheet.append(headers)
        for row in data.get(name, []):
            sheet.append([row.get(h) for h in headers] if row is not None else [None])
    return save(workbook)


def counts() -> dict[str, int]:
    return {model.__name__: db.session.query(model).count()
            for model in (Unit, Manager, Account, TeamMember, AuditLog)}


def errors_at(report, sheet, row, column) -> list[str]:
    return [e.message for e in report.errors if (e.sheet, e.row, e.column) == (sheet, row, column)]


@pytest.fixture
def en(ctx):
    with force_locale("en"):
        yield


# --- the template --------------------------------------------------------------------------------------------------
def test_template_has_chinese_headers_examples_and_help(en):
    workbook = load_workbook(io.BytesIO(importer.build_template()))
    assert workbook.sheetnames == ["单位", "管理人员", "帐号", "说明"]
    for name, headers in HEADERS.items():
        assert tuple(c.value for c in workbook[name][1]) == headers
        assert workbook[name].max_row >= 2  # an example row
    assert HEADERS[ACCOUNT_SHEET][-2:] == ("管理员工号", "状态")
    help_text = " ".join(str(c.value) for row in workbook["说明"].iter_rows() for c in row if c.value)
    assert "第八条" in help_text and "gh_" in help_text
    assert any("学院" in dv.formula1 for dv in workbook["单位"].data_validations.dataValidation)


def test_unfilled_template_refuses_its_example_rows(en):
    before = counts()
    report = importer.apply(importer.build_template(), None)
    assert not report.ok and not report.applied
    assert {(e.sheet, e.row) for e in report.errors} == {("单位", 2), ("管理人员", 2), ("管理人员", 3), ("帐号", 2)}
    assert all("example row" in e.message for e in report.errors)
    assert counts() == before


def test_template_round_trip(world, en):
    """Fill the template (over its examples), dry-run, apply, and find every row with its team."""
    workbook = load_workbook(io.BytesIO(importer.build_template()))
    data = valid()
    data[ACCOUNT_SHEET].append(dict(ACCOUNT, 帐号名称="新闻学院微博", 媒体类型="微博", 帐号ID=1234567890,
                                    微信公众号原始ID=None, 创建时间="2025-04-30", 是否认证="否", 状态=None,
                                    主页网址="https://weibo.example/xwxy", 管理员工号="T002、T003"))
    data[MANAGER_SHEET].append(dict(ADMIN, 姓名="周四", 工号="T003", 人员状态="学生"))  # not verified: allowed
    for name, rows in data.items():
        sheet = workbook[name]
        sheet.delete_rows(2, sheet.max_row)
        for row in rows:
            sheet.append([row.get(h) for h in HEADERS[name]])
    blob = save(workbook)

    before = counts()
    report = importer.dry_run(blob)
    assert report.ok, report.errors
    assert report.counts == {"units": 1, "managers": 3, "accounts": 2}
    assert counts() == before  # a dry run writes nothing

    report = importer.apply(blob, None)
    assert report.ok and report.applied, report.errors
    db.session.commit()

    unit = db.session.query(Unit).filter_by(code="XW01").one()
    assert (unit.name, unit.kind, unit.leader_name, unit.phone) == ("新闻学院", UnitKind.college, "刘一", "0871-65030001")
    managers = {m.staff_no: m for m in db.session.query(Manager).filter_by(unit_id=unit.id)}
    assert set(managers) == {"T001", "T002", "T003"}
    assert managers["T003"].employment_status is EmploymentStatus.student

    wechat = db.session.query(Account).filter_by(name="新闻学院官微").one()
    assert wechat.unit_id == unit.id and wechat.platform is Platform.wechat_service and wechat.verified
    assert wechat.status is AccountStatus.approved and wechat.in_matrix and wechat.approved_at is not None
    assert wechat.registration_due == add_working_days(dt.date(2025, 3, 3), 5)
    assert wechat.head.manager.staff_no == "T001" and [m.manager.staff_no for m in wechat.admins] == ["T002"]

    weibo = db.session.query(Account).filter_by(name="新闻学院微博").one()
    assert (weibo.platform, weibo.platform_account_id, weibo.created_on) == (Platform.weibo, "1234567890",
                                                                              dt.date(2025, 4, 30))
    assert weibo.status is AccountStatus.draft and not weibo.in_matrix and weibo.approved_at is None
    assert weibo.maintenance is Maintenance.self_run and not weibo.verified
    assert sorted(m.manager.staff_no for m in weibo.admins) == ["T002", "T003"]
    assert weibo.registration_due == add_working_days(dt.date(2025, 4, 30), 5)

    after = counts()
    assert (after["Unit"] - before["Unit"], after["Manager"] - before["Manager"],
            after["Account"] - before["Account"], after["TeamMember"] - before["TeamMember"]) == (1, 3, 2, 5)
    logged = db.session.query(AuditLog).filter(AuditLog.id > 0)
    assert logged.filter_by(action=AuditAction.import_).one().note.startswith("Excel import")
    assert logged.filter_by(action=AuditAction.create, object_type="Account").count() == 2 + before["Account"]


def test_codes_aliases_numbers_and_other_platform_are_accepted(world, en):
    data = valid()
    data[UNIT_SHEET][0].update(单位类别="college", 联系电话=13900000009)
    data[MANAGER_SHEET][0].update(工号=1001, 人员状态="staff")
    data[MANAGER_SHEET][1].update(人员状态="在岗在编 ")
    data[ACCOUNT_SHEET][0].update(媒体类型="其他：今日头条", 微信公众号原始ID=None, 负责人工号=1001,
                                  管理员工号="T002;", 状态="draft", 是否认证=True, 维护方式="委托第三方",
                                  第三方维护单位="某某传媒公司")
    data[ACCOUNT_SHEET].append(dict(ACCOUNT, 帐号名称="B站号", 媒体类型="B站", 帐号ID="b1", 微信公众号原始ID=None,
                                    主页网址=None, 负责人工号="1001", 创建时间=dt.datetime(2025, 1, 2, 0, 0)))
    report = importer.apply(xlsx(data), None)
    assert report.ok, report.errors
    other = db.session.query(Account).filter_by(name="新闻学院官微").one()
    assert (other.platform, other.platform_other, other.vendor) == (Platform.other, "今日头条", "某某传媒公司")
    assert db.session.query(Account).filter_by(name="B站号").one().platform is Platform.bilibili
    assert db.session.query(Unit).filter_by(code="XW01").one().phone == "13900000009"


def test_existing_units_and_managers_can_be_referenced(world, ctx):
    unit = db.session.get(Unit, world["own_unit"])  # KJXY 会计学院
    make_manager(unit, "钱六", staff_no="K001")
    make_manager(unit, "吴七", staff_no="K002")
    db.session.commit()
    data = {UNIT_SHEET: [], MANAGER_SHEET: [dict(ADMIN, 单位代码="KJXY", 工号="K003", 姓名="郑八")],
            ACCOUNT_SHEET: [dict(ACCOUNT, 责任单位代码="KJXY", 负责人工号="K001", 管理员工号="K002,K003")]}
    report = importer.apply(xlsx(data), None)
    assert report.ok, report.errors
    db.session.commit()
    account = db.session.query(Account).filter_by(name="新闻学院官微").one()
    assert account.unit_id == unit.id
    assert account.head.manager.name == "钱六" and [m.manager.name for m in account.admins] == ["吴七", "郑八"]
    assert db.session.query(Manager).filter_by(staff_no="K003").one().unit_id == unit.id


def test_actor_is_recorded(world, ctx):
    actor = db.session.get(User, world["users"]["dept_admin"])
    report = importer.apply(xlsx(valid()), actor)
    assert report.ok, report.errors
    db.session.commit()
    account = db.session.query(Account).filter_by(name="新闻学院官微").one()
    assert account.approved_by_id == actor.id
    entries = db.session.query(AuditLog).filter(AuditLog.action.in_([AuditAction.create, AuditAction.import_]),
                                                AuditLog.user_id == actor.id)
    assert {e.object_type for e in entries} == {None, "Unit", "Manager", "Account", "TeamMember"}


# --- bad rows: each names sheet, row and column, and nothing is written ---------------------------------------------
def _set(sheet, index, **values):
    return lambda d: d[sheet][index].update(values)


def _append(sheet, index, **values):
    return lambda d: d[sheet].append(dict(d[sheet][index], **values))


BAD_ROWS = [
    ("unit code lower case", _set(UNIT_SHEET, 0, 单位代码="xw01"), (UNIT_SHEET, 2, "单位代码"), "upper-case"),
    ("unit code too long", _set(UNIT_SHEET, 0, 单位代码="X" * 21), (UNIT_SHEET, 2, "单位代码"), "upper-case"),
    ("unit name missing", _set(UNIT_SHEET, 0, 单位名称=" "), (UNIT_SHEET, 2, "单位名称"), "required"),
    ("unit kind unknown", _set(UNIT_SHEET, 0, 单位类别="研究所"), (UNIT_SHEET, 2, "单位类别"), "is not one of"),
    ("unit code twice", _append(UNIT_SHEET, 0, 单位名称="别的学院"), (UNIT_SHEET, 3, "单位代码"), "row 2"),
    ("unit name twice", _append(UNIT_SHEET, 0, 单位代码="XW02"), (UNIT_SHEET, 3, "单位名称"), "row 2"),
    ("unit code in database", _set(UNIT_SHEET, 0, 单位代码="KJXY"), (UNIT_SHEET, 2, "单位代码"), "already"),
    ("unit name in database", _set(UNIT_SHEET, 0, 单位名称="会计学院"), (UNIT_SHEET, 2, "单位名称"), "already"),
    ("unit phone", _set(UNIT_SHEET, 0, 联系电话="12345"), (UNIT_SHEET, 2, "联系电话"), "mobile"),
    ("manager e-mail", _set(MANAGER_SHEET, 1, 邮箱="sun@"), (MANAGER_SHEET, 3, "邮箱"), "e-mail"),
    ("manager unit unknown", _set(MANAGER_SHEET, 0, 单位代码="NOPE"), (MANAGER_SHEET, 2, "单位代码"), "Unknown unit"),
    ("manager staff no twice", _append(MANAGER_SHEET, 0, 姓名="另一人"), (MANAGER_SHEET, 4, "工号"), "row 2"),
    ("manager staff no missing", _set(MANAGER_SHEET, 0, 工号=None), (MANAGER_SHEET, 2, "工号"), "required"),
    ("manager status", _set(MANAGER_SHEET, 0, 人员状态="外聘"), (MANAGER_SHEET, 2, "人员状态"), "在岗在编"),
    ("original id missing", _set(ACCOUNT_SHEET, 0, 微信公众号原始ID=None), (ACCOUNT_SHEET, 2, "微信公众号原始ID"),
     "original ID"),
    ("original id format", _set(ACCOUNT_SHEET, 0, 微信公众号原始ID="gh_xyz"), (ACCOUNT_SHEET, 2, "微信公众号原始ID"),
     "gh_"),
    ("date in the future", _set(ACCOUNT_SHEET, 0, 创建时间=dt.date.today() + dt.timedelta(days=1)),
     (ACCOUNT_SHEET, 2, "创建时间"), "future"),
    ("date text format", _set(ACCOUNT_SHEET, 0, 创建时间="2025/03/03"), (ACCOUNT_SHEET, 2, "创建时间"), "YYYY-MM-DD"),
    ("date impossible", _set(ACCOUNT_SHEET, 0, 创建时间="2025-02-30"), (ACCOUNT_SHEET, 2, "创建时间"), "YYYY-MM-DD"),
    ("date missing", _set(ACCOUNT_SHEET, 0, 创建时间=None), (ACCOUNT_SHEET, 2, "创建时间"), "required"),
    ("platform id in database", _set(ACCOUNT_SHEET, 0, 媒体类型="微博", 微信公众号原始ID=None, 帐号ID="id-本单位帐号"),
     (ACCOUNT_SHEET, 2, "帐号ID"), "already"),
    ("platform id twice", _append(ACCOUNT_SHEET, 0, 微信公众号原始ID="gh_00000000000b", 主页网址=None),
     (ACCOUNT_SHEET, 3, "帐号ID"), "row 2"),
    ("original id twice", _append(ACCOUNT_SHEET, 0, 帐号ID="other", 主页网址=None, 微信公众号原始ID="GH_00000000000A"),
     (ACCOUNT_SHEET, 3, "微信公众号原始ID"), "row 2"),
    ("homepage twice", _append(ACCOUNT_SHEET, 0, 帐号ID="other", 微信公众号原始ID="gh_00000000000b"),
     (ACCOUNT_SHEET, 3, "主页网址"), "row 2"),
    ("homepage not a URL", _set(ACCOUNT_SHEET, 0, 主页网址="weixin.example"), (ACCOUNT_SHEET, 2, "主页网址"), "http://"),
    ("two heads", _set(ACCOUNT_SHEET, 0, 负责人工号="T001、T002", 管理员工号="T003"), (ACCOUNT_SHEET, 2, "负责人工号"),
     "exactly one"),
    ("no head", _set(ACCOUNT_SHEET, 0, 负责人工号=None), (ACCOUNT_SHEET, 2, "负责人工号"), "exactly one"),
    ("no admin", _set(ACCOUNT_SHEET, 0, 管理员工号=" "), (ACCOUNT_SHEET, 2, "管理员工号"), "at least one"),
    ("head is also admin", _set(ACCOUNT_SHEET, 0, 管理员工号="T002，T001"), (ACCOUNT_SHEET, 2, "管理员工号"),
     "listed twice"),
    ("unknown staff no", _set(ACCOUNT_SHEET, 0, 管理员工号="T999"), (ACCOUNT_SHEET, 2, "管理员工号"), "T999"),
    ("staff no of another unit", lambda d: (d[UNIT_SHEET].append(dict(UNIT, 单位代码="XW02", 单位名称="二院")),
                                            d[MANAGER_SHEET][1].update(单位代码="XW02")),
     (ACCOUNT_SHEET, 2, "管理员工号"), "not a manager of unit XW01"),
    ("team member unreachable", _set(MANAGER_SHEET, 1, 邮箱=None), (ACCOUNT_SHEET, 2, "管理员工号"), "孙三"),
    ("verified admin not on staff (第八条)", _set(MANAGER_SHEET, 1, 人员状态="非在编"), (ACCOUNT_SHEET, 2, "管理员工号"),
     "“孙三” is Non-tenured staff"),
    ("status not importable", _set(ACCOUNT_SHEET, 0, 状态="待单位审核"), (ACCOUNT_SHEET, 2, "状态"), "草稿、已备案"),
    ("verified yes/no", _set(ACCOUNT_SHEET, 0, 是否认证="也许"), (ACCOUNT_SHEET, 2, "是否认证"), "是、否"),
    ("outsourced without vendor", _set(ACCOUNT_SHEET, 0, 维护方式="委托第三方"), (ACCOUNT_SHEET, 2, "第三方维护单位"),
     "vendor"),
    ("other platform unnamed", _set(ACCOUNT_SHEET, 0, 媒体类型="其他", 微信公众号原始ID=None),
     (ACCOUNT_SHEET, 2, "媒体类型"), "其他：今日头条"),
    ("account name too long", _set(ACCOUNT_SHEET, 0, 帐号名称="号" * 101), (ACCOUNT_SHEET, 2, "帐号名称"), "100"),
    ("row numbers skip empty rows", lambda d: d[ACCOUNT_SHEET].insert(0, None) or d[ACCOUNT_SHEET][1].update(
        创建主体=None), (ACCOUNT_SHEET, 3, "创建主体"), "required"),
]


@pytest.mark.parametrize("mutate, where, fragment", [case[1:] for case in BAD_ROWS], ids=[c[0] for c in BAD_ROWS])
def test_bad_row_is_reported_and_nothing_is_written(world, en, mutate, where, fragment):
    data = valid()
    mutate(data)
    before = counts()
    report = importer.apply(xlsx(data), None)
    assert not report.ok and not report.applied
    messages = errors_at(report, *where)
    assert any(fragment in m for m in messages), (where, report.errors)
    assert counts() == before
    db.session.commit()
    assert counts() == before


def test_unit_established_after_account_creation(world, en):
    unit = db.session.get(Unit, world["own_unit"])
    unit.established_on = dt.date(2025, 6, 1)
    make_manager(unit, "钱六", staff_no="K001")
    make_manager(unit, "吴七", staff_no="K002")
    db.session.commit()
    data = {ACCOUNT_SHEET: [dict(ACCOUNT, 责任单位代码="KJXY", 负责人工号="K001", 管理员工号="K002")]}
    report = importer.dry_run(xlsx(data))
    assert any("June 1, 2025" in m or "2025年6月1日" in m for m in errors_at(report, ACCOUNT_SHEET, 2, "创建时间")), \
        report.errors


def test_verified_admin_from_the_database_must_be_on_staff(world, en):
    unit = db.session.get(Unit, world["own_unit"])
    make_manager(unit, "钱六", staff_no="K001")
    make_manager(unit, "吴七", staff_no="K002", status=EmploymentStatus.left)
    db.session.commit()
    data = {ACCOUNT_SHEET: [dict(ACCOUNT, 责任单位代码="KJXY", 负责人工号="K001", 管理员工号="K002")]}
    report = importer.dry_run(xlsx(data))
    assert any("吴七" in m and "第八条" in m for m in errors_at(report, ACCOUNT_SHEET, 2, "管理员工号")), report.errors


# --- bad files --------------------------------------------------------------------------------------------------------
def _only_error(report) -> str:
    assert not report.ok and len(report.errors) == 1, report.errors
    return report.errors[0].message


@pytest.mark.parametrize("blob", [b"", b"not a spreadsheet", b"%PDF-1.4\n%%EOF\n", "单位,名称\n".encode()],
                         ids=["empty", "text", "pdf", "csv"])
def test_not_an_xlsx(en, blob):
    assert "not an Excel workbook" in _only_error(importer.dry_run(blob))


def test_corrupt_zip(en):
    good = xlsx(valid())
    assert "not an Excel workbook" in _only_error(importer.dry_run(good[: len(good) // 2]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "no workbook here")
    assert "not an Excel workbook" in _only_error(importer.dry_run(buffer.getvalue()))
    buffer = io.BytesIO()  # the parts are there but a sheet's XML is garbage
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            content = source.read(item)
            archive.writestr(item, b"<worksheet><sheetData><row" if item.filename.endswith("sheet3.xml") else content)
    assert "not an Excel workbook" in _only_error(importer.dry_run(buffer.getvalue()))


def test_empty_workbook_names_the_missing_sheets(en):
    report = importer.dry_run(save(Workbook()))
    assert [(e.sheet, e.row) for e in report.errors] == [("单位", None), ("管理人员", None), ("帐号", None)]
    assert "“帐号” is missing" in report.errors[2].message


def test_missing_header_is_named(en):
    workbook = load_workbook(io.BytesIO(xlsx(valid())))
    workbook[MANAGER_SHEET]["F1"] = "电子邮箱"
    report = importer.dry_run(save(workbook))
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [(MANAGER_SHEET, 1, "邮箱")]
    assert "“邮箱”" in report.errors[0].message


def test_formulas_are_refused(en):
    workbook = load_workbook(io.BytesIO(xlsx(valid())))
    workbook[UNIT_SHEET]["B2"] = '=HYPERLINK("http://evil.example","新闻学院")'
    workbook[ACCOUNT_SHEET]["A2"] = ArrayFormula("A2", "=UPPER(B2)")
    report = importer.apply(save(workbook), None)
    assert {(e.sheet, e.row, e.column) for e in report.errors} == {(UNIT_SHEET, 2, "单位名称"),
                                                                   (ACCOUNT_SHEET, 2, "帐号名称")}
    assert all("Formulas are not allowed" in e.message for e in report.errors)


def test_more_than_20000_rows_are_refused(en):
    workbook = Workbook(write_only=True)
    for name, headers in HEADERS.items():
        sheet = workbook.create_sheet(name)
        sheet.append(headers)
        if name == UNIT_SHEET:
            for number in range(importer.MAX_ROWS + 1):
                sheet.append([f"U{number}", f"单位{number}", "学院"])
    report = importer.dry_run(save(workbook))
    assert [(e.sheet, e.row) for e in report.errors] == [(UNIT_SHEET, importer.MAX_ROWS + 2)]
    assert "20000" in report.errors[0].message


def test_ten_thousand_bad_rows_answer_quickly(app, en):
    """Counted, not timed (a time limit fails on a busy machine and proves little on an idle one): the check
    stops at the 1,000th error, and reads the database in a few statements of up to 500 values each — a
    statement per row would be 10,000 (the seconds it takes are openpyxl parsing the XML)."""
    workbook = Workbook(write_only=True)
    for name, headers in HEADERS.items():
        sheet = workbook.create_sheet(name)
        sheet.append(headers)
        if name == ACCOUNT_SHEET:
            for number in range(10_000):
                sheet.append([f"帐号{number}", "微博", f"id{number}", None, "某单位", "NOPE", "2025-01-01", "否",
                              None, None, None, None, None, None, f"S{number}", f"A{number}", None])
    blob = save(workbook)
    with count_statements(app) as statements:
        report = importer.dry_run(blob)
    assert len(statements) <= 100, f"{len(statements)} SQL statements for 10,000 rows"
    assert len(report.errors) == importer.MAX_ERRORS + 1
    assert report.errors[-1].sheet is None and "stopped after 1000" in report.errors[-1].message


def test_a_clash_at_write_time_rolls_everything_back(world, en, monkeypatch):
    """Another user registers the same original ID between the check and the flush."""
    original = importer._Checker._load_existing

    def blind(self):
        original(self)
        self.db_originals = set()

    data = valid()
    data[ACCOUNT_SHEET][0]["微信公众号原始ID"] = "gh_00000000000f"
    account = db.session.get(Account, world["own_account"])
    account.platform, account.wechat_original_id = Platform.wechat_subscription, "gh_00000000000f"
    db.session.commit()
    before = counts()
    monkeypatch.setattr(importer._Checker, "_load_existing", blind)
    report = importer.apply(xlsx(data), None)
    assert not report.applied and "nothing was imported" in _only_error(report)
    db.session.commit()
    assert counts() == before
