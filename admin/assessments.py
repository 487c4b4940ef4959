"""年度考核 — yearly figures per account and unit; the department sets grade and commendation (第十六条)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from models import Assessment

from .base import ScopedModelView
from .labels import labels


class AssessmentView(ScopedModelView):
    column_list = ["year", "unit", "account", "registered_on_time", "reports_expected", "reports_on_time",
                   "posts", "violations", "score", "rank", "grade", "commended"]
    column_labels = labels(unit=_l("Unit"), account=_l("Account (empty: whole unit)"))
    column_filters = ["year", "unit", "grade", "commended"]
    column_searchable_list = ["account.name"]
    column_sortable_list = ["year", ("unit", "unit.name"), "score", "rank", "grade"]
    column_default_sort = [("year", True), ("rank", False)]
    # The figures are computed from the records; the department only grades and commends.
    form_columns = ["grade", "commended", "remarks"]

    @property
    def can_create(self):
        return False

    def get_query(self):
        return super().get_query().options(joinedload(Assessment.unit), joinedload(Assessment.account))
