"""Base URLs of a list page's row icons (templates/admin/scoped_list.html).

Flask-Admin builds each row's details, edit and delete URLs with url_for, quoting the return URL
every time — about half of a list page's render time; here they are built once per page."""
from __future__ import annotations

from flask_admin.model.template import DeleteRowAction, EditRowAction, ViewRowAction
from markupsafe import Markup


class RowLinks:
    """Base URLs of a list page's row icons (Flask-Admin builds them with url_for several times a row)."""

    KINDS = ((ViewRowAction, "details"), (EditRowAction, "edit"), (DeleteRowAction, "delete"))

    def __init__(self, view, return_url, delete_form):
        def with_id(endpoint):
            url = view.get_url(endpoint, url=return_url)
            return url + ("&" if "?" in url else "?") + "id="

        self.details = with_id(".details_view")
        self.edit = with_id(".edit_view")
        self.delete = view.get_url(".delete_view")
        fields = [hidden_input(delete_form.url, return_url)] if delete_form is not None else []
        if delete_form is not None and getattr(delete_form, "csrf_token", None) is not None:
            fields.append(hidden_input(delete_form.csrf_token, delete_form.csrf_token.current_token))
        self.delete_fields = Markup("").join(fields)

    @classmethod
    def kind(cls, action) -> str | None:
        """'details', 'edit' or 'delete' for Flask-Admin's standard icons (exact types: popups differ)."""
        return next((name for kind, name in cls.KINDS if type(action) is kind), None)


def hidden_input(field, value) -> Markup:
    """``field(value=value)`` of a WTForms hidden field, as WTForms writes it (attributes sorted, escaped), without
    its widget machinery: a list page writes two or three of them."""
    return Markup('<input id="{}" name="{}" type="hidden" value="{}">').format(
        field.id, field.name, "" if value is None else value)
