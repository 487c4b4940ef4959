"""Base URLs of a list page's row icons (templates/admin/scoped_list.html).

Flask-Admin builds each row's details, edit and delete URLs with url_for, quoting the return URL
every time — about half of a list page's render time; here they are built once per page."""
from __future__ import annotations

from types import SimpleNamespace

from flask import current_app
from flask_admin.model.template import DeleteRowAction, EditRowAction, ViewRowAction
from markupsafe import Markup, escape

from models.context import csrf_token


class RowLinks:
    """Base URLs of a list page's row icons (Flask-Admin builds them with url_for several times a row)."""

    KINDS = ((ViewRowAction, "details"), (EditRowAction, "edit"), (DeleteRowAction, "delete"))

    def __init__(self, view, return_url, delete_form):
        # view.get_url's text (admin/listing.py fast_url: the path made once per view and site root).
        url_of = getattr(view, "fast_url", None) or (lambda endpoint, query=None: view.get_url(endpoint, **(query or {})))

        def with_id(endpoint):
            url = url_of(endpoint, {"url": return_url})
            return url + ("&" if "?" in url else "?") + "id="

        self.details = with_id(".details_view")
        self.edit = with_id(".edit_view")
        self.delete = url_of(".delete_view")
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
    value = "" if value is None else escape(value)
    return Markup(f'<input id="{escape(field.id)}" name="{escape(field.name)}" type="hidden" value="{value}">')


class PageField:
    """A hidden field of :func:`page_forms`, written as WTForms writes a ``HiddenField``: called with ``value=``
    (Flask-Admin's templates do) or as it is (the CSRF token)."""

    def __init__(self, name, data=None):
        self.id = self.name = name
        self.data = data

    @property
    def current_token(self):
        return self.data

    def __call__(self, value=None, **_kwargs):
        return hidden_input(self, self.data if value is None else value)

    def __html__(self):
        return hidden_input(self, self.data)

    def __bool__(self):
        return True


def page_forms() -> tuple[SimpleNamespace, SimpleNamespace]:
    """(delete form, action form) of a list page as the page writes them: Flask-Admin makes both WTForms forms on
    every list page (fields bound, CSRF set up, data processed) only for the page to write their hidden fields.
    On a GET of the list there is no submitted data, so the fields' ids, names and values are known: ``url``,
    ``id`` and ``action`` empty, the session's CSRF token under the configured name (admin/fields.py
    ``AdminForm.Meta``, made by the same Flask-WTF function). A POST still gets Flask-Admin's forms (they validate)."""
    # csrf_token(): generate_csrf() with its defaults (models/context.py), the configured secret and field name, as
    # for AdminForm.Meta.
    csrf = PageField(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), csrf_token())
    return (SimpleNamespace(csrf_token=csrf, url=PageField("url"), id=PageField("id")),
            SimpleNamespace(csrf_token=csrf, url=PageField("url"), action=PageField("action")))
