"""变更备案 — change requests for an account's name, managers, maintenance method, or its closure (第八条)."""
from flask import request, url_for
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect
from wtforms import FileField, StringField
from wtforms.validators import InputRequired, Length, Optional, URL
from flask_admin.model.fields import AjaxSelectField, AjaxSelectMultipleField

from models import Account, AttachmentKind, ChangeKind, ChangeRecord, Maintenance, Manager, ReviewStatus, policy
from services import accounts, attachments, changes

from services import validators
from services.text import translated
from .eager import joinedload
from .base import ScopedModelView
from .fields import ScopedAjaxLoader, enum_field, scoped_query
from .formatters import deadline_cell, late_badge, status_badge
from .labels import SEARCH_ACCOUNT, SEARCH_PERSON, labels
from services.snapshots import account_snapshot
from .workflow import LatenessMixin, WorkflowMixin


def _after_text(_view, _context, model, _name):
    after = model.after or {}
    parts = []
    if "name" in after:
        parts.append(f"{gettext('Account name')}：{after['name']}")
    if "maintenance" in after:
        label = Maintenance[after["maintenance"]].label if after["maintenance"] in Maintenance.__members__ else ""
        parts.append(f"{gettext('Maintenance method')}：{label} {after.get('vendor') or ''}".strip())
    if "homepage_url" in after:
        parts.append(f"{gettext('New homepage address')}：{after['homepage_url']}")
    if model.kind == ChangeKind.public_info:
        qr = changes.change_qr_code(model)
        if qr is not None:
            parts.append(f"{gettext('New QR code')}：{qr.filename}")
    if "team" in after:
        names = {m.id: m.name for m in Manager.query.filter(
            Manager.id.in_([int(e["manager_id"]) for e in after["team"]]))}
        parts.append("；".join(f"{gettext('Person in charge') if e['role'] == 'head' else gettext('Administrator')}："
                              f"{names.get(int(e['manager_id']), '?')}" for e in after["team"]))
    return "；".join(parts)


def _before_text(_view, _context, model, _name):
    before = model.before or {}
    parts = [f"{gettext('Account name')}：{before.get('name', '')}"]
    if before.get("maintenance") in Maintenance.__members__:
        parts.append(f"{gettext('Maintenance method')}：{Maintenance[before['maintenance']].label}")
    if model.kind == ChangeKind.public_info:
        parts.append(f"{gettext('Homepage URL')}：{before.get('homepage_url') or gettext('(none)')}")
        parts.append(f"{gettext('QR code')}：{before.get('qr_code') or gettext('(none)')}")
    if before.get("team"):
        parts.append("、".join(p.get("name", "") for p in before["team"]))
    return "；".join(parts)


#: The new team is chosen by look-up (a drop-down of every person would be thousands of options for the
#: department); the look-up and the posted ids are scoped, and the rules check the account's unit.
_NEW_HEAD = ScopedAjaxLoader("new_head", Manager, fields=["name", "staff_no"], order_by="name")
_NEW_ADMINS = ScopedAjaxLoader("new_admins", Manager, fields=["name", "staff_no"], order_by="name")


#: The form field of each proposed value (services/changes.py KIND_VALUES), where a problem with it is shown.
FORM_FIELDS = {"name": "new_name", "head": "new_head", "admins": "new_admins", "team": "new_admins",
               "maintenance": "new_maintenance", "vendor": "new_vendor", "closure_notice": "closure_notice",
               "closure_notice_on": "closure_notice_on", "reason": "reason", "homepage_url": "new_homepage_url",
               "qr_code": "new_qr", "account": "account"}
#: Fields a change of each kind must fill in (marked with the asterisk; services/changes.py checks them).
REQUIRED = {ChangeKind.name: ("new_name",), ChangeKind.managers: ("new_head", "new_admins"),
            ChangeKind.maintenance: ("new_maintenance",), ChangeKind.closure: ("closure_notice",),
            ChangeKind.other: ("reason",)}
#: Fields every change request has; the others are shown only for the 变更事项 they belong to.
COMMON_FIELDS = ("account", "kind", "changed_on", "reason")


def kind_fields(kind: ChangeKind | None) -> set[str]:
    """The form fields of a change of ``kind`` (none but the common ones while no kind is chosen)."""
    return {FORM_FIELDS[value] for value in changes.KIND_VALUES.get(kind, ())} | set(COMMON_FIELDS)


def chosen_kind(obj=None) -> ChangeKind | None:
    """The 变更事项 the form is for: the posted one, else ``?kind=`` (the account page's links and the form's
    no-script switch), else the record's."""
    name = request.form.get("kind") if request.method == "POST" else request.args.get("kind")
    if name in ChangeKind.__members__:
        return ChangeKind[name]
    return obj.kind if obj is not None else None


