"""The one scoped ModelView that every admin view inherits, and the secured index view.

Flask-Admin scopes the list by ``get_query`` but not ``get_one``, actions, ajax look-ups,
relationship drop-downs or ``ajax_update`` (see shared/FLASK-ADMIN-NOTES.md): all of them
go through :mod:`models.policy` here, once, for every view. This module is about access and forms only;
what the list shows, search, deep paging, the count and exports are mixins of their own modules.
"""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext, ngettext
from flask_admin.contrib.sqla import ModelView, tools
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from models import db
from models.base import MAX_ID, to_id

from models import policy

from .counting import EstimatedCountMixin, count_query
from .exporting import StreamedExportMixin
from .dashboard import home_page
from .fields import AdminForm, ScopedModelConverter
from .formatters import DETAIL_FORMATTERS, EXPORT_FORMATTERS, TYPE_FORMATTERS
from .listing import ListPageMixin
from .paging import DeepPagingMixin
from .search import SearchMixin

class ProtectedView:
    """Login required; a logged-in user without the right gets 403, the anonymous go to login."""

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        raise policy.NotAllowed()


class SecureIndexView(ProtectedView, AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated and current_user.is_active

    @expose("/")
    def index(self):
        return self.render("admin/home.html", **home_page(current_user._get_current_object()))


class ScopedModelView(ProtectedView, ListPageMixin, SearchMixin, DeepPagingMixin, EstimatedCountMixin,
                      StreamedExportMixin, ModelView):
    """Every admin view: rows, actions and forms scoped by the policy (here); the list page, search, deep
    paging, the count and the exports from the mixins (admin/listing.py, search.py, paging.py,
    counting.py, exporting.py), each of which calls on to Flask-Admin's ModelView."""

    form_base_class = AdminForm
    model_form_converter = ScopedModelConverter
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_FORMATTERS
    column_type_formatters_export = EXPORT_FORMATTERS
    column_display_pk = False
    can_view_details = True
    can_set_page_size = True
    page_size = 20
    details_template = "admin/scoped_details.html"
    create_template = "admin/scoped_create.html"
    edit_template = "admin/scoped_edit.html"
    list_template = "admin/scoped_list.html"
    export_types = ["csv", "xlsx"]
    #: Messages for database constraints a form cannot check itself, by constraint name.
    integrity_messages: dict[str, str] = {}

    def __init__(self, model, name=None, endpoint=None, url=None, **kwargs):
        super().__init__(model, db, name=name, endpoint=endpoint, url=url, **kwargs)

    # --- who may do what (per request; Flask-Admin reads these as attributes) -------------
    def is_accessible(self):
        return policy.can_read(current_user, self.model)

    @property
    def can_create(self):
        return policy.can_create(current_user, self.model)

    @property
    def can_edit(self):
        return policy.can_write(current_user, self.model)

    @property
    def can_delete(self):
        return policy.may_delete_some(current_user, self.model)

    @property
    def can_export(self):
        return policy.can_read(current_user, self.model)

    @property
    def column_editable_list(self):
        return []  # no inline list editing: ajax_update would bypass the object checks

    @column_editable_list.setter
    def column_editable_list(self, _value):
        pass

    # --- rows --------------------------------------------------------------------------------
    def get_query(self):
        return policy.scope(current_user, self.model, super().get_query())

    def get_count_query(self):
        # func.count() (not count('*')) lets SQLite use its fast path.
        query = policy.scope(current_user, self.model, count_query(func.count()).select_from(self.model))
        return self.estimated_count(query)

    def get_one(self, id):
        """The scoped row, or 404: a foreign or malformed id never reveals anything."""
        cache = g.setdefault("admin_rows", {})
        key = (self.model, to_id(id, self.max_id))
        if key not in cache:
            cache[key] = policy.get_or_404(current_user, self.model, id, self.get_one_query(), self.max_id)
        return cache[key]

    #: Largest primary key of the model (the audit log's is a BIGINT).
    max_id = MAX_ID

    def get_one_query(self):
        """Query used to load one record (views add eager loads for their details page)."""
        return self.get_query()

    def scoped_rows(self, ids):
        """The rows among ``ids`` that the user may see (for actions; foreign ids are skipped)."""
        clean = [pk for pk in (to_id(value, self.max_id) for value in ids) if pk is not None]
        if not clean:
            return []
        return tools.get_query_for_ids(self.get_query(), self.model, clean).all()

    # --- object-level checks on the standard endpoints -------------------------------------
    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        row_id = request.args.get("id")
        if row_id is not None and self.can_edit:
            model = self.get_one(row_id)
            if not policy.can_edit(current_user, model):
                if request.method == "POST":
                    raise policy.NotAllowed()
                flash(gettext("This record can no longer be edited in its present state."), "warning")
                return redirect(self.get_url(".details_view", id=model.id))
        return super().edit_view()

    def delete_model(self, model):
        if not policy.can_delete(current_user, model):
            flash(gettext("This record cannot be deleted: the rules keep it for the record."), "error")
            return False
        return super().delete_model(model)

    def is_action_allowed(self, name):
        if name == "delete":
            return self.can_delete
        return super().is_action_allowed(name)

    @action("delete", lazy_gettext("Delete"), lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        """Bulk delete through the scoped rows and the per-record check (Flask-Admin's own binds the posted
        ids as text, which PostgreSQL refuses)."""
        deleted = 0
        for model in self.scoped_rows(ids):
            if self.delete_model(model):
                deleted += 1
        if deleted:
            flash(ngettext("Record was successfully deleted.", "%(count)s records were successfully deleted.",
                           deleted, count=deleted), "success")

    # --- forms --------------------------------------------------------------------------------
    def _get_ruleset_missing_fields(self, ruleset, form):
        # Hidden fields (CSRF token, row version) are rendered by the form itself, never by a rule.
        return [name for name in super()._get_ruleset_missing_fields(ruleset, form)
                if getattr(form[name].widget, "input_type", None) != "hidden"]

    def validate_form(self, form):
        valid = super().validate_form(form)
        if not valid:
            _errors_to_text(form)
        return valid

    def scaffold_form(self):
        form_class = super().scaffold_form()
        if hasattr(self.model, "version"):
            form_class.row_version = HiddenField()
        return form_class

    #: Form fields that carry no value of the record (always kept).
    form_plumbing = frozenset({"csrf_token", "row_version"})

    def _restrict_form(self, form):
        """Only the fields the policy lets the user set (a unit user's row is always in their own unit; the
        department's decisions are not on a unit user's form, so a forged POST cannot set them either)."""
        names = [field.name for field in form if field.name not in self.form_plumbing]
        allowed = set(policy.writable_fields(current_user, self.model, names))
        for name in names:
            if name not in allowed:
                del form[name]
        return form

    def create_form(self, obj=None):
        return self._restrict_form(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._restrict_form(super().edit_form(obj))

    def on_form_prefill(self, form, id):
        if "row_version" in form and request.method == "GET":
            form.row_version.data = self.get_one(id).version

    def _on_model_change(self, form, model, is_created):
        # Checks read related rows; without this an autoflush would audit a half-made record.
        with db.session.no_autoflush:
            super()._on_model_change(form, model, is_created)

    def on_model_change(self, form, model, is_created):
        if not policy.sees_all_units(current_user) and hasattr(model, "unit_id"):
            # A unit user's row always belongs to their unit, whatever the POST says.
            model.unit_id = current_user.unit_id
            if hasattr(model, "unit"):
                model.unit = current_user.unit
        if not is_created and "row_version" in form:
            try:
                expected = int(form.row_version.data)
            except (TypeError, ValueError):
                expected = -1
            # The UPDATE then says WHERE version = <what the user loaded>.
            set_committed_value(model, "version", expected)

    def handle_view_exception(self, exc):
        if isinstance(exc, StaleDataError):
            flash(gettext("Someone else saved this record after you opened it. Reload the page, "
                          "check their changes and make yours again."), "error")
            return True
        if isinstance(exc, IntegrityError):
            text = str(getattr(exc, "orig", exc))
            for needle, message in self.integrity_messages.items():
                if needle in text:
                    flash(str(message), "error")
                    return True
            flash(gettext("The record could not be saved: it duplicates an existing record "
                          "or breaks a rule of the register."), "error")
            return True
        if isinstance(exc, policy.NotAllowed):
            flash(str(exc) or gettext("You may not do this."), "error")
            return True
        if isinstance(exc, (OperationalError, InterfaceError)):
            raise exc  # the database is unavailable: the 503 page (views/__init__.py), not a form error
        return super().handle_view_exception(exc)

    # --- the edit icon on the list and the details page (admin/list_rows.py, scoped_details.html) ------
    def row_can_edit(self, row) -> bool:
        """Whether the record's edit button shows: the check edit_view makes (no query: the row is loaded)."""
        return self.can_edit and policy.can_edit(current_user, row)


def _errors_to_text(form) -> None:
    """Flask-Admin renders only ``str`` errors: turn lazy translated messages into text."""
    for field in form:
        if isinstance(field.errors, list):
            field.errors = [str(e) if not isinstance(e, (list, dict)) else e for e in field.errors]
        for entry in getattr(field, "entries", []) or []:
            subform = getattr(entry, "form", None)
            if subform is not None:
                _errors_to_text(subform)
        subform = getattr(field, "form", None)
        if subform is not None and not isinstance(subform, type) and hasattr(subform, "_fields"):
            _errors_to_text(subform)
