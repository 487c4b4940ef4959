"""/admin/managers/roster/: the department syncs the 管理人员 and logins with the 人事处 roster
(services/roster.py) — a dry run listing what would change person by person, then all rows or none."""
from __future__ import annotations

from flask import current_app, flash, request
from flask_admin import expose
from flask_babel import gettext
from flask_login import current_user

from models import db, policy
from services import roster, roster_pull

from .imports import UploadMixin

#: A larger upload is refused before it is read (50,000 rows of CSV are about 3 MB, of .xlsx about 2 MB).
MAX_ROSTER_BYTES = 16 * 1024 * 1024


class RosterMixin(UploadMixin):
    """Adds /admin/managers/roster/ for the department (dept_admin) only."""

    def _may_sync_roster(self) -> bool:
        return policy.is_department(current_user)

    @expose("/roster/", methods=("GET", "POST"))
    def roster_view(self):
        policy.require(self._may_sync_roster())
        report = None
        mode = request.form.get("mode") if request.method == "POST" else None
        if mode in ("pull_check", "pull_apply"):
            report = self._pull(mode == "pull_apply")
        elif request.method == "POST":
            data = self.read_upload(MAX_ROSTER_BYTES, gettext("Choose the roster file (.xlsx or .csv)."))
            if data is not None and request.form.get("mode") == "apply":
                report = roster.apply(data, current_user._get_current_object())
                if report.ok:
                    db.session.commit()
                    flash(gettext("The roster was applied: %(changes)s managers changed, %(logins)s logins "
                                  "deactivated.", changes=len(report.changes), logins=len(report.deactivations)),
                          "success")
                else:
                    db.session.rollback()
            elif data is not None:
                report = roster.check(data)
        return self.render("admin/roster.html", report=report, lines=roster.describe(report) if report else [],
                           max_mb=MAX_ROSTER_BYTES // (1024 * 1024), max_rows=roster.MAX_ROWS,
                           pull_configured=bool(current_app.config.get("STAFF_ROSTER_URL")), pulled=mode)

    def _pull(self, apply: bool):
        """The roster pulled from the HR system (STAFF_ROSTER_URL): the dry run, or all records or none."""
        try:
            report = roster_pull.pull(apply, current_user._get_current_object())
        except roster_pull.PullError as error:
            db.session.commit()  # the audit entry of the failed pull, nothing else
            flash(str(error), "error")
            return None
        if apply and report.ok:
            db.session.commit()
            flash(gettext("The roster was applied: %(changes)s managers changed, %(logins)s logins "
                          "deactivated.", changes=len(report.changes), logins=len(report.deactivations)), "success")
        elif apply:
            db.session.rollback()
        return report
