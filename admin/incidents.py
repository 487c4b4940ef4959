"""不良信息 / 舆情 incidents (第十四条): the unit records what it found on one of its accounts and how it handled it,
and sends it up the review every reviewed record has (``submit``, ``confirm``, ``approve`` = 已处置, ``reject``:
the standard actions of admin/workflow.py); the department watches the open ones and may escalate one into a
violation record (第十三条).

The rules are services/incidents.py (times: ``timing_problems``; what the acceptance needs:
``approval_problems``; the step ``escalate``); this view shows them next to the fields, offers the steps the role
and state allow, and exports the list."""
from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_admin.actions import action
from flask_admin.form import rules
from flask_login import current_user
from markupsafe import Markup
from wtforms import FileField, ValidationError
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired, Length, Optional, URL

from models import Account, AttachmentKind, Incident, IncidentStatus, policy
from services import attachments, incidents
from services.text import local_time, stored_time

from .eager import joinedload
from .base import ScopedModelView
from .fields import RenderedByForm, ScopedAjaxLoader, Section, add_error, error_summary
from .formatters import status_badge
from .labels import SEARCH_ACCOUNT, labels
from .workflow import WorkflowMixin

TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _time_to_handle(_view, _context, model, _name):
    return incidents.time_to_handle(model)


class ArticleQuote(rules.BaseRule):
    """The article a form carries out, quoted above its fields as the regulation words it."""

    def __init__(self, text, only_with: str | None = None):
        super().__init__()
        self.text, self.only_with = text, only_with

    def __call__(self, form, form_opts=None, field_args=None):
        if self.only_with and self.only_with not in form:
            return ""  # the fields it is about are not on this user's form
        return Markup('<blockquote class="alert alert-light border small mb-3 article-quote">{}</blockquote>'
                      ).format(self.text)


