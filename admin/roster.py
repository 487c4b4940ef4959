"""/admin/managers/roster/: the department syncs the 管理人员 and logins with the 人事处 roster
(services/roster.py) — a dry run listing what would change person by person, then all rows or none."""
from __future__ import annotations

from flask import abort, flash, request
from flask_admin import expose
from flask_babel import gettext
from flask_login import current_user

from models import Role, db, policy
from services import roster

#: A larger upload is refused before it is read (50,000 rows of CSV are about 3 MB, of .xlsx about 2 MB).
MAX_ROSTER_BYTES = 16 * 1024 * 1024


class RosterMixin:
    """Adds /admin/managers/roster/ for the department (dept_admin) only."""

    def _may_sync_roster(self) -> bool:
        return current_user.is_authenticated and current_user.role == Role.dept_admin

    @expose("/roster/", methods=("GET", "POST"))
    def roster_view(self):
        policy.require(self._may_sync_roster())
        report = None
        if request.method == "POST":
            if not self.validate_form(self.action_form()):
                abort(400)
            upload = request.files.get("file")
            data = upload.stream.read(MAX_ROSTER_BYTES + 1) if upload else b""
            if not data:
                flash(gettext("Choose the roster file (.xlsx or .csv)."), "error")
            elif len(data) > MAX_ROSTER_BYTES:
                flash(gettext("The file is larger than %(size)s MB.", size=MAX_ROSTER_BYTES // (1024 * 1024)),
                      "error")
            elif request.form.get("mode") == "apply":
                report = roster.apply(data, current_user._get_current_object())
                if report.ok:
                    db.session.commit()
                    flash(gettext("The roster was applied: %(changes)s managers changed, %(logins)s logins "
                                  "deactivated.", changes=len(report.changes), logins=len(report.deactivations)),
                          "success")
                else:
                    db.session.rollback()
            else:
                report = roster.check(data)
        return self.render("admin/roster.html", report=report, lines=roster.describe(report) if report else [],
                           max_mb=MAX_ROSTER_BYTES // (1024 * 1024), max_rows=roster.MAX_ROWS)
