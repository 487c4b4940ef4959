"""管理月报表 — monthly reports, one per account per month (第十五条)."""
import datetime as dt

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy.orm import joinedload
from wtforms import ValidationError
from wtforms.validators import InputRequired, Length, NumberRange

from models import Account, MonthlyReport, ReviewStatus

from . import policy
from .base import ScopedModelView
from .fields import ScopedAjaxLoader
from .workflow import WorkflowMixin
from .labels import labels
from .formatters import platform_text
from .snapshots import platform_code, staff_snapshot


def _month(_view, _context, model, _name):
    return model.period.strftime("%Y-%m") if model.period else ""


class ReportView(WorkflowMixin, ScopedModelView):
    column_list = ["snapshot_account_name", "snapshot_platform", "unit", "period", "post_count",
                   "involves_classified", "status", "submitted_at", "is_late"]
    column_labels = labels(unit=_l("Building unit"))
    column_searchable_list = ["snapshot_account_name", "snapshot_account_id", "topics"]
    column_filters = ["period", "status", "unit", "involves_classified", "is_late"]
    column_sortable_list = ["snapshot_account_name", ("unit", "unit.name"), "period", "post_count", "status",
                            "submitted_at"]
    print_endpoint = "printing.report_form"
    column_default_sort = [("period", True), ("id", True)]
    column_formatters = {"period": _month,
                         "snapshot_platform": lambda v, c, m, n: platform_text(m.snapshot_platform)}
    column_formatters_export = column_formatters
    column_details_list = ["snapshot_unit_name", "snapshot_platform", "snapshot_account_name",
                           "snapshot_account_id", "period", "submitted_at", "post_count", "topics",
                           "involves_classified", "classified_handling", "snapshot_staff", "status", "is_late",
                           "unit_opinion", "unit_signed_by", "unit_signed_at", "dept_opinion", "approved_by",
                           "approved_at", "return_reason"]
    column_formatters_detail = {
        "period": _month,
        "snapshot_platform": lambda v, c, m, n: platform_text(m.snapshot_platform),
        "snapshot_staff": lambda v, c, m, n: "；".join(
            f"{p.get('name')} {p.get('title') or ''}" for p in (m.snapshot_staff or [])),
    }
    form_columns = ["account", "period", "post_count", "topics", "involves_classified", "classified_handling"]
    form_ajax_refs = {"account": ScopedAjaxLoader("account", Account, fields=["name"], order_by="name")}
    form_args = {
        "account": {"validators": [InputRequired()]},
        "period": {"validators": [InputRequired()], "description": _l("Any day of the reported month.")},
        "post_count": {"validators": [InputRequired(), NumberRange(min=0, max=100000)]},
        "topics": {"validators": [Length(max=20000)]},
    }
    integrity_messages = dict.fromkeys(
        ("uq_monthly_reports_account_id", "monthly_reports.account_id, monthly_reports.period"),
        _l("This account already has a report for that month; open that report instead."))

    def get_query(self):
        return super().get_query().options(joinedload(MonthlyReport.unit))

    def _restrict_form(self, form):
        form = super()._restrict_form(form)
        if not policy.sees_all_units(_user()) and "classified_handling" in form:
            del form["classified_handling"]  # recorded by the department (第十一条)
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        today = dt.date.today()
        if model.period and model.period.replace(day=1) > today.replace(day=1):
            raise ValidationError(gettext("A report cannot be made for a month that has not begun."))
        account = model.account
        model.unit_id, model.unit = account.unit_id, account.unit
        model.snapshot_unit_name = account.unit.name
        model.snapshot_platform = platform_code(account)
        model.snapshot_account_name = account.name
        model.snapshot_account_id = account.platform_account_id or account.wechat_original_id
        model.snapshot_staff = staff_snapshot(account)
        if is_created:
            model.status = ReviewStatus.draft


def _user():
    from flask_login import current_user

    return current_user._get_current_object()
