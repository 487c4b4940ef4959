"""单位 — the department's list of units (and each unit's 企业微信 / 钉钉 group robot, services/notify.py)."""
from flask_babel import gettext, lazy_gettext as _l
from wtforms import BooleanField, PasswordField, ValidationError
from wtforms.validators import InputRequired, Length, Optional


from models import Unit, UnitKind

from services import notify, validators
from .eager import joinedload
from .base import ScopedModelView
from .governance import governance_context, rules_in_force
from .home_filters import GovernanceGapFilter
from .labels import labels

#: The secret columns and the form field that sets each (empty keeps the stored value).
WEBHOOK_FIELDS = {"wecom_webhook": "new_wecom_webhook", "dingtalk_webhook": "new_dingtalk_webhook",
                  "dingtalk_secret": "new_dingtalk_secret"}


def _masked_formatter(_view, _context, model, name):
    return notify.masked(getattr(model, name))


class UnitView(ScopedModelView):
    column_list = ["code", "name", "kind", "leader_name", "leader_title", "phone", "active",
                   "responsibility.first_name", "responsibility.media_leader_name"]
    column_labels = labels(name=_l("Unit name"), **{
                               "responsibility.first_name": _l("First responsible person"),
                               "responsibility.first_title": _l("Post of the first responsible person"),
                               "responsibility.media_leader_name": _l("Responsible leader"),
                               "responsibility.media_leader_title": _l("Post of the responsible leader"),
                               "rules_title": _l("New-media management rules in force"),
                               "rules_adopted_on": _l("Rules adopted on")},
                           wecom_webhook=_l("WeCom group robot webhook"),
                           dingtalk_webhook=_l("DingTalk group robot webhook"),
                           dingtalk_secret=_l("DingTalk signing secret"))
    column_searchable_list = ["code", "name", "leader_name"]
    column_filters = ["kind", "active", GovernanceGapFilter()]
    column_sortable_list = ["code", "name", "kind", "active"]
    column_default_sort = "code"
    # The webhooks are secrets: on the details page only as "set (…last 4)", never exported.
    column_formatters = dict.fromkeys(WEBHOOK_FIELDS, _masked_formatter)
    column_export_exclude_list = list(WEBHOOK_FIELDS)
    # 第一责任人、责任领导 and the 新媒体管理制度 in force (第九条, 第十条; admin/governance.py), by name.
    column_export_list = [*column_list[:-2], "responsibility.first_name", "responsibility.first_title",
                          "responsibility.media_leader_name", "responsibility.media_leader_title", "rules_title",
                          "rules_adopted_on"]
    column_formatters_export = {"rules_title": rules_in_force, "rules_adopted_on": rules_in_force}
    details_template = "admin/unit_details.html"
    governance_context = staticmethod(governance_context)
    form_columns = ["code", "name", "kind", "leader_name", "leader_title", "phone", "established_on", "active",
                    *WEBHOOK_FIELDS.values(), "clear_webhooks"]
    form_extra_fields = {
        "new_wecom_webhook": PasswordField(
            _l("WeCom group robot webhook"), validators=[Optional(), Length(max=500)],
            description=_l("The webhook address of the unit's WeCom group robot; reminders are also posted there. "
                           "Leave empty to keep the current one.")),
        "new_dingtalk_webhook": PasswordField(
            _l("DingTalk group robot webhook"), validators=[Optional(), Length(max=500)],
            description=_l("The webhook address of the unit's DingTalk group robot; reminders are also posted "
                           "there. Leave empty to keep the current one.")),
        "new_dingtalk_secret": PasswordField(
            _l("DingTalk signing secret"), validators=[Optional(), Length(max=200)],
            description=_l("The robot's signing secret (加签, starts with SEC). Leave empty to keep the current one.")),
        "clear_webhooks": BooleanField(_l("Remove the WeCom and DingTalk group robots of this unit")),
    }
    form_args = {
        "code": {"validators": [InputRequired(), validators.unit_code]},
        "name": {"validators": [InputRequired(), Length(max=100)]},
        "phone": {"validators": [validators.optional_phone]},
        "established_on": {"validators": [validators.not_in_future]},
    }
    column_choices = {"kind": UnitKind.choices()}

    def get_query(self):
        # The 第一责任人/责任领导 of each unit in the same statement (the export names them: no query per unit).
        return super().get_query().options(joinedload(Unit.responsibility))

    def on_form_prefill(self, form, id):
        """The stored secrets are never put in the form: each field says whether it is set (…last 4)."""
        super().on_form_prefill(form, id)
        unit = self.get_one(id)
        for column, name in WEBHOOK_FIELDS.items():
            if name in form and getattr(unit, column):
                form[name].description = gettext("%(state)s. Leave empty to keep it.",
                                                 state=notify.masked(getattr(unit, column)))

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if "clear_webhooks" in form and form.clear_webhooks.data:
            for column in WEBHOOK_FIELDS:
                setattr(model, column, None)
            return
        for column, name in WEBHOOK_FIELDS.items():
            value = (form[name].data or "").strip() if name in form else ""
            if not value:
                continue  # empty keeps the stored value
            if column != "dingtalk_secret" and not value.lower().startswith(("https://", "http://")):
                raise ValidationError(gettext("A webhook address starts with https://."))
            setattr(model, column, value)
