"""变更备案 — change requests for an account's name, managers, maintenance method, or its closure."""
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy.orm import joinedload
from wtforms import ValidationError
from wtforms.validators import InputRequired

from models import Account, ChangeKind, ChangeRecord, ReviewStatus

from . import validators
from .base import ScopedModelView
from .fields import ScopedAjaxLoader
from .workflow import WorkflowMixin
from .labels import labels
from .snapshots import account_snapshot


class ChangeView(WorkflowMixin, ScopedModelView):
    column_list = ["account", "kind", "unit", "changed_on", "status", "due_on", "is_late", "submitted_at"]
    column_labels = labels(kind=_l("What changed"))
    column_searchable_list = ["account.name", "reason"]
    column_filters = ["status", "kind", "unit", "is_late", "changed_on", "due_on"]
    column_sortable_list = [("account", "account.name"), "kind", ("unit", "unit.name"), "changed_on",
                            "status", "due_on"]
    column_default_sort = ("id", True)
    deadline_columns = ("due_on",)
    column_details_list = ["account", "unit", "kind", "changed_on", "before", "after", "reason",
                           "closure_notice", "closure_notice_on", "status", "due_on", "is_late",
                           "submitted_at", "unit_opinion", "unit_signed_by", "unit_signed_at",
                           "dept_opinion", "approved_by", "approved_at", "return_reason"]
    form_columns = ["account", "kind", "changed_on", "after", "reason", "closure_notice", "closure_notice_on"]
    form_excluded_columns = ["before"]
    form_ajax_refs = {"account": ScopedAjaxLoader("account", Account, fields=["name"], order_by="name")}
    form_args = {
        "account": {"validators": [InputRequired()]},
        "changed_on": {"validators": [InputRequired(), validators.not_in_future]},
        "closure_notice_on": {"validators": [validators.not_in_future]},
        "after": {"description": _l('The proposed new values, e.g. {"name": "新名称"}.')},
    }

    def get_query(self):
        return super().get_query().options(joinedload(ChangeRecord.account), joinedload(ChangeRecord.unit))

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.unit_id = model.account.unit_id
        model.unit = model.account.unit
        if not isinstance(model.after, dict):
            raise ValidationError(gettext("The proposed values must be a list of field names and values."))
        if model.kind == ChangeKind.closure and not (model.closure_notice or "").strip():
            raise ValidationError(gettext("A closure needs the text of the notice of discontinuation."))
        if is_created:
            model.status = ReviewStatus.draft
            model.before = account_snapshot(model.account)
