"""管理人员 — the people on management teams, per unit."""
from types import SimpleNamespace

from flask import flash, get_flashed_messages, jsonify, request
from flask_admin import expose
from flask_babel import gettext, lazy_gettext as _l
from wtforms.validators import InputRequired, Length, Optional

from models import TeamRole, policy
from services import accounts, validators
from .base import ScopedModelView
from .fields import unit_lookup
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
    form_ajax_refs = {"unit": unit_lookup()}
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

    def blank_create_form(self):
        """The create form with nothing posted in it (the account form's dialog is drawn on another view's page,
        whose POST is not this form's), restricted to the fields the user may set like every form here."""
        return self._restrict_form(self._create_form_class(formdata=None))

    @expose("/team-person/", methods=("POST",))
    def team_person(self):
        """A new person made from an account's team row without leaving the account form (the dialog of
        admin/_new_person.html), answered as JSON: the manager form itself (its fields, checks, CSRF token, the
        unit forced to a unit user's own, the audit log) plus the rule of the team row the person is for —
        reachable, and 在岗在编 as 管理员 of a verified account (第八条, services/accounts.py member_problems)."""
        if not self.can_create:
            raise policy.NotAllowed()
        form = self.create_form()
        if not self.validate_form(form):
            return jsonify(ok=False, errors={field.name: [str(e) for e in field.errors]
                                             for field in form if field.errors}), 400
        role = TeamRole.__members__.get(request.form.get("team_role", ""), TeamRole.admin)
        verified = request.form.get("account_verified") in ("y", "1", "true", "on")
        candidate = SimpleNamespace(name=form.name.data, phone=form.phone.data, email=form.email.data,
                                    employment_status=form.employment_status.data, unit_id=None)
        problems = accounts.member_problems(verified, role, candidate)
        if problems:
            field = "employment_status" if not accounts.may_serve(verified, role, candidate) else "phone"
            return jsonify(ok=False, errors={field: [problem.message for problem in problems]}), 400
        person = self.create_model(form)
        if not person:  # refused by the database (e.g. the staff number is taken): the view flashed why
            return jsonify(ok=False, errors={"": [message for _, message in
                                                  get_flashed_messages(with_categories=True)]}), 400
        return jsonify(ok=True, id=person.id, text=str(person))

    def get_query(self):
        from .eager import joinedload

        return super().get_query().options(joinedload(self.model.unit))