class IncidentView(WorkflowMixin, ScopedModelView):
    column_list = ["account", "unit", "kind", "found_at", "found_by", "status", "handled_at", "time_to_handle"]
    column_labels = labels(
        kind=_l("Kind of incident"), description=_l("What was found"), link=_l("Link"),
        found_at=_l("Found at"), found_by=_l("Found by"), action_taken=_l("Action taken"),
        handled_at=_l("Handled at"), time_to_handle=_l("Time to handle"), violation=_l("Violation record"),
        screenshot=_l("Screenshot"), **{"account.name": _l("Account name")})
    column_searchable_list = ["account.name", "description", "found_by"]
    column_filters = ["unit.name", "account.name", "kind", "status", "found_at", "handled_at"]
    column_sortable_list = [("account", "account.name"), ("unit", "unit.name"), "kind", "found_at", "status",
                            "handled_at"]
    column_default_sort = [("found_at", True), ("id", True)]
    column_formatters = {"status": status_badge, "time_to_handle": _time_to_handle}
    column_formatters_detail = {"status": status_badge, "time_to_handle": _time_to_handle}
    column_formatters_export = {"time_to_handle": _time_to_handle}
    column_export_list = ["account", "unit", "kind", "description", "link", "found_at", "found_by", "action_taken",
                          "handled_at", "time_to_handle", "status"]
    column_details_list = ["account", "unit", "kind", "description", "link", "found_at", "found_by", "status",
                           "action_taken", "handled_at", "time_to_handle", "submitted_at", "unit_opinion",
                           "unit_signed_by", "unit_signed_at", "dept_opinion", "approved_by", "approved_at",
                           "return_reason", "violation"]
    form_columns = ["account", "kind", "found_at", "found_by", "description", "link", "screenshot", "action_taken",
                    "handled_at"]
    form_overrides = {"found_at": DateTimeLocalField, "handled_at": DateTimeLocalField}
    form_extra_fields = {"screenshot": FileField(_l("Screenshot"), render_kw={
        "accept": ".png,.jpg,.jpeg,.pdf,image/png,image/jpeg,application/pdf"},
        description=_l("PNG, JPEG or PDF; more can be attached on the record's page."))}
    form_ajax_refs = {"account": ScopedAjaxLoader("account", Account, fields=["name"], order_by="name")}
    form_args = {
        "account": {"validators": [InputRequired()], "render_kw": SEARCH_ACCOUNT},
        "found_at": {"validators": [InputRequired()], "format": TIME_FORMAT},
        "handled_at": {"validators": [Optional()], "format": TIME_FORMAT,
                       "description": _l("May be left empty when it is submitted at once; the Propaganda "
                                         "Department accepts it as handled only with this time and the action "
                                         "taken.")},
        "found_by": {"validators": [InputRequired(), Length(max=100)],
                     "description": _l("The person on duty who found it, or who reported it.")},
        "description": {"validators": [InputRequired(), Length(max=10000)],
                        "description": _l("The post, comment or news item, and where it appeared.")},
        "link": {"validators": [Optional(), Length(max=500),
                                URL(message=_l("Enter a full address starting with http:// or https://."))]},
        "action_taken": {"validators": [Length(max=10000)],
                         "description": _l("Deleted, corrected, reported to the department, explained publicly …")},
    }
    form_rules = [
        ArticleQuote(incidents.ARTICLE_14),
        Section("found", _l("What was found"), "account", "kind", "found_at", "found_by", "description", "link",
                "screenshot", wide=("description",)),
        Section("handled", _l("How it was handled"), "action_taken", "handled_at", wide=("action_taken",)),
        RenderedByForm("row_version"),  # the version the user loaded: a stale save is refused
    ]
    transitions = incidents.TRANSITIONS

    def get_query(self):
        return super().get_query().options(joinedload(Incident.account), joinedload(Incident.unit))

    def error_summary(self, form):
        return error_summary(form)

    def create_form(self, obj=None):
        """记录事件 from an account's page: ``?account_id=<id>`` chooses the account (one the user may not see is
        not chosen; the POST is checked as any other)."""
        form = super().create_form(obj)
        if request.method == "GET" and "account" in form:
            account = policy.get_visible(current_user, Account, request.args.get("account_id"))
            if account is not None:
                form.account.data = account
        return form

    def history_url(self, model):
        """The incident's history, with the violation's once it was escalated (第十三条): one history, each entry once."""
        violation = model.violation
        if violation is None or not policy.owns(current_user, violation):
            return super().history_url(model)
        return url_for("audit.index_view", object=f"Incident:{model.id},Violation:{violation.id}")

    @action("escalate", _l("Escalate to a violation"),
            _l("Escalate the selected incidents into violation records (Article 13)? This cannot be undone."))
    def action_escalate(self, ids):
        return self._run_step("escalate", ids)

    # --- the form: times typed in the configured zone, stored in UTC ---------------------------------
    def on_form_prefill(self, form, id):
        super().on_form_prefill(form, id)
        model = self.get_one(id)
        for name in ("found_at", "handled_at"):
            if name in form and getattr(model, name) is not None:
                form[name].data = local_time(getattr(model, name)).replace(tzinfo=None)

    def validate_form(self, form):
        valid = super().validate_form(form)
        upload = form.screenshot.data if "screenshot" in form else None
        if request.method == "POST" and getattr(upload, "filename", None):
            problem = attachments.upload_problem(upload, AttachmentKind.screenshot)
            if problem:
                add_error(form.screenshot, problem)
                return False
        return valid

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        for name in ("found_at", "handled_at"):
            value = form[name].data if name in form else None
            setattr(model, name, stored_time(value) if value is not None else None)
        account = model.account
        model.unit_id, model.unit = account.unit_id, account.unit
        problems = incidents.timing_problems(account, model.found_at, model.handled_at)
        if problems:
            for problem in problems:
                add_error(form[problem.field], problem.message)
            raise ValidationError(gettext("Please correct the problems marked below."))
        if is_created:
            model.status = IncidentStatus.draft
        self.save_form_upload(model, form.screenshot.data if "screenshot" in form else None, AttachmentKind.screenshot)
