"""单位 — the department's list of units."""
from flask_babel import lazy_gettext as _l
from wtforms.validators import InputRequired, Length

from models import UnitKind

from services import validators
from .base import ScopedModelView
from .labels import labels


class UnitView(ScopedModelView):
    column_list = ["code", "name", "kind", "leader_name", "leader_title", "phone", "active"]
    column_labels = labels(name=_l("Unit name"))
    column_searchable_list = ["code", "name", "leader_name"]
    column_filters = ["kind", "active"]
    column_sortable_list = ["code", "name", "kind", "active"]
    column_default_sort = "code"
    form_columns = ["code", "name", "kind", "leader_name", "leader_title", "phone", "established_on", "active"]
    form_args = {
        "code": {"validators": [InputRequired(), validators.unit_code]},
        "name": {"validators": [InputRequired(), Length(max=100)]},
        "phone": {"validators": [validators.optional_phone]},
        "established_on": {"validators": [validators.not_in_future]},
    }
    column_choices = {"kind": UnitKind.choices()}
