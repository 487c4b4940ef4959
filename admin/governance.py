"""本单位新媒体管理 (第九条, 第十条, 第十九条): the unit's 第一责任人 and 责任领导, its 新媒体管理制度 on file, and the
unit's page that shows both with the next steps (templates/admin/_unit_governance.html).

Unit users (单位管理员, 单位负责人) fill in and change their own unit's; the department any unit's; the auditor reads.
The rules are services/governance.py; every path goes through models/policy.py like the other records.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from markupsafe import Markup
from wtforms.validators import InputRequired, Length, Optional

from models import Manager, RULES_COVERS, Unit, UnitResponsibility, UnitRules, policy
from services import governance, validators
from services.text import date_text

from .eager import joinedload
from .base import ScopedModelView
from .dashboard import list_url
from .fields import GroupTitle, OptionalField, RenderedByForm, ScopedAjaxLoader, add_error
from .labels import labels
from .record_pages import Link, RecordHeader, state_badge

#: The regulation's own sentences, quoted where the screens explain why.
ARTICLE_9 = "创建官方新媒体的主办单位党政主要负责人为第一责任人。（第九条）"
ARTICLE_10 = "各建设单位应主动建立健全新媒体管理制度，明确责任领导，完善痕迹管理，加强新媒体内容审核与日常维护等工作。（第十条）"
ARTICLE_19 = "开通官方新媒体的校属各单位，可参照本办法制定相应的新媒体管理办法。（第十九条）"

SEARCH_PERSON = {"data-placeholder": _l("Search by name or staff number")}
PERSON_LABELS = dict(
    first_manager=_l("First responsible person in the unit's people"), first_name=_l("First responsible person"),
    first_title=_l("Post of the first responsible person"), first_phone=_l("Contact of the first responsible person"),
    first_contact=_l("Contact of the first responsible person"),
    media_leader_manager=_l("Responsible leader in the unit's people"), media_leader_name=_l("Responsible leader"),
    media_leader_title=_l("Post of the responsible leader"), media_leader_phone=_l("Contact of the responsible leader"),
    media_leader_contact=_l("Contact of the responsible leader"), updated_at=_l("Last changed"))


def rules_in_force(_view, _context, model, name):
    """The title or adoption date of the unit's rules in force, for the units export (one query per export)."""
    current = g.get("rules_in_force")
    if current is None:
        current = g.rules_in_force = governance.rules_in_force_by_unit()
    rules = current.get(model.id)
    if rules is None:
        return ""
    return rules.title if name == "rules_title" else rules.adopted_on.isoformat()


def governance_links(gov: governance.UnitGovernance) -> dict:
    """The next steps of the unit's page the user may take (each endpoint checks the policy again)."""
    user = current_user._get_current_object()
    back = request.full_path.rstrip("?")  # after saving, back to this page
    unit_arg = {"unit_id": gov.unit.id} if policy.sees_all_units(user) else {}
    links = {}
    responsibility = gov.responsibility
    if responsibility is None and policy.can_create(user, UnitResponsibility):
        links["persons"] = url_for("responsibles.create_view", url=back, **unit_arg)
    elif responsibility is not None and policy.can_edit(user, responsibility):
        links["persons"] = url_for("responsibles.edit_view", id=responsibility.id, url=back)
    if policy.can_create(user, UnitRules):
        links["rules"] = url_for("unit_rules.create_view", url=back, **unit_arg)
    links["all_rules"] = list_url("unit_rules", ("name", filters.FilterEqual, gov.unit.name)) \
        if policy.sees_all_units(user) else url_for("unit_rules.index_view")
    return links


def governance_context(unit: Unit) -> dict:
    gov = governance.unit_governance(unit)
    return {"gov": gov, "gov_links": governance_links(gov), "covers_labels": RULES_COVERS,
            "article_9": ARTICLE_9, "article_10": ARTICLE_10, "article_19": ARTICLE_19}


