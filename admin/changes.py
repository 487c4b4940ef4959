"""变更备案 — change requests for an account's name, managers, maintenance method, or its closure (第八条)."""
from flask import request
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy.orm import joinedload
from wtforms import StringField, ValidationError
from wtforms.validators import InputRequired, Length, Optional
from flask_admin.model.fields import AjaxSelectField, AjaxSelectMultipleField

from models import Account, ChangeKind, ChangeRecord, Maintenance, Manager, ReviewStatus, TeamRole
from models.base import to_id
from services import accounts
from services.problems import raise_first

from services import validators
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
    if before.get("team"):
        parts.append("、".join(p.get("name", "") for p in before["team"]))
    return "；".join(parts)


#: The new team is chosen by look-up (a drop-down of every person would be thousands of options for the
#: department); the look-up and the posted ids are scoped, and the rules check the account's unit.
_NEW_HEAD = ScopedAjaxLoader("new_head", Manager, fields=["name", "staff_no"], order_by="name")
_NEW_ADMINS = ScopedAjaxLoader("new_admins", Manager, fields=["name", "staff_no"], order_by="name")


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
    form_columns = ["account", "kind", "changed_on", "new_name", "new_maintenance", "new_vendor", "new_head", "new_admins",
                    "reason", "closure_notice", "closure_notice_on"]
    form_extra_fields = {
        "new_name": StringField(_l("New account name"), validators=[Optional(), Length(max=100)]),
        "new_maintenance": enum_field(Maintenance, _l("New maintenance method"), nullable=True),
        "new_vendor": StringField(_l("New third-party vendor"), validators=[Optional(), Length(max=100)]),
        "new_head": AjaxSelectField(_NEW_HEAD, _l("New person in charge"), allow_blank=True,
                                    validators=[Optional()], render_kw=SEARCH_PERSON),
        "new_admins": AjaxSelectMultipleField(_NEW_ADMINS, _l("New administrators"), validators=[Optional()],
                                              render_kw=SEARCH_PERSON),
    }
    form_ajax_refs = {"account": ScopedAjaxLoader("account", Account, fields=["name"], order_by="name"),
                      "new_head": _NEW_HEAD, "new_admins": _NEW_ADMINS}
    form_args = {
        "account": {"validators": [InputRequired()], "render_kw": SEARCH_ACCOUNT},
        "changed_on": {"validators": [InputRequired(), validators.not_in_future]},
        "closure_notice_on": {"validators": [validators.not_in_future]},
        "reason": {"validators": [Length(max=5000)]},
    }

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET":
            # Links such as "start closure" on the dormant-accounts page preselect the account and kind.
            account_id = to_id(request.args.get("account"))
            if account_id:
                form.account.data = scoped_query(Account).filter(Account.id == account_id).one_or_none()
            kind = request.args.get("kind")
            if kind in ChangeKind.__members__:
                form.kind.data = ChangeKind[kind]
        return form

    def get_query(self):
        return super().get_query().options(joinedload(ChangeRecord.account), joinedload(ChangeRecord.unit))

    def on_form_prefill(self, form, id):
        super().on_form_prefill(form, id)
        after = self.get_one(id).after or {}
        form.new_name.data = after.get("name")
        form.new_maintenance.data = Maintenance[after["maintenance"]] if after.get("maintenance") else None
        form.new_vendor.data = after.get("vendor")
        team = after.get("team") or []
        heads = [int(e["manager_id"]) for e in team if e["role"] == "head"]
        admins = [int(e["manager_id"]) for e in team if e["role"] == "admin"]
        managers = {m.id: m for m in scoped_query(Manager).filter(Manager.id.in_(heads + admins))}
        form.new_head.data = managers.get(heads[0]) if heads else None
        form.new_admins.data = [managers[i] for i in admins if i in managers]

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        account = model.account
        model.unit_id, model.unit = account.unit_id, account.unit
        model.after = proposed_values(model.kind, form, account)
        if model.kind == ChangeKind.closure and not (model.closure_notice or "").strip():
            raise ValidationError(gettext("A closure needs the text of the notice of discontinuation (停更公告)."))
        if model.kind == ChangeKind.other and not (model.reason or "").strip():
            raise ValidationError(gettext("Describe what changed in the reason."))
        model.due_on = accounts.change_due(model.changed_on)
        if is_created:
            model.status = ReviewStatus.draft
            model.before = account_snapshot(account)


def proposed_values(kind: ChangeKind, form, account: Account) -> dict:
    """The "after" values of a change request, checked against the rules before it is saved."""
    if kind == ChangeKind.name:
        name = (form.new_name.data or "").strip()
        if not name:
            raise ValidationError(gettext("Enter the new account name."))
        return {"name": name}
    if kind == ChangeKind.maintenance:
        method = form.new_maintenance.data
        if method is None:
            raise ValidationError(gettext("Choose the new maintenance method."))
        vendor = (form.new_vendor.data or "").strip() or None
        raise_first(accounts.vendor_problems(method, vendor), ValidationError)
        return {"maintenance": method.name, "vendor": vendor}
    if kind == ChangeKind.managers:
        head, admins = form.new_head.data, list(form.new_admins.data or [])
        team = [accounts.Member(TeamRole.head, head)] if head is not None else []
        team += [accounts.Member(TeamRole.admin, person) for person in admins]
        raise_first(accounts.team_problems(account.verified, team, account.unit_id), ValidationError)
        return {"team": [{"manager_id": head.id, "role": "head"}]
                + [{"manager_id": person.id, "role": "admin"} for person in admins]}
    return {}
