"""违规记录 — violations, measures and rectification (第十一~十三条, 第十七~十八条).

The department records violations (by hand, from late records, or escalated from an incident, 第十四条) and the
accountability decided on them (问责, 第十七条): the 责任单位 and 责任人, the outcome, the date, the deciding body,
the document number (文号) and the decision document. 责令停止运行 suspends the account at once. The unit sees its
own violations and records its rectification (and uploads evidence on the account's page). The yearly
accountability list (问责清单) is this list filtered by year, exported (``accountability/``)."""
import datetime as dt

import sqlalchemy as sa
from flask import url_for
from flask_admin import expose
from flask_admin.babel import lazy_gettext as admin_gettext
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length

from models import Account, AccountabilityOutcome, Violation, db, policy
from services import validators, violations

from .eager import joinedload
from .base import ScopedModelView
from .fields import RenderedByForm, ScopedAjaxLoader, Section, add_error, error_summary
from .incidents import ArticleQuote
from .labels import SEARCH_ACCOUNT, labels
from .record_pages import RecordPageMixin, incident_of
from .workflow import AttachmentsMixin

#: 第十七条, quoted beside the accountability fields.
ARTICLE_17 = ("第十七条 学校新媒体建设及管理工作实行责任追究制。根据《中国共产党问责条例》……的规定，视失职失责情形及其导致的"
              "损失或影响程度的大小，追究相应责任单位和责任人的责任。")


class YearFilter(BaseSQLAFilter):
    """年度: the violations of one year (by the day they occurred), for the yearly accountability list."""

    def __init__(self):
        super().__init__(Violation.occurred_on, _l("Year"))

    def validate(self, value):
        return value.isdigit() and 2000 <= int(value) <= 2100

    def apply(self, query, value, alias=None):
        year = int(value)
        return query.filter(Violation.occurred_on >= dt.date(year, 1, 1), Violation.occurred_on < dt.date(year + 1, 1, 1))

    def operation(self):
        return admin_gettext("equals")


class PeopleField(TextAreaField):
    """责任人, one person a line (姓名，职务), kept as [{"name", "post"}] (services.violations.parse_people)."""

    def _value(self):
        if isinstance(self.data, list):
            return violations.people_lines(self.data)
        return super()._value()

    def process_formdata(self, valuelist):
        self.raw_text = valuelist[0] if valuelist else ""
        self.data, self.problems = violations.parse_people(self.raw_text)

    def pre_validate(self, form):
        for problem in getattr(self, "problems", []):
            raise ValidationError(problem.message)


def _people(_view, _context, model, _name):
    return model.responsible_persons or ""