class ChangeView(LatenessMixin, WorkflowMixin, ScopedModelView):
    column_list = ["account", "kind", "unit", "changed_on", "status", "due_on", "is_late", "submitted_at"]
    column_labels = labels(kind=_l("What changed"), after=_l("Proposed values"), before=_l("Before the change"))
    column_searchable_list = ["account.name"]
    account_search = True
    column_filters = ["status", "kind", "unit.name", "is_late", "changed_on", "due_on", "reason"]
    column_sortable_list = [("account", "account.name"), "kind", ("unit", "unit.name"), "changed_on",
                            "status", "due_on"]
    column_default_sort = ("id", True)
    column_formatters = {"is_late": late_badge, "status": status_badge, "due_on": deadline_cell}
    deadline_columns = ("due_on",)
    column_details_list = ["account", "unit", "kind", "changed_on", "before", "after", "reason",
                           "closure_notice", "closure_notice_on", "status", "due_on", "is_late",
                           "submitted_at", "unit_opinion", "unit_signed_by", "unit_signed_at",
                           "dept_opinion", "approved_by", "approved_at", "return_reason"]
    column_formatters_detail = {"after": _after_text, "before": _before_text, "status": status_badge,
                                "is_late": late_badge, "due_on": deadline_cell}
    column_formatters_export = {"after": _after_text, "before": _before_text}
    create_template = "admin/change_create.html"
    edit_template = "admin/change_edit.html"
    form_columns = ["account", "kind", "changed_on", "new_name", "new_maintenance", "new_vendor", "new_head",
                    "new_admins", "closure_notice", "closure_notice_on", "new_homepage_url", "new_qr", "reason"]
    form_extra_fields = {
        "new_name": StringField(_l("New account name"), validators=[Optional(), Length(max=100)]),
        "new_maintenance": enum_field(Maintenance, _l("New maintenance method"), nullable=True),
        "new_vendor": StringField(_l("New third-party vendor"), validators=[Optional(), Length(max=100)]),
        "new_head": AjaxSelectField(_NEW_HEAD, _l("New person in charge"), allow_blank=True,
                                    validators=[Optional()], render_kw=SEARCH_PERSON),
        "new_admins": AjaxSelectMultipleField(_NEW_ADMINS, _l("New administrators"), validators=[Optional()],
                                              render_kw=SEARCH_PERSON),
        "new_homepage_url": StringField(_l("New homepage address"), validators=[
            Optional(), Length(max=500),
            URL(message=_l("Enter a full address starting with http:// or https://."))]),
        "new_qr": FileField(_l("New QR code (PNG or JPEG)"), render_kw={"accept": ".png,.jpg,.jpeg,image/png,image/jpeg"}),
    }
    form_ajax_refs = {"account": ScopedAjaxLoader("account", Account, fields=["name"], order_by="name"),
                      "new_head": _NEW_HEAD, "new_admins": _NEW_ADMINS}
    form_args = {
        "account": {"validators": [InputRequired()], "render_kw": SEARCH_ACCOUNT},
        "changed_on": {"validators": [InputRequired(), validators.not_in_future]},
        "closure_notice_on": {"validators": [validators.not_in_future]},
        "reason": {"validators": [Length(max=5000)]},
    }

    # --- the form of the chosen 变更事项 -------------------------------------------------------------
    def _fields_of_kind(self, form, kind: ChangeKind | None):
        keep = kind_fields(kind) | self.form_plumbing
        if request.method == "GET" and kind is not None and "kind" in form:
            form.kind.data = kind
        for name in [field.name for field in form]:
            if name not in keep:
                del form[name]
        for name in REQUIRED.get(kind, ()):
            if name in form:
                form[name].flags.required = True
                # A marker for Flask-Admin's asterisk: it follows the field's Optional(), which ends the check of
                # an empty field, so that the rule (services/changes.py) says what is missing, next to the field.
                form[name].validators = [*form[name].validators, InputRequired()]
                if name == "new_maintenance":  # a hidden select2 <select> with required would block the submit
                    form[name].render_kw = {**(form[name].render_kw or {}), "required": False}
        if kind is not None and "reason" in form:
            form.reason.label.text = str(_l("Description of the change") if kind == ChangeKind.other else _l("Reason"))
        return form

    def create_form(self, obj=None):
        # A new form starts at the first 变更事项 (the one its drop-down shows) until another is chosen.
        kind = chosen_kind() or (ChangeKind.name if request.method == "GET" else None)
        form = self._fields_of_kind(super().create_form(obj), kind)
        if request.method == "GET":
            # The account's page ("申请变更", "办理注销") and the dormant-accounts page start a change with
            # ?account_id=<id>&kind=<kind>: the account chosen, the form showing its current values.
            raw = request.args.get("account_id", request.args.get("account"))
            if raw:
                account = policy.get_or_404(current_user, Account, raw)  # another unit's account: 404
                form.account.data = account
                self._prefill_current(form, kind, account)
        return form

    def edit_form(self, obj=None):
        return self._fields_of_kind(super().edit_form(obj), chosen_kind(obj))

    @staticmethod
    def _prefill_current(form, kind: ChangeKind | None, account: Account) -> None:
        if kind is None:
            return
        for value, data in changes.current_values(kind, account).items():
            if FORM_FIELDS[value] in form:
                form[FORM_FIELDS[value]].data = data

    def kind_links(self, obj=None) -> list[tuple[str, str, bool]]:
        """The no-script switch between 变更事项: the same page with ``?kind=`` (and the account kept)."""
        # Only the form's own parameters: url_for's (_scheme, _external, endpoint …) would break the link or the page.
        args = {key: value for key, value in request.args.items() if key in ("id", "account_id", "account", "url")}
        current = chosen_kind(obj) or (ChangeKind.name if obj is None else None)
        # One url_for: ``kind`` comes last in url_for's query string, and a kind's name needs no quoting.
        base = url_for(request.endpoint, **args)
        base += "&kind=" if "?" in base else "?kind="
        return [(translated(kind.label), base + kind.name, kind == current) for kind in ChangeKind]

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method != "POST" or "kind" not in form or not isinstance(form.kind.data, ChangeKind):
            return valid
        account = form.account.data if "account" in form else None
        if account is None:
            return valid
        kind = form.kind.data
        has_qr = False
        if "new_qr" in form and getattr(form.new_qr.data, "filename", None):
            problem = attachments.upload_problem(form.new_qr.data, AttachmentKind.qr_code)
            if problem:
                form.new_qr.errors = [*form.new_qr.errors, problem]
                return False
            has_qr = True
        record_id = request.args.get("id") if request.endpoint.endswith("edit_view") else None
        if kind == ChangeKind.public_info and record_id and not has_qr:
            record = self.get_one(record_id)
            has_qr = record is not None and changes.change_qr_code(record) is not None
        problems = changes.proposal_problems(
            kind, account, proposed_after(kind, form), reason=form.reason.data if "reason" in form else None,
            closure_notice=form.closure_notice.data if "closure_notice" in form else None, has_qr=has_qr)
        for problem in problems:
            field = form[FORM_FIELDS.get(problem.field, "kind")] if FORM_FIELDS.get(problem.field) in form else form.kind
            field.errors = [*field.errors, problem.message]
        return valid and not problems

    def get_query(self):
        return super().get_query().options(joinedload(ChangeRecord.account), joinedload(ChangeRecord.unit))

    def on_form_prefill(self, form, id):
        super().on_form_prefill(form, id)
        model = self.get_one(id)
        if chosen_kind(model) != model.kind:  # switched to another 变更事项 on the edit page
            self._prefill_current(form, chosen_kind(model), model.account)
            return
        after = model.after or {}
        if "new_name" in form:
            form.new_name.data = after.get("name")
        if "new_maintenance" in form:
            form.new_maintenance.data = Maintenance[after["maintenance"]] if after.get("maintenance") else None
            form.new_vendor.data = after.get("vendor")
        if "new_head" in form:
            team = after.get("team") or []
            heads = [int(e["manager_id"]) for e in team if e["role"] == "head"]
            admins = [int(e["manager_id"]) for e in team if e["role"] == "admin"]
            managers = {m.id: m for m in scoped_query(Manager).filter(Manager.id.in_(heads + admins))}
            form.new_head.data = managers.get(heads[0]) if heads else None
            form.new_admins.data = [managers[i] for i in admins if i in managers]
        if "new_homepage_url" in form:
            form.new_homepage_url.data = after.get("homepage_url")

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        account = model.account
        model.unit_id, model.unit = account.unit_id, account.unit
        model.after = proposed_after(model.kind, form)
        if model.kind != ChangeKind.closure:  # a draft switched from 注销 to another 变更事项
            model.closure_notice = model.closure_notice_on = None
        model.due_on = accounts.change_due(model.changed_on)
        if is_created:
            model.status = ReviewStatus.draft
        if is_created or {"kind", "account", "account_id"} & _changed(model):
            # "before" is the account as the chosen 变更事项 finds it: taken again when a draft is switched to
            # another kind or account, so that the department compares with the right values.
            model.before = (changes.public_snapshot(account) if model.kind == ChangeKind.public_info
                            else account_snapshot(account))
        self.save_form_upload(model, form.new_qr.data if "new_qr" in form else None, AttachmentKind.qr_code)


def _changed(model) -> set[str]:
    """The attributes of ``model`` set to a new value in this request (not yet flushed)."""
    state = sa_inspect(model)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def proposed_after(kind: ChangeKind, form) -> dict:
    """The proposed values ("after") of a change of ``kind`` as the form has them (the rules check them)."""
    def data(name):
        return form[name].data if name in form else None

    if kind == ChangeKind.name:
        return {"name": (data("new_name") or "").strip()}
    if kind == ChangeKind.maintenance:
        method = data("new_maintenance")
        return {"maintenance": method.name if isinstance(method, Maintenance) else None,
                "vendor": (data("new_vendor") or "").strip() or None}
    if kind == ChangeKind.managers:
        return {"team": changes.team_entries(data("new_head"), list(data("new_admins") or []))}
    if kind == ChangeKind.public_info:
        url = (data("new_homepage_url") or "").strip()
        return {"homepage_url": url} if url else {}
    return {}
