"""发布报批 — authorisation before publishing on 重大事件、突发事件、社会热点及敏感问题 (第十二条).

A unit editor drafts and submits a request; the unit leader agrees (or returns it); the department authorises it
(with conditions or an edited text), returns it with reasons, or refuses it — the steps of services/workflow.py,
offered by models/policy.py. After publishing, the unit records the link and time on the request's page; the
department records a publication it found with no request at all on its own form, and turns a publication without
authorisation into a violation record (第十三条) with one click (``record_violation``)."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired, Length, Optional

from models import Account, AttachmentKind, Publication, PublicationStatus, Urgency, Violation, db, policy
from services import publications, violations
from services.text import datetime_text, local_time, stored_time

from .eager import joinedload
from .base import ScopedModelView
from .fields import ScopedAjaxLoader, add_error
from .formatters import badge, status_badge
from .labels import SEARCH_ACCOUNT, labels
from .workflow import WorkflowMixin, apply_to_rows

#: 第十二条, quoted on the form as the reason for it.
ARTICLE_12 = ("各单位应自觉维护学校声誉，未经学校相关部门授权，不得擅自发布涉及学校重大事件、突发事件、社会热点及敏感问题的"
              "相关信息。")
#: How a time is written (in the configured zone): the browser's own date-and-time input sends the first.
TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class LocalDateTimeField(DateTimeLocalField):
    """A time typed and shown in the configured zone, stored in UTC (services.text). The browser's own date-and-time
    input (``datetime-local``, in the browser's language): Flask-Admin's bundled picker (daterangepicker 1.3)
    overwrites a typed time with the present one when it closes. Its formats: ``form_args`` (TIME_FORMATS)."""

    def process_data(self, value):
        super().process_data(local_time(value).replace(tzinfo=None) if value else value)

    def stored(self):
        return stored_time(self.data) if self.data else None

    def populate_obj(self, obj, name):
        setattr(obj, name, self.stored())


def _urgency(_view, _context, model, _name):
    if model.urgency == Urgency.urgent:
        return badge("danger", model.urgency.label)
    return model.urgency.label if model.urgency else ""


def _due(_view, _context, model, _name):
    """答复时限 and, while the department has it, the time left (or how long overdue)."""
    if model.due_at is None:
        return ""
    text = datetime_text(model.due_at)
    if model.status != PublicationStatus.dept_review:
        return text
    left, overdue = publications.time_left(model.due_at)
    return Markup('{} <span class="badge badge-{}">{}</span>').format(text, "danger" if overdue else "info", left)


def _link(_view, _context, model, _name):
    if not model.published_url:
        return ""
    return Markup('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>').format(model.published_url,
                                                                                       model.published_url)


def _accounts(_view, _context, model, _name):
    return "、".join(account.name for account in model.accounts)


class PublicationView(WorkflowMixin, ScopedModelView):
    column_list = ["headline", "unit", "topic", "urgency", "planned_at", "status", "due_at", "decided_at",
                   "published_at"]
    # The fields' names are admin/labels.py's (the audit log uses them too).
    column_labels = labels(unit=_l("Requesting unit"), **{"unit.name": _l("Requesting unit")})
    column_searchable_list = ["headline"]
    column_filters = ["unit.name", "topic", "urgency", "status", "planned_at", "decided_at", "published_at"]
    column_sortable_list = ["headline", ("unit", "unit.name"), "topic", "urgency", "planned_at", "status", "due_at",
                            "decided_at", "published_at"]
    column_default_sort = [("id", True)]
    column_formatters = {"status": status_badge, "urgency": _urgency, "due_at": _due}
    column_formatters_export = {}
    column_details_list = [
        "headline", "unit", "accounts", "topic", "urgency", "planned_at", "body", "status", "submitted_at",
        "unit_opinion", "unit_signed_by", "unit_signed_at", "due_at", "dept_opinion", "conditions",
        "approved_content", "approved_by", "approved_at", "return_reason", "refusal_reason", "decided_by",
        "decided_at", "published_url", "published_at", "violation"]
    column_formatters_detail = {"status": status_badge, "urgency": _urgency, "due_at": _due,
                                "published_url": _link, "accounts": _accounts}
    form_columns = ["unit", "accounts", "topic", "urgency", "headline", "planned_at", "body", "published_url",
                    "published_at"]
    form_overrides = {"planned_at": LocalDateTimeField, "published_at": LocalDateTimeField}
    form_ajax_refs = {"accounts": ScopedAjaxLoader("accounts", Account, fields=["name"], order_by="name")}
    form_args = {
        "accounts": {"validators": [InputRequired()], "render_kw": SEARCH_ACCOUNT},
        # One line: a headline pasted with line breaks becomes one line (it is also the notice e-mail's subject).
        "headline": {"validators": [InputRequired(), Length(max=200)],
                     "filters": [lambda value: " ".join(value.split()) if isinstance(value, str) else value]},
        "body": {"validators": [Length(max=50000)], "render_kw": {"rows": 10},
                    "description": _l("The text as it will be published; attach images and documents on the "
                                      "request's page after saving.")},
        "planned_at": {"validators": [Optional()], "format": TIME_FORMATS, "description": _l("In Beijing time.")},
        "urgency": {"description": _l("Urgent requests are answered within hours and the department is notified "
                                      "at once.")},
        "published_url": {"validators": [Optional(), Length(max=500)],
                          "description": _l("Only for a publication found without any request.")},
        "published_at": {"validators": [Optional()], "format": TIME_FORMATS},
    }
    create_template = "admin/publication_create.html"
    details_template = "admin/publication_details.html"
    article_text = ARTICLE_12

    @property
    def is_department(self) -> bool:
        return policy.is_department(current_user)

    def get_query(self):
        return super().get_query().options(joinedload(Publication.unit))

    def get_one_query(self):
        return super().get_one_query().options(selectinload(Publication.accounts))

    # --- the form -----------------------------------------------------------------------------------
    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET" and "accounts" in form:
            account = policy.get_visible(_user(), Account, request.args.get("account_id"))
            if account is not None:
                form.accounts.data = [account]
        return form

    def validate_form(self, form):
        """The rules of services/publications.py next to their fields: a unit's request (accounts its own, the
        planned time ahead and not before the accounts existed), or the department's finding (the link and the
        time of what was published without any request)."""
        valid = super().validate_form(form)
        if not valid or "accounts" not in form:
            return valid
        user = _user()
        unit = form.unit.data if "unit" in form else user.unit
        accounts = list(form.accounts.data or [])
        finding = self._is_finding(form)
        if finding:
            problems = publications.account_problems(getattr(unit, "id", None), accounts)
            problems += publications.published_problems(accounts, form.published_url.data,
                                                        form.published_at.stored())
        else:
            problems = publications.request_problems(getattr(unit, "id", None), accounts, form.body.data,
                                                     form.planned_at.stored())
            if "published_url" in form and (form.published_url.data or form.published_at.data):
                problems.append(publications.Problem("published_url", gettext(
                    "A request's publication is recorded on its page after publishing.")))
        if "unit" in form and unit is None:
            problems.append(publications.Problem("unit", gettext("Choose the unit.")))
        for problem in problems:
            add_error(form[problem.field] if problem.field in form else form.accounts, problem.message)
        return not problems

    def _is_finding(self, form) -> bool:
        """The department's form records a publication found without any request (its own rows stay findings)."""
        if not policy.sees_all_units(_user()):
            return False
        model = self.get_one(request.args.get("id")) if request.args.get("id") else None
        return model is None or model.status == PublicationStatus.unrequested

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if is_created and policy.sees_all_units(_user()):
            model.status = PublicationStatus.unrequested
        if model.status == PublicationStatus.unrequested and model.planned_at is None:
            model.planned_at = model.published_at  # no plan was ever asked for: the time it appeared
        if is_created and model.status != PublicationStatus.unrequested:
            model.status = PublicationStatus.draft

    # --- the steps ------------------------------------------------------------------------------------
    @action("submit", _l("Submit"), _l("Submit the selected records for review?"))
    def action_submit(self, ids):
        actor = _user()
        urgent = [row.id for row in self.scoped_rows(ids) if row.is_urgent and policy.may_take(actor, "submit", row)]
        self._run_step("submit", ids)
        for publication in self.scoped_rows(urgent):
            if publication.status == PublicationStatus.unit_review:
                self._notify(publication, actor)

    def _notify(self, publication, actor) -> None:
        sent, failed = publications.notify_urgent(publication, actor)
        if failed:
            flash(gettext("The urgent request “%(record)s” was submitted, but the notice did not reach: %(names)s. "
                          "Tell the Propaganda Department by phone.", record=str(publication),
                          names="、".join(failed)), "warning")
        elif sent:
            flash(gettext("The Propaganda Department was notified of the urgent request “%(record)s”.",
                          record=str(publication)), "info")

    @action("approve", _l("Authorise"), _l("Authorise the selected requests?"))
    def action_approve(self, ids):
        return self._run_step("approve", ids, conditions=request.form.get("conditions"),
                              edited_content=request.form.get("approved_content"))

    @action("refuse", _l("Refuse authorisation"), _l("Refuse the selected requests?"))
    def action_refuse(self, ids):
        return self._run_step("refuse", ids)

    @action("record_violation", _l("Record as violation (published without authorisation)"),
            _l("Record the selected publications as violations (Article 13)?"))
    def action_record_violation(self, ids):
        actor = _user()
        apply_to_rows(self, ids, lambda row: violations.record_unauthorised_publication(row, actor),
                      lambda done: ngettext("%(num)s violation recorded.", "%(num)s violations recorded.", done))

    def is_action_allowed(self, name):
        if name == "record_violation":
            return policy.can_create(current_user, Violation)
        return super().is_action_allowed(name)

    @expose("/published/", methods=("POST",))
    def published_view(self):
        """发布记录: the unit records the link and the time of what it published (typed in the configured zone)."""
        publication = self.get_one(request.form.get("id"))
        policy.require(policy.can_write(current_user, Publication))
        if not self.validate_form(self.action_form()):
            flash(gettext("The form expired; reload the page and try again."), "error")
            return redirect(self.get_url(".details_view", id=publication.id))
        when = _parse_time(request.form.get("published_at"))
        problems = publications.record_publication(publication, _user(), request.form.get("published_url"),
                                                   stored_time(when) if when else None)
        if problems:
            db.session.rollback()
            for problem in problems:
                flash(problem.message, "error")
        else:
            db.session.commit()
            flash(gettext("The publication of “%(record)s” was recorded.", record=str(publication)), "success")
            if publication.unauthorised:
                flash(gettext("It was published without the department's authorisation (Article 12)."), "warning")
        return redirect(self.get_url(".details_view", id=publication.id))

    def attachment_panel(self, model) -> dict:
        """The request's files: the material to publish first (images, documents), or other."""
        panel = super().attachment_panel(model)
        panel["kinds"] = [(kind.name, kind.label) for kind in (AttachmentKind.material, AttachmentKind.other)]
        panel["title"] = gettext("Attachments (the material to publish)")
        return panel

    def record_panel(self, model) -> dict:
        """What the request's page offers after publishing: the form to record the publication, the one-click
        violation, the violation already recorded."""
        user = _user()
        return {"may_record": policy.may_record_publication(user, model),
                "may_violation": policy.may_record_violation(user, model),
                "violation_url": self.get_url("violations.details_view", id=model.violation_id)
                if model.violation_id and policy.owns(user, model) else None}


def _parse_time(value):
    """A time typed in the page's 发布时间 (datetime-local: 2026-12-01T09:30, or 2026-12-01 09:30)."""
    text = (value or "").strip().replace("T", " ")
    for pattern in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _user():
    return current_user._get_current_object()