class ViolationView(AttachmentsMixin, RecordPageMixin, ScopedModelView):
    column_list = ["account", "unit", "occurred_on", "kind", "measure", "accountability_outcome", "rectification_due",
                   "resolved_on"]
    column_labels = labels(
        kind=_l("Kind of violation"), unit=_l("Responsible unit"), responsible_people=_l("Responsible persons"),
        accountability_outcome=_l("Accountability outcome"), accountability_decided_on=_l("Decided on"),
        accountability_body=_l("Deciding body"), accountability_doc_no=_l("Document number"))
    column_searchable_list = ["account.name", "description", "responsible_persons", "accountability_doc_no"]
    # The account's name through the accounts' trigram index (admin/search.py), not a join scanning 30,000
    # accounts at province scale on every search; the violation's own texts as before.
    account_search = True
    account_search_columns = ("name",)
    account_search_own_columns = ("description", "responsible_persons", "accountability_doc_no")
    column_filters = [YearFilter(), "kind", "measure", "accountability_outcome", "unit.name", "occurred_on",
                      "resolved_on"]
    column_sortable_list = [("account", "account.name"), ("unit", "unit.name"), "occurred_on", "kind",
                            "measure", "accountability_outcome", "resolved_on"]
    column_default_sort = ("occurred_on", True)
    list_template = "admin/violations_list.html"
    column_details_list = ["account", "unit", "occurred_on", "kind", "description", "measure", "responsible_people",
                           "accountability_outcome", "accountability_decided_on", "accountability_body",
                           "accountability_doc_no", "rectification_due", "rectification", "resolved_on"]
    column_formatters_detail = {"responsible_people": _people}
    #: The yearly accountability list (问责清单) is this export of the list filtered by year.
    column_export_list = ["unit", "responsible_persons", "account", "occurred_on", "kind", "description", "measure",
                          "accountability_outcome", "accountability_decided_on", "accountability_body",
                          "accountability_doc_no", "rectification_due", "resolved_on"]
    form_columns = ["account", "occurred_on", "kind", "description", "measure", "rectification_due", "resolved_on",
                    "responsible_people", "accountability_outcome", "accountability_decided_on", "accountability_body",
                    "accountability_doc_no", "rectification"]
    form_overrides = {"responsible_people": PeopleField}
    form_ajax_refs = {"account": ScopedAjaxLoader("account", Account, fields=["name"], order_by="name")}
    form_args = {
        "account": {"validators": [InputRequired()], "render_kw": SEARCH_ACCOUNT},
        "occurred_on": {"validators": [InputRequired(), validators.not_in_future]},
        "description": {"validators": [InputRequired(), Length(max=10000)]},
        "rectification": {"validators": [Length(max=10000)],
                          "description": _l("What the unit did to put it right; attach evidence on the "
                                            "account's page.")},
        "responsible_people": {"description": _l("One person a line: name, post (e.g. 张三，院长).")},
        "accountability_decided_on": {"validators": [validators.not_in_future]},
        "accountability_body": {"validators": [Length(max=200)],
                                "description": _l("E.g. 中共××大学委员会, 纪委, 党委宣传部.")},
        "accountability_doc_no": {"validators": [Length(max=100)], "description": _l("E.g. ×党发〔2026〕12号.")},
    }
    form_rules = [
        Section("violation", _l("The violation"), "account", "occurred_on", "kind", "description", "measure",
                "rectification_due", "resolved_on", wide=("description",)),
        Section("accountability", _l("Accountability (Article 17)"), "responsible_people", "accountability_outcome",
                "accountability_decided_on", "accountability_body", "accountability_doc_no",
                wide=("responsible_people",), extra=[ArticleQuote(ARTICLE_17, only_with="accountability_outcome")]),
        Section("rectification", _l("Rectification"), "rectification", wide=("rectification",)),
        RenderedByForm("row_version"),  # the version the user loaded: a stale save is refused
    ]

    def get_query(self):
        return super().get_query().options(joinedload(Violation.account), joinedload(Violation.unit))

    def error_summary(self, form):
        return error_summary(form)

    def history_url(self, model):
        incident = incident_of(model)
        if incident is None or not policy.owns(current_user, incident):
            return super().history_url(model)
        return url_for("audit.index_view", object=f"Violation:{model.id},Incident:{incident.id}")

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if is_created or "account" in form:
            model.unit_id, model.unit = model.account.unit_id, model.account.unit
        if "responsible_people" in form:
            violations.set_responsible_people(model, form.responsible_people.data or [])
        problems = violations.accountability_problems(model)
        if problems:
            for problem in problems:
                add_error(form[problem.field], problem.message)
            raise ValidationError(gettext("Please correct the problems marked below."))
        if policy.sees_all_units(current_user):
            violations.apply_measure(model, current_user._get_current_object())

    # --- 问责清单: the year's violations with their accountability, for the 意识形态工作 review ------------
    @expose("/accountability/")
    def accountability_view(self):
        """The years with violations (in the user's scope), each with the list filtered to it and its exports."""
        year_column = sa.extract("year", Violation.occurred_on)
        query = policy.scope(current_user, Violation, sa.select(
            year_column.label("year"), sa.func.count(), sa.func.count(Violation.accountability_outcome))
            .group_by(year_column).order_by(year_column.desc()))
        arg = self.year_filter_arg()
        years = [{"year": int(year), "count": count, "decided": decided,
                  "list": self.get_url(".index_view", **{arg: int(year)}),
                  "xlsx": self.get_url(".export", export_type="xlsx", **{arg: int(year)}),
                  "csv": self.get_url(".export", export_type="csv", **{arg: int(year)})}
                 for year, count, decided in db.session.execute(query)]
        return self.render("admin/violations_accountability.html", years=years, article=ARTICLE_17,
                           outcomes=AccountabilityOutcome)

    def year_filter_arg(self) -> str:
        return self.filter_url_arg("occurred_on", YearFilter)
