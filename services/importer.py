"""Excel import of the department's existing inventory (SPEC, "Bulk work").

:func:`build_template` gives the workbook to fill in, :func:`dry_run` checks it row by row without
writing anything, :func:`apply` writes every unit, manager and account in one flush — or nothing when
any row is wrong. The rules of an account and its team are the ones every entry point asks
(services/accounts.py), from the regulation (第N条). The caller (a department-only screen or the CLI) commits.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import gettext, lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from services import validators
from models import (Account, AccountStatus, EmploymentStatus, Maintenance, Manager, Platform, TeamMember,
                    TeamRole, Unit, UnitKind, db, utcnow)
from models.audit import AuditAction
from services import accounts, audit
from services.problems import Problem

UNIT_SHEET, MANAGER_SHEET, ACCOUNT_SHEET, HELP_SHEET = "单位", "管理人员", "帐号", "说明"
HEADERS = {
    UNIT_SHEET: ("单位代码", "单位名称", "单位类别", "单位主要负责人", "职务", "联系电话"),
    MANAGER_SHEET: ("姓名", "工号", "单位代码", "职务", "联系电话", "邮箱", "人员状态"),
    ACCOUNT_SHEET: ("帐号名称", "媒体类型", "帐号ID", "微信公众号原始ID", "创建主体", "责任单位代码", "创建时间",
                    "是否认证", "功能定位", "内容定位", "受众定位", "维护方式", "第三方维护单位", "主页网址",
                    "负责人工号", "管理员工号", "状态"),
}
#: The template's example rows; a row starting like one of them is refused, so that it is never imported.
EXAMPLES = {
    UNIT_SHEET: [("SL01", "示例学院", "学院", "李四", "院长", "0871-65031234")],
    MANAGER_SHEET: [("张三", "SL0001", "SL01", "宣传委员", "13800001111", "zhangsan@example.edu.cn", "在岗在编"),
                    ("王五", "SL0002", "SL01", "新闻干事", "13800002222", None, "在岗在编")],
    ACCOUNT_SHEET: [("示例学院微信公众号", "微信公众号（订阅号）", "slxy_news", "gh_0123456789ab", "示例学院", "SL01",
                     dt.date(2024, 9, 2), "是", "发布学院新闻与通知", "教学科研、学生活动", "本院师生及校友",
                     "自行维护", None, None, "SL0001", "SL0002", "已备案")],
}
TEXT_COLUMNS = {"单位代码", "工号", "联系电话", "帐号ID", "责任单位代码", "负责人工号", "管理员工号"}
HELP_ROWS = [
    ("工作表", "列", "说明"),
    ("全部", "", "第1行为列名，请勿修改；每行一条记录，每个工作表最多20000行；不得使用公式。"),
    ("全部", "", "第2行（管理人员表第2、3行）为示例，导入前请删除或改写。"),
    ("全部", "", "先“试导入”检查；只有全部无误才会导入，任何一行有误则不导入任何数据。"),
    ("单位", "单位代码", "必填，1～20位大写英文字母或数字，如 XCB、CS01，不得与已有单位重复。"),
    ("单位", "单位名称", "必填，不得与已有单位重复。"),
    ("单位", "单位类别", "必填：职能部门、学院、直属单位、学生组织、其他。"),
    ("单位", "单位主要负责人、职务", "选填，即在备案审批表上签字的单位主要负责人（第七条）。"),
    ("单位", "联系电话", "选填，11位手机号或带区号的固定电话，如 0871-65023456。"),
    ("管理人员", "工号", "必填，学生填学号；同一单位内不得重复。帐号表用工号指定负责人和管理员。"),
    ("管理人员", "单位代码", "必填，为“单位”表中的单位或系统中已有的单位。"),
    ("管理人员", "联系电话、邮箱", "选填，但帐号管理队伍中的每个人至少要填一项。"),
    ("管理人员", "人员状态", "必填：在岗在编、非在编、学生、离职。认证帐号的管理员须为在岗在编人员（第八条）。"),
    ("帐号", "媒体类型", "必填：微博、微信公众号（订阅号）、微信公众号（服务号）、企业微信（企业号）、微信视频号、QQ、"
                       "抖音、快手、哔哩哔哩、小红书、APP、网络视频/微电影、手机报；其他类型写作“其他：类型名称”。"),
    ("帐号", "帐号ID", "选填；同一媒体类型的帐号ID不得重复。"),
    ("帐号", "微信公众号原始ID", "微信公众号必填：gh_ 加12位0-9或a-f，如 gh_1a2b3c4d5e6f；不得重复。"),
    ("帐号", "创建主体", "必填，开设帐号的主体。"),
    ("帐号", "责任单位代码", "必填，为“单位”表中的单位或系统中已有的单位。"),
    ("帐号", "创建时间", "必填，日期或 YYYY-MM-DD 格式的文本，不得晚于今天；备案截止日为其后5个工作日（第六条）。"),
    ("帐号", "是否认证", "是 或 否，留空为否。"),
    ("帐号", "功能定位、内容定位、受众定位", "选填（备案审批表注3）。"),
    ("帐号", "维护方式", "自行维护 或 委托第三方，留空为自行维护；委托第三方时须填写第三方维护单位。"),
    ("帐号", "主页网址", "选填，以 http:// 或 https:// 开头；不得重复。"),
    ("帐号", "负责人工号", "必填，一人，须为责任单位的管理人员（“管理人员”表或系统中已有）。"),
    ("帐号", "管理员工号", "必填，一人或多人，用“、”“,”或“;”分隔，须为责任单位的管理人员，不得与负责人相同。"),
    ("帐号", "状态", "草稿 或 已备案，留空为草稿；已备案的帐号导入后即列入新媒体矩阵（第五条）。"),
]
MAX_ROWS = 20_000     # data rows per sheet
MAX_ERRORS = 1_000    # stop checking after this many: a file full of errors answers quickly
UNIT_CODE = r"^[A-Z0-9]{1,20}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
URL = r"(?i)^https?://\S+$"
DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OTHER_PLATFORM = re.compile(r"^(?:其他|other)\s*[:：(（]\s*(.+?)\s*[)）]?$", re.I)
STAFF_NO_SEPARATORS = re.compile(r"[、,，;；\s]+")
_REQUIRED = object()
#: The column where a rule's problem (services/accounts.py) is shown, by the problem's field.
COLUMN_OF = {"head": "负责人工号", "admins": "管理员工号", "wechat_original_id": "微信公众号原始ID",
             "platform_other": "媒体类型", "vendor": "第三方维护单位", "created_on": "创建时间"}
#: Where the sheet asks for the value in its own way, it says so (媒体类型 “其他” is named in the same cell).
SHEET_WORDING = {"platform_other": _l("Name the media type after “其他”, e.g. 其他：今日头条.")}


class Issue(NamedTuple):
    sheet: str | None     # None for the file as a whole
    row: int | None       # the spreadsheet's row number (1 = headers)
    column: str | None    # the column header
    message: str


@dataclass
class ImportReport:
    errors: list[Issue] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"units": 0, "managers": 0, "accounts": 0})
    applied: bool = False  # True once apply() has written the rows (the caller still commits)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, sheet, row, column, message) -> None:
        self.errors.append(Issue(sheet, row, column, message))
        if len(self.errors) >= MAX_ERRORS:
            self.errors.append(Issue(None, None, None, gettext(
                "Checking stopped after %(count)s errors; correct them and try again.", count=MAX_ERRORS)))
            raise _TooManyErrors


class _TooManyErrors(Exception):
    pass


# --- accepted words of the enumerated columns ---------------------------------------------------------------
def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")").lower()


class _Choices:
    """The Chinese labels of the interface, a few common aliases and the member codes (e.g. ``college``)."""

    def __init__(self, words: dict[str, Any], aliases: dict[str, str] | None = None, codes=()):
        self.labels = list(words)
        self.lookup = {_norm(w): v for w, v in words.items()}
        self.lookup.update({_norm(a): words[w] for a, w in (aliases or {}).items()})
        self.lookup.update({m.name: m for m in codes})

    def get(self, text: str):
        return self.lookup.get(_norm(text))


UNIT_KINDS = _Choices({"职能部门": UnitKind.functional, "学院": UnitKind.college, "直属单位": UnitKind.affiliated,
                       "学生组织": UnitKind.student_org, "其他": UnitKind.other}, codes=UnitKind)
EMPLOYMENT = _Choices({"在岗在编": EmploymentStatus.staff, "非在编": EmploymentStatus.non_staff,
                       "学生": EmploymentStatus.student, "离职": EmploymentStatus.left}, codes=EmploymentStatus)
PLATFORMS = _Choices({
    "微博": Platform.weibo, "微信公众号（订阅号）": Platform.wechat_subscription,
    "微信公众号（服务号）": Platform.wechat_service, "企业微信（企业号）": Platform.wechat_work,
    "微信视频号": Platform.wechat_channels, "QQ": Platform.qq, "抖音": Platform.douyin, "快手": Platform.kuaishou,
    "哔哩哔哩": Platform.bilibili, "小红书": Platform.xiaohongshu, "APP": Platform.app,
    "网络视频/微电影": Platform.web_video, "手机报": Platform.mobile_paper, "其他": Platform.other,
}, aliases={"订阅号": "微信公众号（订阅号）", "微信订阅号": "微信公众号（订阅号）", "服务号": "微信公众号（服务号）",
            "微信服务号": "微信公众号（服务号）", "企业微信": "企业微信（企业号）", "企业号": "企业微信（企业号）",
            "视频号": "微信视频号", "B站": "哔哩哔哩", "网络视频": "网络视频/微电影", "微电影": "网络视频/微电影"},
    codes=Platform)
MAINTENANCE = _Choices({"自行维护": Maintenance.self_run, "委托第三方": Maintenance.outsourced},
                       aliases={"委托第三方维护": "委托第三方"}, codes=Maintenance)
# An imported account is a draft, or an account registered on paper before the system existed.
STATUSES = _Choices({"草稿": AccountStatus.draft, "已备案": AccountStatus.approved},
                    codes=(AccountStatus.draft, AccountStatus.approved))
YES_NO = _Choices({"是": True, "否": False}, aliases={"yes": "是", "no": "否", "true": "是", "false": "否"})
DROPDOWNS = {"单位类别": UNIT_KINDS, "人员状态": EMPLOYMENT, "媒体类型": PLATFORMS, "维护方式": MAINTENANCE,
             "状态": STATUSES, "是否认证": YES_NO}


# --- the template ---------------------------------------------------------------------------------------------
def build_template() -> bytes:
    """The workbook to fill in: one sheet per entity with Chinese headers and an example, and 「说明」."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, headers in HEADERS.items():
        sheet = workbook.create_sheet(name)
        sheet.append(headers)
        for example in EXAMPLES[name]:
            sheet.append(example)
        for index, header in enumerate(headers, 1):
            sheet.cell(1, index).font = Font(bold=True)
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, 2 * len(header) + 4)
            if header in TEXT_COLUMNS:  # staff numbers and phones keep their leading zeros
                sheet.column_dimensions[letter].number_format = "@"
            if header in DROPDOWNS:  # a drop-down that still lets one type another accepted word
                menu = DataValidation(type="list", formula1='"%s"' % ",".join(DROPDOWNS[header].labels),
                                      allow_blank=True, showErrorMessage=False)
                menu.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
                sheet.add_data_validation(menu)
        sheet.freeze_panes = "A2"
    sheet = workbook.create_sheet(HELP_SHEET)
    for row in HELP_ROWS:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in (("A", 12), ("B", 18), ("C", 100)):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading ----------------------------------------------------------------------------------------------------
