"""Excel import of the department's existing inventory (dry run first, then all rows or none)."""
from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file
from flask_admin import expose
from flask_babel import gettext
from flask_login import current_user

from models import Role, db, policy
from services import importer

#: A larger upload is not an inventory; refused before reading it.
MAX_IMPORT_BYTES = 8 * 1024 * 1024


class ImportMixin:
    """Adds /admin/accounts/import/ and /admin/accounts/import/template.xlsx for the department."""

    def _may_import(self) -> bool:
        return current_user.is_authenticated and current_user.role == Role.dept_admin

    @expose("/import/template.xlsx")
    def import_template_view(self):
        policy.require(self._may_import())
        return send_file(io.BytesIO(importer.build_template()), as_attachment=True,
                         download_name="新媒体帐号导入模板.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/import/", methods=("GET", "POST"))
    def import_view(self):
        policy.require(self._may_import())
        report = None
        if request.method == "POST":
            if not self.validate_form(self.action_form()):
                abort(400)
            upload = request.files.get("file")
            data = upload.stream.read(MAX_IMPORT_BYTES + 1) if upload else b""
            if not data:
                flash(gettext("Choose the .xlsx file to import."), "error")
            elif len(data) > MAX_IMPORT_BYTES:
                flash(gettext("The file is larger than %(size)s MB.", size=MAX_IMPORT_BYTES // (1024 * 1024)),
                      "error")
            elif request.form.get("mode") == "import":
                report = importer.apply(data, current_user._get_current_object())
                if report.ok:
                    db.session.commit()
                    flash(gettext("Imported %(units)s units, %(managers)s managers and %(accounts)s accounts.",
                                  **report.counts), "success")
                    return redirect(self.get_url(".index_view"))
                db.session.rollback()
            else:
                report = importer.dry_run(data)
        return self.render("admin/import.html", report=report,
                           max_mb=MAX_IMPORT_BYTES // (1024 * 1024))
