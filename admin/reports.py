"""管理月报表 — monthly reports, one per account per month (第十五条)."""
import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request
from flask_admin import expose
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func
from wtforms import ValidationError
from wtforms.validators import InputRequired, Length, NumberRange

from models import Account, AuditAction, MonthlyReport, ReviewStatus, Setting, Unit, data_version, db, policy
from models.base import YES_NO, to_id
from services import audit, exports, reminders, reports, settings
from services.snapshots import platform_code, staff_snapshot
from services.text import export_cell_function, locale_name, month_text, platform_text, text

from .eager import joinedload
from .base import ScopedModelView
from .exporting import uncounted
from .fields import ScopedAjaxLoader
from .formatters import badge, late_badge, status_badge, value_only
from .labels import SEARCH_ACCOUNT, labels
from .missing import missing_body
from .workflow import LatenessMixin, WorkflowMixin

HANDLED, NOT_HANDLED, CLASSIFIED = _l("Handling recorded"), _l("No handling recorded yet"), _l("Classified")


def _classified(_view, _context, model, _name):
    """涉密 = 是 is a red flag (第十一条): shown in red wherever reports are listed."""
    if model.involves_classified:
        handled = bool((model.classified_handling or "").strip())
        return Markup('<span class="badge badge-danger" title="{}">{}</span>').format(
            text(HANDLED if handled else NOT_HANDLED), text(CLASSIFIED))
    return badge("light", YES_NO[False])


@value_only
def _month(_view, _context, model, _name):
    return month_text(model.period)


