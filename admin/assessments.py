"""年度考核 — yearly figures per account and unit; the department sets grade and commendation (第十六条)."""
import datetime as dt

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import Assessment, db, policy
from services import assessment

from .eager import joinedload
from .base import ScopedModelView
from .labels import labels


class AssessmentView(ScopedModelView):
    column_list = ["year", "unit", "account", "registered_on_time", "reports_expected", "reports_on_time",
                   "posts", "violations", "unauthorised_publications", "governance_missing", "score", "rank", "grade",
                   "commended"]
    column_labels = labels(unit=_l("Unit"), account=_l("Account (empty: whole unit)"),
                           unauthorised_publications=_l("Publications without authorisation"),
                           governance_missing=_l("Rules or responsible persons missing (points off)"))
    column_filters = ["year", "unit.name", "grade", "commended"]
    column_searchable_list = ["account.name"]
    account_search = True
    column_sortable_list = ["year", ("unit", "unit.name"), "score", "rank", "grade"]
    column_default_sort = [("year", True), ("rank", False)]
    # The figures are computed from the records; the department only grades and commends.
    form_columns = ["grade", "commended", "remarks"]

    list_template = "admin/assessments_list.html"
    column_formatters = {"account": lambda v, c, m, n: m.account.name if m.account else gettext("(whole unit)")}
    column_formatters_export = column_formatters
    export_value_formatters = {"account": lambda name: gettext("(whole unit)") if name is None else name}

    @property
    def can_create(self):
        return False

    @property
    def default_year(self) -> int:
        """The year usually assessed: the one that just ended."""
        return dt.date.today().year - 1

    @expose("/compute/", methods=("POST",))
    def compute_view(self):
        """The department's button: compute the year's figures, scores and ranks."""
        policy.require(policy.can_write(current_user, Assessment))
        if not self.validate_form(self.action_form()):
            abort(400)
        year = request.form.get("year", type=int)
        if year is None or not 2000 <= year <= dt.date.today().year:
            flash(gettext("Choose a year up to this one."), "error")
            return redirect(self.get_url(".index_view"))
        count = assessment.compute(year)
        db.session.commit()
        flash(gettext("The %(year)s assessment was computed for %(count)s accounts.", year=year, count=count),
              "success")
        return redirect(self.get_url(".index_view"))

    def get_query(self):
        return super().get_query().options(joinedload(Assessment.unit), joinedload(Assessment.account))
