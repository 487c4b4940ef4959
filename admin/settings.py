"""系统设置 — the department edits the thresholds and weights (services/settings.py); the auditor reads them."""
from flask import abort, flash, redirect, request
from flask_admin import BaseView, expose
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from models import Setting, db, policy
from services import settings

from .base import ProtectedView
from .fields import AdminForm


class SettingsForm(AdminForm):
    """Only the CSRF token: the values are read by name and checked by services.settings.problems."""


class SettingsView(ProtectedView, BaseView):
    def is_accessible(self):
        return policy.can_read(current_user, Setting)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        user = current_user._get_current_object()
        entered: dict[str, str] = {}
        errors: dict[str, list[str]] = {}
        if request.method == "POST":
            policy.require(policy.can_write(user, Setting))
            if not SettingsForm(request.form).validate():
                abort(400)
            entered = {d.key: request.form.get(d.key, "") for d in settings.DEFINITIONS}
            loaded = {d.key: request.form[f"loaded-{d.key}"] for d in settings.DEFINITIONS
                      if f"loaded-{d.key}" in request.form}
            problems = settings.update(user, entered, loaded)
            if not problems:
                try:
                    db.session.commit()
                except IntegrityError:  # another save created the same setting a moment ago
                    db.session.rollback()
                    flash(gettext("Someone saved the settings at the same moment; check them and save again."),
                          "error")
                    return redirect(self.get_url(".index"))
                flash(gettext("The settings were saved; they apply at once."), "success")
                return redirect(self.get_url(".index"))
            for problem in problems:
                errors.setdefault(problem.field, []).append(problem.message)
            flash(gettext("The settings were not saved: correct the values marked below."), "error")
        current = settings.values()
        groups = [(label, [d for d in settings.DEFINITIONS if d.group == key])
                  for key, label in settings.GROUPS.items()]
        return self.render("admin/settings.html", form=SettingsForm(), groups=groups, errors=errors,
                           shown={d.key: entered.get(d.key, current[d.key]) for d in settings.DEFINITIONS},
                           loaded=current,
                           defaults={d.key: settings.default(d.key) for d in settings.DEFINITIONS},
                           may_edit=policy.can_write(user, Setting), full_score=settings.FULL_SCORE)