class ReportView(LatenessMixin, WorkflowMixin, ScopedModelView):
    column_list = ["snapshot_account_name", "snapshot_platform", "unit", "period", "post_count",
                   "involves_classified", "status", "submitted_at", "is_late"]
    column_labels = labels(unit=_l("Building unit"), **{"unit.name": _l("Building unit")})
    # The search box finds the accounts (name, platform ID, 原始ID); the topics have their own filter.
    column_searchable_list = ["snapshot_account_name", "snapshot_account_id"]
    account_search = True
    column_filters = ["period", "status", "unit.name", "involves_classified", "is_late", "topics"]
    column_sortable_list = ["snapshot_account_name", ("unit", "unit.name"), "period", "post_count", "status",
                            "submitted_at"]
    print_endpoint = "printing.report_form"
    column_default_sort = [("period", True), ("id", True)]
    column_formatters = {"period": _month, "involves_classified": _classified, "is_late": late_badge,
                         "status": status_badge,
                         "snapshot_platform": value_only(lambda v, c, m, n: platform_text(m.snapshot_platform))}
    column_formatters_export = {"period": lambda v, c, m, n: m.period.strftime("%Y-%m") if m.period else "",
                                "snapshot_platform": lambda v, c, m, n: platform_text(m.snapshot_platform)}
    export_value_formatters = {"period": lambda value: value.strftime("%Y-%m") if value else "",
                               "snapshot_platform": platform_text}
    column_details_list = ["snapshot_unit_name", "snapshot_platform", "snapshot_account_name",
                           "snapshot_account_id", "period", "submitted_at", "post_count", "topics",
                           "involves_classified", "classified_handling", "snapshot_staff", "status", "is_late",
                           "unit_opinion", "unit_signed_by", "unit_signed_at", "dept_opinion", "approved_by",
                           "approved_at", "return_reason"]
    column_formatters_detail = {
        "status": status_badge, "is_late": late_badge, "involves_classified": _classified,
        "period": _month,
        "snapshot_platform": lambda v, c, m, n: platform_text(m.snapshot_platform),
        "snapshot_staff": lambda v, c, m, n: "；".join(
            f"{p.get('name')} {p.get('title') or ''}" for p in (m.snapshot_staff or [])),
    }
    form_columns = ["account", "period", "post_count", "topics", "involves_classified", "classified_handling"]
    form_ajax_refs = {"account": ScopedAjaxLoader("account", Account, fields=["name"], order_by="name")}
    form_args = {
        "account": {"validators": [InputRequired()], "render_kw": SEARCH_ACCOUNT},
        "period": {"validators": [InputRequired()], "description": _l("Any day of the reported month.")},
        "post_count": {"validators": [InputRequired(), NumberRange(min=0, max=100000)]},
        "topics": {"validators": [Length(max=20000)]},
    }
    integrity_messages = dict.fromkeys(
        ("uq_monthly_reports_account_id", "monthly_reports.account_id, monthly_reports.period"),
        _l("This account already has a report for that month; open that report instead."))

    list_template = "admin/reports_list.html"

    def export_stamp(self):
        """The filtered reports' count and newest change, and the newest change of a unit and of an account:
        a cached .xlsx is served only while all of them are unchanged."""
        view_args = self._get_list_extra_args()
        with uncounted():  # counted below, with the newest change, in one statement
            _count, query = self.get_list(0, None, False, view_args.search, view_args.filters, execute=False,
                                          page_size=0)
        count, newest = query.with_entities(func.count(MonthlyReport.id), func.max(MonthlyReport.updated_at)) \
            .order_by(None).one()
        # Unit names are a column; account names decide what a search finds.
        units = db.session.query(func.max(Unit.updated_at)).scalar()
        accounts = db.session.query(func.max(Account.updated_at)).scalar()
        return count, str(newest), str(units), str(accounts)

    def get_query(self):
        return super().get_query().options(joinedload(MonthlyReport.unit))

    def create_form(self, obj=None):
        """填报月报 from an account's page: ``?account_id=<id>&month=YYYY-MM`` choose the account and the month
        (an account the user may not see is not chosen; the POST is checked as any other)."""
        form = super().create_form(obj)
        if request.method == "GET":
            account = policy.get_visible(_user(), Account, request.args.get("account_id"))
            if account is not None:
                form.account.data = account
            month = _month_arg(request.args.get("month"))
            if month is not None and "period" in form:
                form.period.data = month
        return form

    # --- monthly chores ------------------------------------------------------------------------------
    @expose("/prepare/", methods=("POST",))
    def prepare_view(self):
        """准备本月报表: drafts for every active account of the unit, staff filled in."""
        policy.require(current_user.role.is_unit_role)
        form = self.action_form()
        if not self.validate_form(form):
            abort(400)
        period = reports.reporting_period()
        count = reports.prepare_drafts(current_user._get_current_object(), period)
        db.session.commit()
        if count:
            flash(gettext("%(count)s draft reports for %(month)s were prepared; fill in the posts and topics, "
                          "then submit them.", count=count, month=month_text(period)), "success")
        else:
            flash(gettext("Every active account already has a report for %(month)s.",
                          month=month_text(period)), "info")
        return redirect(self.get_url(".index_view", **{
            self.filter_url_arg("period", sqla_filters.DateEqualFilter): period.isoformat()}))

    #: The missing-reports page lists at most this many accounts (and late reports); beyond, counts per unit.
    MISSING_LIST_LIMIT = 300

    @expose("/missing/")
    def missing_view(self):
        """Which active accounts have no report for a month, and which reports came late."""
        period = _month_arg(request.args.get("month"))
        unit_id = to_id(request.args.get("unit")) if policy.sees_all_units(current_user) else None
        fmt = request.args.get("format")
        if fmt in ("csv", "xlsx"):
            result = reports.missing_and_late(current_user, period, unit_id)  # (every row, whatever the count)
            audit.record(AuditAction.export, note=f"missing reports {period:%Y-%m} ({fmt})")
            db.session.commit()
            return exports.table_response(f"missing_reports_{period:%Y%m}", fmt, _missing_rows(result))
        return self.render("admin/reports_missing.html",
                           body=missing_body(self, current_user._get_current_object(), period, unit_id))

    @expose("/missing/remind/", methods=("POST",))
    def remind_view(self):
        """提醒未报送单位 (the department's): first who will be reminded and who cannot be, then, confirmed,
        the reminders sent by the service `flask remind` uses; the result is said on the missing list."""
        policy.require(policy.can_remind(current_user))
        due = reports.reporting_period()
        period = _month_arg(request.form.get("month")) or due
        period = min(period, due)  # a month whose report is not yet due is not reminded of
        unit_id = to_id(request.form.get("unit"))
        picked = [i for i in (to_id(v) for v in request.form.getlist("account_id")) if i is not None]
        back = self.get_url(".missing_view", month=period.strftime("%Y-%m"), unit=unit_id)
        actor = current_user._get_current_object()
        if request.form.get("confirm") != "1":
            plan = reminders.missing_reminders(actor, period, unit_id, picked or None)
            return self.render("admin/reports_remind.html", plan=plan, month=period.strftime("%Y-%m"),
                               unit_id=unit_id, picked=picked, back=back, people=_people)
        result = reminders.remind_missing(actor, period, unit_id, picked or None)
        for category, message in _remind_messages(result):
            flash(message, category)
        return redirect(back)

    @expose("/summary/")
    def summary_view(self):
        """The month's summary for the department: one row per account, the 月报表 fields (.xlsx or .csv)."""
        policy.require(policy.sees_all_units(current_user))
        period = _month_arg(request.args.get("month"))
        fmt = request.args.get("format") if request.args.get("format") in ("csv", "xlsx") else "xlsx"
        # Kept per scope, month and language under the data version (models/data_version.py), which every
        # committed change of a report raises: one small statement instead of counting the month's reports.
        version = data_version.key()
        audit.record(AuditAction.export, note=f"monthly summary {period:%Y-%m} ({fmt})")
        name, table = f"monthly_summary_{period:%Y%m}", lambda: reports.summary_table(period)
        if version is None:  # nothing to keep the file under (no change committed yet): made and streamed
            db.session.commit()
            return exports.table_response(name, fmt, table)
        response = exports.table_response(name, fmt, table, stamp=("summary", period, locale_name(), *version))
        # Committed after the kept file is taken (or made, its rows read in the audit entry's transaction): the
        # signed-in user is then not read again for the file's key. A failed commit still sends no file.
        db.session.commit()
        return response

    @expose("/dormant/")
    def dormant_view(self):
        """疑似僵尸号: accounts to clean up, each with a link to start its closure."""
        return self.render("admin/reports_dormant.html", rows=reports.dormant_accounts(current_user),
                           no_posts=settings.value("dormant_no_posts_months"),
                           no_report=settings.value("dormant_no_report_months"),
                           settings_url=self.get_url("settings.index")
                           if policy.can_write(current_user, Setting) else None)

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        today = dt.date.today()
        if model.period and model.period.replace(day=1) > today.replace(day=1):
            raise ValidationError(gettext("A report cannot be made for a month that has not begun."))
        account = model.account
        model.unit_id, model.unit = account.unit_id, account.unit
        if model.period and model.period.replace(day=1) < account.created_on.replace(day=1):
            raise ValidationError(gettext("The account did not exist yet in that month."))
        model.snapshot_unit_name = account.unit.name
        model.snapshot_platform = platform_code(account)
        model.snapshot_account_name = account.name
        model.snapshot_account_id = account.platform_account_id or account.wechat_original_id
        model.snapshot_staff = staff_snapshot(account)
        if is_created:
            model.status = ReviewStatus.draft


