"""管理人员 — the people on management teams, per unit."""
from flask import flash
from flask_babel import gettext, lazy_gettext as _l
from wtforms.validators import InputRequired, Length, Optional

from services import validators
from .base import ScopedModelView
from .labels import labels
from .roster import RosterMixin


class ManagerView(RosterMixin, ScopedModelView):
    list_template = "admin/managers_list.html"
    column_list = ["name", "staff_no", "unit", "title", "phone", "email", "employment_status"]
    column_labels = labels(name=_l("Name"), unit=_l("Unit"))
    column_searchable_list = ["name", "staff_no", "phone"]
    column_filters = ["unit.name", "employment_status"]
    column_sortable_list = ["name", "staff_no", ("unit", "unit.name"), "employment_status"]
    column_default_sort = "name"
    form_columns = ["name", "staff_no", "unit", "title", "phone", "email", "employment_status"]
    form_args = {
        "name": {"validators": [InputRequired(), Length(max=50)]},
        "phone": {"validators": [validators.optional_phone]},
        "email": {"validators": [Optional(), validators.email]},
    }
    integrity_messages = dict.fromkeys(
        ("uq_managers_unit_id", "managers.unit_id, managers.staff_no"),
        _l("A person with this staff number is already listed for the unit."))
    integrity_messages.update(dict.fromkeys(
        ("fk_account_team_manager_id_managers", "FOREIGN KEY constraint failed"),
        _l("This person is still on an account's management team; take them off the team first.")))

    def after_model_change(self, form, model, is_created):
        from services.staff import FLAGGED, accounts_of

        if not is_created and model.employment_status in FLAGGED:
            accounts = accounts_of(model)
            if accounts:
                flash(gettext("%(name)s is now %(status)s and is on the team of: %(accounts)s. Please file a change "
                              "of managers for these accounts.", name=model.name,
                              status=str(model.employment_status.label),
                              accounts="、".join(a.name + ("（" + gettext("verified") + "）" if a.verified else "")
                                                for a in accounts)), "warning")

    def get_query(self):
        from sqlalchemy.orm import joinedload

        return super().get_query().options(joinedload(self.model.unit))
