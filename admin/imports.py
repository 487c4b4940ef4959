"""Excel import of the department's existing inventory (dry run first, then all rows or none)."""
from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file
from flask_admin import expose
from flask_babel import gettext
from flask_login import current_user

from models import db, policy
from services import importer

#: A larger upload is not an inventory; refused before reading it.
MAX_IMPORT_BYTES = 8 * 1024 * 1024


class UploadMixin:
    """The upload of an import screen: the CSRF-checked POST's file, read no further than its size limit."""

    def read_upload(self, max_bytes: int, choose_message: str) -> bytes | None:
        """The uploaded file's bytes, or None with the reason flashed (none chosen, or too large)."""
        if not self.validate_form(self.action_form()):
            abort(400)
        upload = request.files.get("file")
        data = upload.stream.read(max_bytes + 1) if upload else b""
        if not data:
            flash(choose_message, "error")
            return None
        if len(data) > max_bytes:
            flash(gettext("The file is larger than %(size)s MB.", size=max_bytes // (1024 * 1024)), "error")
            return None
        return data


class ImportMixin(UploadMixin):
    """Adds /admin/accounts/import/ and /admin/accounts/import/template.xlsx for the department."""

    def _may_import(self) -> bool:
        return policy.is_department(current_user)

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
            data = self.read_upload(MAX_IMPORT_BYTES, gettext("Choose the .xlsx file to import."))
            if data is not None and request.form.get("mode") == "import":
                report = importer.apply(data, current_user._get_current_object())
                if report.ok:
                    db.session.commit()
                    flash(gettext("Imported %(units)s units, %(managers)s managers and %(accounts)s accounts.",
                                  **report.counts), "success")
                    return redirect(self.get_url(".index_view"))
                db.session.rollback()
            elif data is not None:
                report = importer.dry_run(data)
        return self.render("admin/import.html", report=report,
                           max_mb=MAX_IMPORT_BYTES // (1024 * 1024))