def _month_arg(value) -> dt.date:
    """?month=YYYY-MM, or the month now due when none is given; a malformed month or one far outside the
    registry's years is a 400 that says what to write (never a 500 from a date past year 9999)."""
    try:
        return reports.parse_month(value) or reports.reporting_period()
    except ValueError as error:
        abort(Response(render_template("errors/error.html", code=400, message=str(error)), 400))


def _missing_rows(result) -> tuple[list, list[list]]:
    headers = [gettext("Status"), gettext("Responsible unit"), gettext("Account name"), gettext("Media type"),
               gettext("Month"), gettext("Submitted at")]
    local_time = export_cell_function(MonthlyReport.submitted_at)  # in the configured zone, as the list's export
    rows = [[gettext("Missing"), a.unit.name, a.name, a.platform_label, result["period"].strftime("%Y-%m"), ""]
            for a in result["missing"]]
    rows += [[gettext("Late"), r.unit.name, r.snapshot_account_name, platform_text(r.snapshot_platform),
              r.period.strftime("%Y-%m"), local_time(r.submitted_at)]
             for r in result["late"]]
    return headers, rows


def _people(users, email: bool = False) -> str:
    """张三（会计学院，zhang@example.edu.cn）、李四（校团委）"""
    return "、".join(f"{u.display_name}（{u.unit.name}，{u.email}）" if email else f"{u.display_name}（{u.unit.name}）"
                    for u in users)


def _remind_messages(result) -> list[tuple[str, str]]:
    """What the department is told after 提醒未报送单位: how many were sent and to whom, who was already
    reminded today, who could not be reached."""
    month = month_text(result.period)
    messages = []
    if result.to_remind:
        messages.append(("success", gettext(
            "Reminders of the monthly reports of %(month)s were sent to %(count)s people: %(names)s.",
            month=month, count=len(result.to_remind), names=_people(result.to_remind, email=True))))
    else:
        messages.append(("info", gettext("No reminder was sent.")))
    if result.already:
        messages.append(("info", gettext("Already reminded today, so not reminded again: %(names)s.",
                                         names=_people(result.already))))
    if result.no_email:
        messages.append(("warning", gettext("Could not be reached (no e-mail address in their user account): "
                                            "%(names)s.", names=_people(result.no_email))))
    if result.no_user:
        messages.append(("warning", gettext("These units have no user account to remind: %(names)s.",
                                            names="、".join(result.no_user))))
    if result.failed:
        messages.append(("error", gettext("The mail server could not be reached; not sent to: %(names)s. "
                                          "Try again later.", names=_people(result.failed))))
    return messages


def _user():
    from flask_login import current_user

    return current_user._get_current_object()
