"""Workflow steps on the admin screens: Flask-Admin actions with fixed names (SPEC, interface contract),
offered in the list's action menu and as buttons with an opinion box on the record's page."""
from __future__ import annotations

from flask import current_app, flash, request
from flask_admin.actions import action
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from models import Incident, Violation, db, policy
from services import workflow

from .record_pages import RecordPageMixin


class AttachmentsMixin:
    """The record's page lists its attachments and, for those who may add one, the upload form."""

    details_template = "admin/workflow_details.html"

    def attachment_panel(self, model) -> dict:
        from services import attachments

        user = current_user._get_current_object()
        items = attachments.attachments_of(model)
        kinds = attachments.kinds_for(model)
        return {"owner_type": attachments.owner_field(model), "items": items,
                "can_upload": policy.can_attach(user, model),
                "deletable": {a.id for a in items if policy.can_delete(user, a)},
                "kinds": [(kind.name, kind.label) for kind in kinds],
                "title": ATTACHMENT_TITLES.get(type(model)),
                "max_mb": current_app.config["MAX_ATTACHMENT_SIZE"] // (1024 * 1024)}

    def save_form_upload(self, model, upload, kind) -> None:
        """A file chosen on the record's own form (an incident's screenshot, a change's new QR code) saved as the
        record's attachment of ``kind``, checked by content like every upload; a refusal is the form's error."""
        from wtforms import ValidationError

        from services import attachments

        if not getattr(upload, "filename", None):
            return
        db.session.flush()  # the record's id, which the attachment names as its owner
        try:
            attachments.save(model, upload, current_user._get_current_object(), kind)
        except attachments.AttachmentError as exc:
            raise ValidationError(str(exc)) from exc


#: The attachments' heading where it is not the signed and sealed scans.
ATTACHMENT_TITLES = {Incident: _l("Attachments (screenshots and evidence)"),
                     Violation: _l("Attachments (accountability decision document)")}


class WorkflowMixin(AttachmentsMixin, RecordPageMixin):
    """Mixed into a ScopedModelView whose model has a state machine in models/workflow.py (STEPS)."""

    #: The step functions of the model, where they are not services.workflow's (the incidents' steps).
    transitions = None

    def is_action_allowed(self, name):
        if name == "record_late":
            return policy.can_create(current_user, Violation)
        if name in workflow.TRANSITIONS or name in (self.transitions or {}):
            return policy.may_take_some(current_user, name, self.model)
        return super().is_action_allowed(name)

    def get_save_return_url(self, model, is_created=False):
        """保存 of a new record (a draft whose next step, 提交, is on its record page) opens that page rather than
        the list, where the new row had to be found again (issue 15 journeys 1 and 4). Editing returns as before.
        Flask-Admin's documented way (``get_save_return_url``'s own example)."""
        if is_created:
            return self.get_url(".details_view", id=model.id)
        return super().get_save_return_url(model, is_created)

    @action("submit", _l("Submit"), _l("Submit the selected records for review?"))
    def action_submit(self, ids):
        return self._run_step("submit", ids)

    @action("confirm", _l("Unit opinion: confirm"),
            _l("Give the unit's opinion and send the selected records to the Propaganda Department?"))
    def action_confirm(self, ids):
        return self._run_step("confirm", ids)

    @action("approve", _l("Approve"), _l("Approve the selected records?"))
    def action_approve(self, ids):
        return self._run_step("approve", ids)

    @action("reject", _l("Return for revision"), _l("Return the selected records for revision?"))
    def action_reject(self, ids):
        return self._run_step("reject", ids)

    def _run_step(self, name: str, ids, **details):
        """A workflow step on the selected rows (services.workflow.take_step: policy.may_take for every row;
        a foreign id is not even loaded). ``details``: the step's further fields (services.workflow.approve)."""
        actor = current_user._get_current_object()
        opinion = (request.form.get("opinion") or "").strip()
        if name == "reject" and not opinion and len(ids) > 1:
            opinion = str(workflow.BULK_RETURN_REASON)  # a standard reason when done in bulk
        rows, problems = selected_rows(self, ids, request.form.get("row_version"))
        label = workflow.step_label(name, rows[0] if rows else None)
        refused = workflow.take_step(name, rows, actor, opinion, transitions=self.transitions, **details)
        report_rows(len(rows) - len(refused), problems + [problem.message for problem in refused],
                    lambda done: ngettext("%(num)s record: %(step)s done.", "%(num)s records: %(step)s done.",
                                          done, step=label))


def selected_rows(view, ids, expected_version=None) -> tuple[list, list[str]]:
    """The selected rows the user may see, and why the others were left out (foreign or missing ids; the page
    of a single record that changed since it was opened)."""
    rows = view.scoped_rows(ids)
    problems = []
    if len(rows) < len(set(ids)):
        problems.append(gettext("%(count)s of the selected records do not exist or are not yours.",
                                count=len(set(ids)) - len(rows)))
    if expected_version and len(rows) == 1 and str(rows[0].version) != expected_version:
        problems.append(gettext("“%(record)s” was changed by someone else after you opened it; "
                                "reload the page and check it again.", record=str(rows[0])))
        rows = []
    return rows, problems


def report_rows(done: int, problems: list[str], success_message) -> None:
    """Commit the rows changed (one transaction) and say how many changed and why the others were skipped."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(gettext("Someone else changed these records at the same moment; nothing was saved. "
                      "Reload the page and try again."), "error")
        return
    if done:
        flash(success_message(done), "success")
    for problem in problems[:10]:
        flash(problem, "warning" if done else "error")
    if len(problems) > 10:
        flash(gettext("… and %(count)s more records were skipped.", count=len(problems) - 10), "warning")


def apply_to_rows(view, ids, step, success_message, expected_version=None) -> None:
    """Take ``step`` on each of the selected rows the user may see, in one transaction; report how many
    changed and why the others were skipped (foreign ids, refused steps, stale pages, a concurrent save)."""
    rows, problems = selected_rows(view, ids, expected_version)
    done = 0
    for row in rows:
        try:
            step(row)
            done += 1
        except (workflow.TransitionError, policy.NotAllowed) as exc:
            problems.append(str(exc))
    report_rows(done, problems, success_message)


class LatenessMixin:
    """Department action on a list: turn the selected late records into violation records."""

    @action("record_late", _l("Record as violation (late)"),
            _l("Record the selected late records as violations?"))
    def action_record_late(self, ids):
        from services import violations

        actor = current_user._get_current_object()
        apply_to_rows(self, ids, lambda row: violations.record_lateness(row, actor),
                      lambda done: ngettext("%(num)s violation recorded.", "%(num)s violations recorded.", done))


class AccountWorkflowMixin(WorkflowMixin):
    @action("suspend", _l("Suspend"), _l("Order the selected accounts to stop operating (第十三条)?"))
    def action_suspend(self, ids):
        return self._run_step("suspend", ids)

    @action("reinstate", _l("Reinstate"), _l("Reinstate the selected accounts?"))
    def action_reinstate(self, ids):
        return self._run_step("reinstate", ids)
