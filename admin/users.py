"""用户 — logins, their roles and units; only the department manages them."""
from flask import flash
from flask_admin.actions import action
from flask_babel import gettext, lazy_gettext as _l, ngettext
from flask_login import current_user
from wtforms import PasswordField, ValidationError
from wtforms.validators import InputRequired, Length, Optional, Regexp

from models import Role, db

from services import sessions, validators
from services.passwords import password_problem

from .base import ScopedModelView
from .fields import unit_lookup
from .labels import labels



class UserView(ScopedModelView):
    #: The user's page offers "End all sessions" (the department's action below).
    details_template = "admin/user_details.html"
    column_list = ["username", "display_name", "role", "unit", "active", "last_login_at", "locked_until"]
    column_details_exclude_list = ["password_hash"]
    column_export_exclude_list = ["password_hash"]
    column_labels = labels()
    column_searchable_list = ["username", "display_name"]
    column_filters = ["role", "unit.name", "active"]
    column_sortable_list = ["username", "display_name", "role", ("unit", "unit.name"), "last_login_at"]
    column_default_sort = "username"
    form_columns = ["username", "display_name", "role", "unit", "email", "staff_no", "active", "new_password"]
    form_ajax_refs = {"unit": unit_lookup()}
    form_extra_fields = {
        "new_password": PasswordField(
            _l("New password"),
            validators=[Optional(), Length(max=200)],
            description=_l("Leave empty to keep the current password. At least 10 characters."),
        )
    }
    form_args = {
        "username": {"validators": [InputRequired(), Length(max=50),
                                    Regexp(r"^[A-Za-z0-9_.@-]+$",
                                           message=_l("Use letters, digits and . _ @ - only."))]},
        "display_name": {"validators": [InputRequired(), Length(max=50)]},
        "email": {"validators": [Optional(), validators.email]},
        # The link to the HR roster (services/roster.py): empty is "not linked" (None, so never a duplicate).
        "staff_no": {"validators": [Optional(), Length(max=30)], "filters": [lambda v: (v or "").strip() or None],
                     "description": _l("The person's staff number in the HR roster: the roster sync deactivates "
                                       "this login when they leave or retire. Leave empty if not linked.")},
    }
    integrity_messages = dict.fromkeys(("uq_users_staff_no", "users.staff_no"),
                                       _l("Another login is already linked to this staff number."))

    def create_form(self, obj=None):
        """A new user's password is required, with the password rules as its help (the "leave empty"
        help is for editing)."""
        form = super().create_form(obj)
        if "new_password" in form:
            field = form.new_password
            field.label.text = str(_l("Password"))
            field.description = _l("Required. At least 10 characters, letters and digits, not containing the "
                                   "user name.")
            field.validators = [InputRequired(), Length(max=200)]
            field.flags.required = True
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if model.role in (Role.unit_editor, Role.unit_leader):
            if model.unit is None and model.unit_id is None:
                raise ValidationError(gettext("A unit editor or unit leader must belong to a unit."))
        else:
            model.unit = None
            model.unit_id = None
        if form.new_password.data:
            problem = password_problem(model.username, form.new_password.data)
            if problem:
                raise ValidationError(problem)
            model.set_password(form.new_password.data)
            # The department's new password is how a locked login is unlocked (the login page says to ask it).
            model.failed_logins, model.locked_until = 0, None
        elif is_created:
            raise ValidationError(gettext("Set a password for the new user."))

    def is_action_allowed(self, name):
        if name == "end_sessions":
            return self.can_edit  # the department; never the auditor, who reads users
        return super().is_action_allowed(name)

    @action("end_sessions", _l("End all sessions"),
            _l("End every session of the selected users? They must log in again, on every computer."))
    def action_end_sessions(self, ids):
        """A lost laptop, a shared password: the users' sessions end at their next request, on every server."""
        actor = current_user._get_current_object()
        rows = self.scoped_rows(ids)
        for user in rows:
            sessions.end_all_sessions(user, actor)
        db.session.commit()
        if rows:
            flash(ngettext("The sessions of %(num)s user were ended: they must log in again.",
                           "The sessions of %(num)s users were ended: they must log in again.", len(rows)),
                  "success")
