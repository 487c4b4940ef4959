"""违规记录 — violations, measures and rectification (第十一~十三条, 第十七~十八条).

The department records violations; 责令停止运行 suspends the account at once. The unit sees its own
violations and records its rectification (and uploads evidence on the account's page)."""
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms.validators import InputRequired, Length

from models import Account, Violation, policy
from services import validators, violations

from .base import ScopedModelView
from .fields import ScopedAjaxLoader
from .labels import SEARCH_ACCOUNT, labels
from .record_pages import RecordPageMixin


class ViolationView(RecordPageMixin, ScopedModelView):
    column_list = ["account", "unit", "occurred_on", "kind", "measure", "rectification_due", "resolved_on"]
    column_labels = labels(kind=_l("Kind of violation"))
    column_searchable_list = ["account.name", "description", "responsible_persons"]
    # The account's name through the accounts' trigram index (admin/search.py), not a join scanning 30,000
    # accounts at province scale on every search; the violation's own texts as before.
    account_search = True
    account_search_columns = ("name",)
    account_search_own_columns = ("description", "responsible_persons")
    column_filters = ["kind", "measure", "unit.name", "occurred_on", "resolved_on"]
    column_sortable_list = [("account", "account.name"), ("unit", "unit.name"), "occurred_on", "kind",
                            "measure", "resolved_on"]
    column_default_sort = ("occurred_on", True)
    form_columns = ["account", "occurred_on", "kind", "description", "measure", "responsible_persons",
                    "rectification_due", "rectification", "resolved_on"]
    form_ajax_refs = {"account": ScopedAjaxLoader("account", Account, fields=["name"], order_by="name")}
    form_args = {
        "account": {"validators": [InputRequired()], "render_kw": SEARCH_ACCOUNT},
        "occurred_on": {"validators": [InputRequired(), validators.not_in_future]},
        "description": {"validators": [InputRequired(), Length(max=10000)]},
        "rectification": {"validators": [Length(max=10000)],
                          "description": _l("What the unit did to put it right; attach evidence on the "
                                            "account's page.")},
    }

    def get_query(self):
        return super().get_query().options(joinedload(Violation.account), joinedload(Violation.unit))

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if is_created or "account" in form:
            model.unit_id, model.unit = model.account.unit_id, model.account.unit
        if policy.sees_all_units(current_user):
            violations.apply_measure(model, current_user._get_current_object())