class ResponsibilityView(ScopedModelView):
    """第一责任人 and 责任领导, one row per unit; ``unit/`` is the unit's page (both, and its rules on file)."""

    column_list = ["unit", "first_name", "first_title", "first_contact", "media_leader_name", "media_leader_title",
                   "media_leader_contact", "updated_at"]
    column_details_list = ["unit", "first_name", "first_title", "first_manager", "first_contact", "media_leader_name",
                           "media_leader_title", "media_leader_manager", "media_leader_contact", "updated_at"]
    column_export_list = ["unit", "first_name", "first_title", "first_contact", "media_leader_name", "media_leader_title",
                          "media_leader_contact", "updated_at"]
    column_labels = labels(unit=_l("Unit"), **PERSON_LABELS)
    column_searchable_list = ["first_name", "media_leader_name"]
    column_filters = ["unit.name"]
    column_sortable_list = [("unit", "unit.name"), "first_name", "media_leader_name", "updated_at"]
    column_default_sort = "id"
    form_columns = ["unit", "first_manager", "first_name", "first_title", "first_phone",
                    "media_leader_manager", "media_leader_name", "media_leader_title", "media_leader_phone"]
    form_rules = [OptionalField("unit"),
                  GroupTitle(_l("First responsible person (Article 9)")),
                  "first_name", "first_title", "first_phone", "first_manager",
                  GroupTitle(_l("Responsible leader for new media (Article 10)")),
                  "media_leader_name", "media_leader_title", "media_leader_phone", "media_leader_manager",
                  RenderedByForm("row_version")]  # the version the user loaded: a stale save is refused
    form_ajax_refs = {
        "first_manager": ScopedAjaxLoader("first_manager", Manager, fields=["name", "staff_no"], order_by="name"),
        "media_leader_manager": ScopedAjaxLoader("media_leader_manager", Manager, fields=["name", "staff_no"], order_by="name"),
    }
    form_args = {
        "unit": {"validators": [InputRequired()]},
        "first_manager": {"render_kw": SEARCH_PERSON, "description": _l(
            "Optional: link the person to the unit's people (管理人员, with the staff number of the roster); the name, "
            "post and contact left empty above are then taken from there.")},
        "media_leader_manager": {"render_kw": SEARCH_PERSON, "description": _l(
            "Optional: link the person to the unit's people; the name, post and contact left empty above are then "
            "taken from there.")},
        "first_name": {"validators": [Optional(), Length(max=50)], "description": _l(
            "The unit's principal Party or administrative head (党政主要负责人, Article 9).")},
        "first_title": {"validators": [Optional(), Length(max=50)]},
        "first_phone": {"validators": [validators.optional_phone]},
        "media_leader_name": {"validators": [Optional(), Length(max=50)], "description": _l(
            "The leader the unit names as responsible for its new media (Article 10).")},
        "media_leader_title": {"validators": [Optional(), Length(max=50)]},
        "media_leader_phone": {"validators": [validators.optional_phone]},
    }
    integrity_messages = dict.fromkeys(
        ("uq_unit_responsibilities_unit_id", "unit_responsibilities.unit_id"),
        _l("The responsible persons of this unit are already on file: change them instead."))

    def get_query(self):
        return super().get_query().options(joinedload(UnitResponsibility.unit),
                                           joinedload(UnitResponsibility.first_manager),
                                           joinedload(UnitResponsibility.media_leader_manager))

    # --- the form ---------------------------------------------------------------------------------------
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        """One row per unit: a unit whose persons are on file gets its edit form instead."""
        unit = self._chosen_unit(posted=request.method == "POST")
        if unit is not None and self.can_create:
            existing = governance.first_responsible(unit.id)
            if existing is not None:
                if request.method == "POST":
                    flash(gettext("The responsible persons of this unit are already on file: change them here."),
                          "warning")
                return redirect(self.get_url(".edit_view", id=existing.id))
        return super().create_view()

    def _chosen_unit(self, posted: bool = False) -> Unit | None:
        """The unit of a new row: a unit user's own; for the department ``?unit_id=`` (or the posted unit)."""
        user = current_user._get_current_object()
        if not policy.sees_all_units(user):
            return user.unit if policy.role_of(user) is not None else None
        if posted:
            return policy.get_visible(user, Unit, request.form.get("unit"))
        raw = request.args.get("unit_id")
        return policy.get_or_404(user, Unit, raw) if raw else None

    def create_form(self, obj=None):
        form = super().create_form(obj)
        unit = self._chosen_unit() if request.method == "GET" else None
        if unit is not None:
            if "unit" in form:
                form.unit.data = unit
            # The paper form's 单位主要负责人 (系统管理 → 单位) is usually the 第一责任人: offered, not imposed.
            if unit.leader_name and not form.first_name.data:
                form.first_name.data, form.first_title.data = unit.leader_name, unit.leader_title
        return form

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method != "POST" or "first_name" not in form:
            return valid
        unit = form.unit.data if "unit" in form else current_user.unit
        unit_id = getattr(unit, "id", None)
        for prefix in governance.PERSONS:
            for problem in governance.person_problems(
                    prefix, unit_id, form[f"{prefix}_manager"].data, form[f"{prefix}_name"].data,
                    form[f"{prefix}_title"].data, form[f"{prefix}_phone"].data):
                add_error(form[problem.field], problem.message)
                valid = False
        return valid

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        governance.fill_from_people(model)

    # --- the record's page and the unit's page ----------------------------------------------------------
    def record_header(self, model, return_url=None) -> RecordHeader:
        header = RecordHeader(state_badge("success", gettext("Named")))
        header.context = [model.unit.name]
        if self.row_can_edit(model):
            header.actions.append(Link(gettext("Change the responsible persons"),
                                       self.get_url(".edit_view", id=model.id, url=return_url), "outline-secondary"))
        header.reading.append(Link(gettext("New-media management of the unit"), self.unit_page_url(model.unit),
                                   "outline-secondary"))
        header.reading.append(Link(gettext("View the operation log"), self.history_url(model), "outline-secondary"))
        return header

    @staticmethod
    def unit_page_url(unit: Unit) -> str:
        if policy.sees_all_units(current_user):
            return url_for("responsibles.unit_view", unit_id=unit.id)
        return url_for("responsibles.unit_view")

    @expose("/unit/")
    def unit_view(self):
        """The unit's page: its 第一责任人 and 责任领导, the rules in force and the earlier ones, what is missing.
        A unit user sees their own unit (a unit_id is ignored); the department and the auditor choose one."""
        user = current_user._get_current_object()
        if policy.sees_all_units(user):
            unit = policy.get_or_404(user, Unit, request.args.get("unit_id"))
        else:
            unit = user.unit
            if unit is None:
                abort(404)
        return self.render("admin/unit_governance.html", unit=unit, **governance_context(unit))


