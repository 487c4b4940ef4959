"""Printable forms (A4 PDF, the layout of the paper originals at the end of the regulation):
/print/accounts/<id>.pdf — 新媒体帐号备案审批表 (第七条); /print/reports/<id>.pdf — 新媒体管理月报表 (第十五条)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app
from flask_babel import force_locale
from flask_login import current_user, login_required
from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy.orm import joinedload, selectinload

from models import Account, MonthlyReport, Platform, TeamMember, TeamRole, db, policy
from services import governance
from services.pdf_font import FontMissing, find_font
from services.text import date_text, month_text
from services.workflow import UNIT_STATEMENT

bp = Blueprint("printing", __name__, url_prefix="/print")

WIDTH = 180  # mm of table on A4 portrait with 15 mm margins
BOX, TICK = "□", "■"


class FormPDF(FPDF):
    def __init__(self):
        super().__init__(orientation="P", unit="mm", format="A4")
        regular, bold = find_font(current_app.config.get("PDF_FONT_PATH"),
                                  int(current_app.config.get("PDF_FONT_INDEX", 0)))
        self.add_font("cjk", fname=regular[0], collection_font_number=regular[1])
        self.add_font("cjk", style="B", fname=(bold or regular)[0], collection_font_number=(bold or regular)[1])
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, 15)
        self.set_creator(current_app.config.get("UNIVERSITY_NAME", "") + "新媒体帐号备案与管理系统")
        self.add_page()

    def title_line(self, text: str) -> None:
        self.set_font("cjk", "B", 16)
        self.cell(WIDTH, 12, text, align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)
        self.set_font("cjk", size=10.5)

    def footnotes(self, lines: list[str]) -> None:
        self.ln(2)
        self.set_font("cjk", size=9)
        for line in lines:
            self.multi_cell(WIDTH, 5.5, line, new_x="LMARGIN", new_y="NEXT")


def _date(value) -> str:
    """2026年12月4日: a stored time (UTC) is first moved to the configured zone (the forms are printed in
    Chinese, see force_locale below)."""
    return date_text(value) if value else ""


def _signature_block(opinion: str, signer_label: str, seal: str = "（加盖单位公章）", signed_on=None) -> str:
    date_line = _date(signed_on) if signed_on else "年     月     日"
    return f"{opinion}\n\n{signer_label}\n{seal:>40}\n{date_line:>44}"


def _platform_boxes(account: Account) -> str:
    wechat = {Platform.wechat_subscription: "订阅号", Platform.wechat_service: "服务号", Platform.wechat_work: "企业号"}
    weibo = TICK if account.platform == Platform.weibo else BOX
    is_wechat = account.platform in wechat
    wechat_kinds = " ".join((TICK if account.platform == p else BOX) + label for p, label in wechat.items())
    app_box = TICK if account.platform == Platform.app else BOX
    other = not (is_wechat or account.platform in (Platform.weibo, Platform.app))
    other_text = f"（{account.platform_label}）" if other else ""
    return (f"{weibo}微博  {TICK if is_wechat else BOX}微信（{wechat_kinds}）  {app_box}APP  "
            f"{TICK if other else BOX}其他类型{other_text}")


def _load(model, object_id: int, *options):
    return policy.get_or_404(current_user, model, object_id, db.session.query(model).options(*options))


def _pdf_response(pdf: FPDF, filename: str) -> Response:
    response = Response(bytes(pdf.output()), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(filename)}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@bp.get("/accounts/<int(max=2147483647):id>.pdf")
@login_required
def account_form(id: int):  # noqa: A002 (one URL parameter name for every printable form)
    with force_locale("zh_Hans_CN"):  # the forms are Chinese whatever the interface language
        return _account_form(id)


def _account_form(account_id: int):
    account = _load(Account, account_id, joinedload(Account.unit), joinedload(Account.approved_by),
                    selectinload(Account.team).joinedload(TeamMember.manager))
    try:
        pdf = FormPDF()
    except FontMissing:
        abort(503)
    university = current_app.config["UNIVERSITY_NAME"]
    pdf.title_line(f"{university}新媒体帐号备案审批表")
    unit = account.unit
    # The 第一责任人 the unit named (第九条), else the unit's head as registered (系统管理 → 单位).
    first = governance.first_responsible(unit.id)
    head = account.head
    admins = account.admins
    rows_of_admins = max(3, len(admins))
    heading = FontFace(emphasis="BOLD")
    positioning = "；".join(x for x in (
        f"功能定位：{account.positioning_function}" if account.positioning_function else "",
        f"内容定位：{account.positioning_content}" if account.positioning_content else "",
        f"受众定位：{account.positioning_audience}" if account.positioning_audience else "") if x)
    with pdf.table(col_widths=(22, 30, 26, 22, 30, 50), text_align="LEFT", line_height=7,
                   first_row_as_headings=False, padding=1.5) as table:
        row = table.row()
        row.cell("帐号名称", style=heading)
        row.cell(account.name, colspan=2)
        row.cell("单位主要负责人（第一责任人）" if first else "单位主要负责人", style=heading, colspan=2)
        row.cell(first.first_name if first else unit.leader_name or "")
        row = table.row()
        row.cell("创建主体", style=heading)
        row.cell(account.creator_entity, colspan=2)
        row.cell("职务", style=heading, colspan=2)
        row.cell(first.first_title if first else unit.leader_title or "")
        row = table.row()
        row.cell("责任单位", style=heading)
        row.cell(unit.name, colspan=2)
        row.cell("联系电话", style=heading, colspan=2)
        row.cell((first.first_contact if first else "") or unit.phone or "")
        if first is not None:
            # 第十条: the 责任领导 the unit named for its new media, under the paper form's rows about the unit.
            row = table.row()
            row.cell("责任领导", style=heading)
            row.cell(f"{first.media_leader_name}（{first.media_leader_title}）", colspan=2)
            row.cell("联系电话", style=heading, colspan=2)
            row.cell(first.media_leader_contact or "")
        row = table.row()
        row.cell("媒体类型", style=heading)
        row.cell(_platform_boxes(account), colspan=5)
        row = table.row()
        row.cell("创建时间", style=heading)
        row.cell(_date(account.created_on))
        row.cell("是否认证", style=heading)
        row.cell("是" if account.verified else "否")
        row.cell("微信公众号原始ID", style=heading)
        row.cell(account.wechat_original_id or "")
        row = table.row()
        row.cell("媒体定位", style=heading)
        row.cell(positioning, colspan=5)
        row = table.row()
        row.cell("管理队伍", style=heading, rowspan=1 + rows_of_admins)
        row.cell("负责人", style=heading)
        row.cell(head.manager.name if head else "")
        row.cell("联系电话/邮箱", style=heading, colspan=2)
        row.cell(_contact(head.manager) if head else "")
        for i in range(rows_of_admins):
            member = admins[i] if i < len(admins) else None
            row = table.row()
            row.cell("管理员", style=heading)
            row.cell(member.manager.name if member else "")
            row.cell("联系电话/邮箱", style=heading, colspan=2)
            row.cell(_contact(member.manager) if member else "")
        row = table.row()
        row.cell("单\n位\n意\n见", style=heading, align="C")
        row.cell(_signature_block(f"    {UNIT_STATEMENT}", "单位负责人签字：", signed_on=account.unit_signed_at),
                 colspan=5)
        row = table.row()
        row.cell("党委\n宣传部\n意见", style=heading, align="C")
        row.cell(_signature_block(account.dept_opinion or "", "负责人签字：", signed_on=account.approved_at),
                 colspan=5)
    pdf.footnotes([
        "注：1.此纸质备案表一式两份，党委宣传部、申办单位各留备案。",
        "2.帐号名、管理队伍人员或维护方式发生变更，应以书面形式及时报党委宣传部备案。",
        "3.媒体定位主要指媒体的功能定位、内容定位和受众定位。",
    ])
    return _pdf_response(pdf, f"备案审批表-{account.name}.pdf")


def _contact(manager) -> str:
    return " / ".join(x for x in (manager.phone, manager.email) if x)


@bp.get("/reports/<int(max=2147483647):id>.pdf")
@login_required
def report_form(id: int):  # noqa: A002
    with force_locale("zh_Hans_CN"):
        return _report_form(id)


#: The style of a red flag on a form (涉密 = 是).
RED_FLAG = FontFace(color=(200, 0, 0))


def _report_form(report_id: int):
    report = _load(MonthlyReport, report_id, joinedload(MonthlyReport.account))
    try:
        pdf = FormPDF()
    except FontMissing:
        abort(503)
    from services.text import platform_text

    university = current_app.config["UNIVERSITY_NAME"]
    pdf.title_line(f"{university}新媒体管理月报表")
    pdf.set_font("cjk", size=10.5)
    pdf.cell(WIDTH, 7, f"报送月份：{month_text(report.period)}", align="R",
             new_x="LMARGIN", new_y="NEXT")
    heading = FontFace(emphasis="BOLD")
    staff = report.snapshot_staff or []
    head = next((p for p in staff if p.get("role") == TeamRole.head.name), None)
    admins = [p for p in staff if p.get("role") == TeamRole.admin.name]
    rows_of_admins = max(2, len(admins))
    with pdf.table(col_widths=(22, 22, 40, 28, 68), text_align="LEFT", line_height=7,
                   first_row_as_headings=False, padding=1.5) as table:
        row = table.row()
        row.cell("建设单位", style=heading)
        row.cell(report.snapshot_unit_name, colspan=2)
        row.cell("媒体平台", style=heading)
        row.cell(platform_text(report.snapshot_platform))
        row = table.row()
        row.cell("帐号名称", style=heading)
        row.cell(report.snapshot_account_name, colspan=2)
        row.cell("账号ID", style=heading)
        row.cell(report.snapshot_account_id or "")
        row = table.row()
        row.cell("报送时间", style=heading)
        row.cell(_date(report.submitted_at), colspan=2)
        row.cell("发布信息数量", style=heading)
        row.cell(str(report.post_count))
        row = table.row()
        row.cell("主题及\n内容", style=heading, rowspan=2, align="C")
        row.cell((report.topics or "") + "\n\n\n", colspan=4)
        row = table.row()
        row.cell("是否涉密", style=heading)
        # 涉密 = 是 is a red flag (第十一条): red on the form as on every screen.
        row.cell("是" if report.involves_classified else "否", colspan=3,
                 style=RED_FLAG if report.involves_classified else None)
        row = table.row()
        row.cell("管理人员", style=heading, rowspan=1 + rows_of_admins)
        row.cell("负责人", style=heading)
        row.cell(head.get("name", "") if head else "")
        row.cell("职务", style=heading)
        row.cell((head.get("title") or "") if head else "")
        for i in range(rows_of_admins):
            person = admins[i] if i < len(admins) else None
            row = table.row()
            row.cell("管理员", style=heading)
            row.cell(person.get("name", "") if person else "")
            row.cell("职务", style=heading)
            row.cell((person.get("title") or "") if person else "")
        row = table.row()
        row.cell("单\n位\n意\n见", style=heading, align="C")
        row.cell(_signature_block(report.unit_opinion or "", "单位负责人签字：", signed_on=report.unit_signed_at),
                 colspan=4)
        row = table.row()
        row.cell("党委\n宣传部\n意见", style=heading, align="C")
        row.cell(_signature_block(report.dept_opinion or "", "签章：", seal="", signed_on=report.approved_at),
                 colspan=4)
    pdf.footnotes([
        "注：1.此纸质备案表于每月1日至5日间报送至党委宣传部新媒体编辑部（致远楼604-2），本表一式两份，"
        "党委宣传部、建设单位各留备案。",
        "2.“主题及内容”填写如有需要可附页。",
    ])
    return _pdf_response(pdf, f"月报表-{report.snapshot_account_name}-{report.period:%Y-%m}.pdf")