@dataclass
class _Row:
    sheet: str
    number: int
    cells: dict[str, Any]

    def text(self, column: str) -> str:
        return _text(self.cells.get(column))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a staff number or phone typed as a number
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def _is_formula(cell) -> bool:
    value = cell.value
    return (getattr(cell, "data_type", None) == "f" or isinstance(value, (ArrayFormula, DataTableFormula))
            or (isinstance(value, str) and value.startswith("=")))


def _read(data: bytes, report: ImportReport) -> dict[str, list[_Row]] | None:
    """The non-empty data rows of the three sheets, or None after an error that stops the check."""
    damaged = gettext("This file is not an Excel workbook (.xlsx), or it is damaged.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # a foreign or damaged file fails in zipfile, the XML parser or openpyxl itself
        report.error(None, None, None, damaged)
        return None
    try:
        sheets = {}
        for name in HEADERS:
            if name not in workbook.sheetnames:
                report.error(name, None, None, gettext("The sheet “%(sheet)s” is missing.", sheet=name))
            else:
                sheets[name] = _read_sheet(workbook[name], name, report)
        return sheets if len(sheets) == len(HEADERS) and None not in sheets.values() else None
    except _TooManyErrors:
        raise
    except Exception:  # a sheet's XML is parsed lazily, row by row
        report.error(None, None, None, damaged)
        return None
    finally:
        workbook.close()


def _read_sheet(sheet, name: str, report: ImportReport) -> list[_Row] | None:
    """The sheet's rows; None when a column is missing, a formula is found or there are too many rows."""
    headers, rows, fatal = HEADERS[name], sheet.iter_rows(), False
    found = {_text(cell.value): index for index, cell in enumerate(next(rows, ()))}
    for header in headers:
        if header not in found:
            fatal = True
            report.error(name, 1, header, gettext("The column “%(column)s” is missing from the first row.",
                                                  column=header))
    if fatal:
        return None
    examples = {tuple(_text(v) for v in example[:2]) for example in EXAMPLES[name]}
    result = []
    for number, cells in enumerate(rows, start=2):
        values = {}
        for header in headers:
            cell = cells[found[header]] if found[header] < len(cells) else None
            if cell is not None and _is_formula(cell):
                fatal = True
                report.error(name, number, header, gettext("Formulas are not allowed; type the value itself."))
            values[header] = cell.value if cell is not None else None
        if all(_text(v) == "" for v in values.values()):
            continue
        if len(result) == MAX_ROWS:
            report.error(name, number, None, gettext("The sheet has more than %(limit)s rows; split the file.",
                                                     limit=MAX_ROWS))
            return None
        row = _Row(name, number, values)
        if (row.text(headers[0]), row.text(headers[1])) in examples:  # never import the template's example
            report.error(name, number, headers[0], gettext(
                "This is the template's example row: delete it or replace it with your own data."))
            continue
        result.append(row)
    return None if fatal else result


# --- checking ------------------------------------------------------------------------------------------------------
class _Person(NamedTuple):
    """A manager of the sheet or of the database, as the team rules read a person (services/accounts.py)."""
    id: int | None
    name: str | None
    employment_status: EmploymentStatus | None
    phone: str | None
    email: str | None


class _AccountFacts(NamedTuple):
    """An account row's values, as the account rules read an account (services/accounts.py)."""
    platform: Platform | None
    platform_other: str | None
    wechat_original_id: str | None
    maintenance: Maintenance | None
    vendor: str | None
    created_on: dt.date | None
    #: An imported account joins the matrix exactly when it is imported as registered (see apply()).
    status: AccountStatus | None = None
    in_matrix: bool = False


@dataclass
class _Plan:
    units: list[dict] = field(default_factory=list)
    managers: list[tuple[str, dict]] = field(default_factory=list)
    accounts: list[tuple[str, dict, list[str], list[str]]] = field(default_factory=list)


def _select_in(statement, column, values) -> list:
    """``statement`` restricted to ``column IN values``, in chunks that every database accepts."""
    values, rows = sorted(values), []
    for start in range(0, len(values), 500):
        rows += db.session.execute(statement.where(column.in_(values[start:start + 500]))).all()
    return rows


def _staff_numbers(text: str) -> list[str]:
    return [n for n in STAFF_NO_SEPARATORS.split(text) if n]


class _Checker:
    def __init__(self, report: ImportReport, sheets: dict[str, list[_Row]]):
        self.report, self.sheets, self.plan = report, sheets, _Plan()
        self.file_units: dict[str, int] = {}
        self.file_people: dict[tuple[str, str], _Person] = {}
        self._load_existing()

    def _load_existing(self) -> None:
        """What the file's rows may clash with or refer to, read in a few queries."""
        self.db_units = {u.code: u for u in db.session.execute(sa.select(Unit.code, Unit.name, Unit.established_on))}
        self.db_unit_names = {u.name for u in self.db_units.values()}
        account_rows = self.sheets[ACCOUNT_SHEET]
        numbers = {r.text("工号") for r in self.sheets[MANAGER_SHEET]} | {
            n for r in account_rows for n in _staff_numbers(r.text("负责人工号") + "、" + r.text("管理员工号"))}
        people = sa.select(Unit.code, Manager.staff_no, Manager.id, Manager.name, Manager.employment_status,
                           Manager.phone, Manager.email).join(Manager.unit)
        self.db_people = {(r[0], r[1]): _Person(*r[2:]) for r in _select_in(people, Manager.staff_no, numbers)}
        ids = {r.text("帐号ID") for r in account_rows}
        self.db_platform_ids = {tuple(r) for r in _select_in(
            sa.select(Account.platform, Account.platform_account_id), Account.platform_account_id, ids)}
        originals = {r.text("微信公众号原始ID").lower() for r in account_rows}
        self.db_originals = {r[0] for r in _select_in(
            sa.select(Account.wechat_original_id), Account.wechat_original_id, originals)}
        urls = {r.text("主页网址") for r in account_rows}
        self.db_urls = {r[0] for r in _select_in(sa.select(Account.homepage_url), Account.homepage_url, urls)}

    def err(self, row: _Row, column: str, message: str) -> None:
        self.report.error(row.sheet, row.number, column, message)

    def problem(self, row: _Row, problem: Problem) -> None:
        """A rule's refusal (services/accounts.py) at the row's column for the problem's field."""
        self.err(row, COLUMN_OF[problem.field], str(SHEET_WORDING.get(problem.field, problem.message)))

    # field checks: each reports its error and returns the clean value (or None)
    def text(self, row, column, required=False, limit=None) -> str | None:
        value = row.text(column)
        if not value:
            if required:
                self.err(row, column, gettext("This field is required."))
            return None
        if limit and len(value) > limit:
            self.err(row, column, gettext("At most %(limit)s characters.", limit=limit))
            return None
        return value

    def pattern(self, row, column, regex, message, required=False, limit=None, lower=False) -> str | None:
        value = self.text(row, column, required, limit)
        value = value.lower() if value and lower else value
        if value is not None and not re.match(regex, value):
            self.err(row, column, str(message))
            return None
        return value

    def choice(self, row, column, choices: _Choices, default=_REQUIRED):
        text = row.text(column)
        if not text:
            if default is _REQUIRED:
                self.err(row, column, gettext("This field is required."))
                return None
            return default
        value = choices.get(text)
        if value is None:
            self.err(row, column, gettext("“%(value)s” is not one of: %(choices)s.", value=text,
                                          choices="、".join(choices.labels)))
        return value

    def date(self, row, column) -> dt.date | None:
        value = row.cells.get(column)
        if isinstance(value, (dt.date, dt.datetime)):
            day = value.date() if isinstance(value, dt.datetime) else value
        elif not row.text(column):
            self.err(row, column, gettext("This field is required."))
            return None
        else:
            try:
                day = dt.date.fromisoformat(row.text(column)) if DATE_TEXT.match(row.text(column)) else None
            except ValueError:  # 2024-02-30
                day = None
            if day is None:
                self.err(row, column, gettext("Enter a date cell or a text such as 2024-09-02 (YYYY-MM-DD)."))
                return None
        if day > dt.date.today():
            self.err(row, column, gettext("This date is in the future."))
            return None
        return day

    def unique(self, row, column, key, shown, in_db, seen: dict) -> None:
        """The same unit, person or platform account must not be there twice."""
        if key is None or None in (key if isinstance(key, tuple) else (key,)):
            return
        if key in seen:
            self.err(row, column, gettext("“%(value)s” also appears in row %(row)s of this sheet.",
                                          value=shown, row=seen[key]))
        elif key in in_db:
            self.err(row, column, gettext("“%(value)s” is already in the system.", value=shown))
        else:
            seen[key] = row.number

    def unit_ref(self, row, column) -> str | None:
        code = self.text(row, column, required=True)
        if code and code not in self.file_units and code not in self.db_units:
            self.err(row, column, gettext("Unknown unit code %(code)s: it is neither in the sheet “单位” nor in "
                                          "the system.", code=code))
            return None
        return code

    # the sheets, in the order they refer to each other
    def units(self) -> None:
        names: dict[str, int] = {}
        for row in self.sheets[UNIT_SHEET]:
            code = self.pattern(row, "单位代码", UNIT_CODE, validators.unit_code.message, required=True)
            name = self.text(row, "单位名称", required=True, limit=100)
            self.unique(row, "单位代码", code, code, self.db_units, self.file_units)
            self.unique(row, "单位名称", name, name, self.db_unit_names, names)
            self.plan.units.append(dict(
                code=code, name=name, kind=self.choice(row, "单位类别", UNIT_KINDS),
                leader_name=self.text(row, "单位主要负责人", limit=50), leader_title=self.text(row, "职务", limit=50),
                phone=self.pattern(row, "联系电话", validators.PHONE_PATTERN, validators.phone.message)))

    def managers(self) -> None:
        seen: dict[tuple, int] = {}
        for row in self.sheets[MANAGER_SHEET]:
            staff_no = self.text(row, "工号", required=True, limit=30)
            code = self.unit_ref(row, "单位代码")
            spec = dict(name=self.text(row, "姓名", required=True, limit=50), staff_no=staff_no,
                        title=self.text(row, "职务", limit=50),
                        phone=self.pattern(row, "联系电话", validators.PHONE_PATTERN, validators.phone.message),
                        email=self.pattern(row, "邮箱", EMAIL, validators.email.message, limit=120),
                        employment_status=self.choice(row, "人员状态", EMPLOYMENT))
            self.unique(row, "工号", (code, staff_no), staff_no, self.db_people, seen)
            self.file_people[(code, staff_no)] = _Person(None, spec["name"], spec["employment_status"],
                                                         spec["phone"], spec["email"])
            self.plan.managers.append((code, spec))

    def accounts(self) -> None:
        seen_ids, seen_originals, seen_urls = {}, {}, {}
        for row in self.sheets[ACCOUNT_SHEET]:
            platform, platform_other = self.platform(row)
            original = accounts.normal_original_id(row.text("微信公众号原始ID"))
            code = self.unit_ref(row, "责任单位代码")
            created_on = self.date(row, "创建时间")
            unit = self.db_units.get(code)
            maintenance = self.choice(row, "维护方式", MAINTENANCE, default=Maintenance.self_run)
            vendor = self.text(row, "第三方维护单位", limit=100)
            facts = _AccountFacts(platform, platform_other, original, maintenance, vendor, created_on)
            for problem in accounts.account_problems(facts, unit.established_on if unit is not None else None):
                self.problem(row, problem)
                if problem.field == "wechat_original_id":
                    original = None
            spec = dict(
                name=self.text(row, "帐号名称", required=True, limit=100), platform=platform,
                platform_other=platform_other, platform_account_id=self.text(row, "帐号ID", limit=100),
                wechat_original_id=original, creator_entity=self.text(row, "创建主体", required=True, limit=100),
                created_on=created_on, verified=self.choice(row, "是否认证", YES_NO, default=False),
                positioning_function=self.text(row, "功能定位"), positioning_content=self.text(row, "内容定位"),
                positioning_audience=self.text(row, "受众定位"), maintenance=maintenance, vendor=vendor,
                homepage_url=self.pattern(row, "主页网址", URL, gettext(
                    "Enter a full address starting with http:// or https://."), limit=500),
                status=self.choice(row, "状态", STATUSES, default=AccountStatus.draft))
            # The same platform account cannot be registered twice (SPEC, "Duplicates").
            self.unique(row, "帐号ID", (platform, spec["platform_account_id"]), spec["platform_account_id"],
                        self.db_platform_ids, seen_ids)
            self.unique(row, "微信公众号原始ID", original, original, self.db_originals, seen_originals)
            self.unique(row, "主页网址", spec["homepage_url"], spec["homepage_url"], self.db_urls, seen_urls)
            heads, admins = self.team(row, code, spec["verified"])
            self.plan.accounts.append((code, spec, heads, admins))

    def platform(self, row) -> tuple[Platform | None, str | None]:
        other = OTHER_PLATFORM.match(row.text("媒体类型"))
        if other:
            name = other.group(1).strip()
            if len(name) > 50:
                self.err(row, "媒体类型", gettext("At most %(limit)s characters.", limit=50))
            return Platform.other, name
        return self.choice(row, "媒体类型", PLATFORMS), None

    def team(self, row, code, verified) -> tuple[list[str], list[str]]:
        """The 负责人 and 管理员 by staff number, found among the unit's managers and checked by the team rules."""
        heads, admins = _staff_numbers(row.text("负责人工号")), _staff_numbers(row.text("管理员工号"))
        team = []
        for role, column, numbers in ((TeamRole.head, "负责人工号", heads), (TeamRole.admin, "管理员工号", admins)):
            for number in numbers:
                key = (code, number)
                person = (self.file_people.get(key) or self.db_people.get(key)) if code else None
                if code and person is None:
                    self.err(row, column, gettext(
                        "Staff number %(number)s is not a manager of unit %(code)s, neither in the sheet "
                        "“管理人员” nor in the system.", number=number, code=code))
                team.append(accounts.Member(role, person, number))
        # The people were found in the account's unit: no unit to compare.
        for problem in accounts.team_problems(verified, team):
            self.problem(row, problem)
        return heads, admins


def _check(data: bytes) -> tuple[ImportReport, _Checker | None]:
    """The report, and the checker holding the clean rows (None when the check stopped early)."""
    report = ImportReport()
    try:
        sheets = _read(data, report)
        if sheets is None:
            return report, None
        report.counts = {"units": len(sheets[UNIT_SHEET]), "managers": len(sheets[MANAGER_SHEET]),
                         "accounts": len(sheets[ACCOUNT_SHEET])}
        with db.session.no_autoflush:
            checker = _Checker(report, sheets)
            checker.units()
            checker.managers()
            checker.accounts()
    except _TooManyErrors:
        return report, None
    return report, checker


# --- public API ------------------------------------------------------------------------------------------------
def dry_run(data: bytes) -> ImportReport:
    """Check the workbook ``data`` without writing anything; never raises on bad input."""
    return _check(data)[0]


def apply(data: bytes, actor=None) -> ImportReport:
    """Check, then create every unit, manager and account with its team in the current session (one flush).
    With any error nothing is added and the report says why. ``actor`` is the importing user (None: CLI)."""
    report, checker = _check(data)
    if not report.ok:
        return report
    plan, db_people = checker.plan, checker.db_people
    added: list = []
    with db.session.no_autoflush:
        units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
        for spec in plan.units:
            units[spec["code"]] = Unit(**spec)
            added.append(units[spec["code"]])
        people = {(code, spec["staff_no"]): Manager(unit=units[code], **spec) for code, spec in plan.managers}
        added += people.values()
        wanted = {p.id for key, p in db_people.items() if key not in people}
        existing = {m.id: m for (m,) in _select_in(sa.select(Manager), Manager.id, wanted)}
        for key, person in db_people.items():
            people.setdefault(key, existing.get(person.id))
        dues: dict[dt.date, dt.date] = {}
        now = utcnow()
        for code, spec, heads, admins in plan.accounts:
            account = Account(unit=units[code], **spec, team=[
                TeamMember(manager=people[(code, number)], role=role)
                for role, numbers in ((TeamRole.head, heads), (TeamRole.admin, admins)) for number in numbers])
            if spec["created_on"] not in dues:
                dues[spec["created_on"]] = accounts.registration_due(spec["created_on"])
            account.registration_due = dues[spec["created_on"]]
            if account.status is AccountStatus.approved:  # registered on paper: in the matrix (第五条)
                account.approved_at, account.in_matrix = now, True
                account.approved_by_id = getattr(actor, "id", None)
            added += [account, *account.team]
    for obj in added:  # 第十条: each created row is logged by the audit hook, with the importing user
        audit.label(obj, AuditAction.create, note="Excel import", actor=actor)
    db.session.add_all(added)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # another user registered the same thing meanwhile
        db.session.rollback()
        report.error(None, None, None, gettext("The register changed during the import; nothing was imported. "
                                               "Please try again."))
        return report
    audit.record(AuditAction.import_, user=actor, note="Excel import: {units} units, {managers} managers, "
                 "{accounts} accounts".format(**report.counts))
    report.applied = True
    return report