def _download_formatter(_view, _context, model, _name):
    return Markup('<a href="{}">{}</a>').format(url_for("attachments.unit_rules_download", rules_id=model.id),
                                              model.filename)


def _covers_formatter(_view, _context, model, _name):
    return "、".join(model.covers)


class UnitRulesView(ScopedModelView):
    """新媒体管理制度 on file: a document per version, the newest by adoption date in force, the older ones kept."""

    column_list = ["unit", "title", "adopted_on", "covers", "filename", "uploaded_by", "created_at"]
    column_details_list = ["unit", "title", "adopted_on", "covers", "filename", "size", "sha256", "uploaded_by",
                           "created_at"]
    column_export_list = ["unit", "title", "adopted_on", "covers", "filename", "uploaded_by", "created_at"]
    column_labels = labels(unit=_l("Unit"), title=_l("Title of the rules"), adopted_on=_l("Adopted on"),
                           covers=_l("What the rules cover"), filename=_l("Document"), created_at=_l("Filed at"),
                           **RULES_COVERS)
    column_searchable_list = ["title"]
    column_filters = ["unit.name", "adopted_on"]
    column_sortable_list = [("unit", "unit.name"), "title", "adopted_on", "created_at"]
    column_default_sort = [("adopted_on", True), ("id", True)]
    column_formatters = {"filename": _download_formatter, "covers": _covers_formatter}
    column_formatters_export = {"covers": _covers_formatter}
    form_columns = ["unit", "title", "adopted_on", *RULES_COVERS, "document"]
    form_extra_fields = {"document": FileField(_l("The rules document (PDF, or a JPEG/PNG scan)"), render_kw={
        "accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"})}
    form_args = {
        "unit": {"validators": [InputRequired()]},
        "title": {"validators": [InputRequired(), Length(max=200)], "description": _l(
            "The title of the unit's own rules for reviewing and publishing information (Articles 10 and 19), "
            "e.g. the unit's new-media management measures.")},
        "adopted_on": {"validators": [InputRequired()]},  # not in the future: services/governance.py
    }

    def get_query(self):
        return super().get_query().options(joinedload(UnitRules.unit), joinedload(UnitRules.uploaded_by))

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET" and "unit" in form and request.args.get("unit_id"):
            form.unit.data = policy.get_or_404(current_user, Unit, request.args.get("unit_id"))
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if "document" in form:
            del form["document"]  # a document on file is never replaced: a new version is filed as a new record
        return form

    def validate_form(self, form):
        valid = super().validate_form(form)
        if request.method != "POST" or "adopted_on" not in form:
            return valid
        for problem in governance.adoption_problems(form.adopted_on.data) if form.adopted_on.data else []:
            add_error(form[problem.field], problem.message)
            valid = False
        if "document" in form:
            problem = governance.upload_problem(form.document.data)
            if problem:
                add_error(form.document, problem)
                valid = False
        return valid

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if is_created:
            governance.store_document(model, form.document.data, current_user._get_current_object())

    def record_header(self, model, return_url=None) -> RecordHeader:
        newer = governance.superseded_by(model)
        if newer is None:
            header = RecordHeader(state_badge("success", gettext("In force")))
        else:
            header = RecordHeader(state_badge("secondary", gettext("Superseded by %(title)s (adopted %(day)s)",
                                                                   title=str(newer), day=date_text(newer.adopted_on))))
        header.context = [model.unit.name, gettext("Adopted on %(day)s", day=date_text(model.adopted_on))]
        user = current_user._get_current_object()
        if self.row_can_edit(model):
            header.actions.append(Link(gettext("Edit"), self.get_url(".edit_view", id=model.id, url=return_url),
                                       "outline-secondary"))
        if policy.can_create(user, UnitRules) and policy.owns(user, model):
            header.actions.append(Link(gettext("Upload a new version of the rules"), self.get_url(
                ".create_view", **({"unit_id": model.unit_id} if policy.sees_all_units(user) else {}))))
        header.reading.append(Link(gettext("Download the document"),
                                   url_for("attachments.unit_rules_download", rules_id=model.id), "outline-secondary"))
        header.reading.append(Link(gettext("New-media management of the unit"),
                                   ResponsibilityView.unit_page_url(model.unit), "outline-secondary"))
        header.reading.append(Link(gettext("View the operation log"), self.history_url(model), "outline-secondary"))
        return header
