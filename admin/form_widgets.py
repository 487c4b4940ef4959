"""Form widgets with WTForms' and Flask-Admin's HTML and a third of their calls (issue 18 items 1–2).

WTForms writes every attribute of every widget through ``Markup.format`` (``wtforms.widgets.html_params``): some
thirty calls an attribute, a third of an edit page's calls. Each widget class below has a fast twin, a subclass that
writes the same attributes with one f-string each (:func:`html_params`); admin/form_render.py swaps a field's widget
for its twin when it draws the field (:func:`fast_widget`). Only the exact classes listed in :data:`FAST_WIDGETS`
are twinned: a subclass may write something else. The HTML is the originals' (tests/test_form_rendering.py; the
library code copied is pinned in tests/test_flask_admin_internals.py).
"""
from __future__ import annotations

from flask import json
from flask_admin import helpers as h
from flask_admin.babel import gettext as admin_gettext
from flask_admin.form import widgets as admin_widgets
from flask_admin.model.widgets import AjaxSelect2Widget
from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.widgets.core import clean_key

from .fields import FastSelect2Widget


def html_params(**kwargs) -> Markup:
    """``wtforms.widgets.html_params``: the same attributes, in the same order and escaping, each written by one
    f-string (WTForms formats each one through ``Markup.format``: some thirty calls an attribute, a third of an
    edit page's calls)."""
    params = []
    for key, value in sorted(kwargs.items()):
        name = _NAMES.get(key)
        if name is None:
            name = _NAMES[key] = str(escape(clean_key(key)))
        if value is True:
            params.append(name)
        elif value is not False:
            value = escape(value)
            if '"' in value:  # only Markup keeps a quote through escape()
                value = str.replace(value, '"', "&quot;")
            params.append(f'{name}="{value}"')
    return Markup(" ".join(params))


#: Attribute names as html_params writes them (``class_`` → ``class``, ``data_role`` → ``data-role``), by keyword.
_NAMES: dict[str, str] = {}


class _FastParams:
    """An ``Input`` widget of WTForms (or Flask-Admin's date pickers, text inputs too) with :func:`html_params`:
    ``Input.__call__`` asks ``self.html_params``."""

    html_params = staticmethod(html_params)


class _FastSelect:
    """Flask-Admin's ``Select2Widget.__call__`` and WTForms' ``Select.__call__`` (which calls the module's
    html_params), with :func:`html_params`; options without groups as there, each by the class's render_option."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("data-role", "select2")
        if getattr(field, "allow_blank", False) and not self.multiple:
            kwargs["data-allow-blank"] = "1"
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        render = type(self).render_option
        if field.has_groups():
            for optgroup, choices in field._iter_groups_normalized():
                if optgroup is not None:
                    html.append(f"<optgroup {html_params(label=optgroup)}>")
                for choice in choices:
                    html.append(render(choice))
                if optgroup is not None:
                    html.append("</optgroup>")
        else:
            for choice in field._iter_choices_normalized():
                html.append(render(choice))
        html.append("</select>")
        return Markup("".join(html))


class _FastTextArea:
    """WTForms' ``TextArea.__call__`` with :func:`html_params`."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        return Markup(f"<textarea {html_params(name=field.name, **kwargs)}>\r\n{escape(field._value())}</textarea>")


class _FastAjaxSelect:
    """Flask-Admin's ``AjaxSelect2Widget.__call__`` with :func:`html_params`."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("data-role", "select2-ajax")
        kwargs.setdefault("data-url", h.get_url(".ajax_lookup", name=field.loader.name))
        allow_blank = getattr(field, "allow_blank", False)
        if allow_blank and not self.multiple:
            kwargs["data-allow-blank"] = "1"
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("type", "hidden")
        if self.multiple:
            result, ids = [], []
            for value in field.data:
                data = field.loader.format(value)
                result.append(data)
                ids.append(str(data[0]))
            separator = getattr(field, "separator", ",")
            kwargs["value"] = separator.join(ids)
            kwargs["data-json"] = json.dumps(result)
            kwargs["data-multiple"] = "1"
            kwargs["data-separator"] = separator
        else:
            data = field.loader.format(field.data)
            if data:
                kwargs["value"] = data[0]
                kwargs["data-json"] = json.dumps(data)
        placeholder = field.loader.options.get("placeholder", admin_gettext("Please select model"))
        kwargs.setdefault("data-placeholder", placeholder)
        kwargs.setdefault("data-minimum-input-length", int(field.loader.options.get("minimum_input_length", 1)))
        kwargs.setdefault("data-separator", ",")
        return Markup(f"<input {html_params(name=field.name, **kwargs)}>")


def _fast(cls, mixin):
    return type(f"Fast{cls.__name__}", (mixin, cls), {"__module__": __name__})


#: The widget classes drawn faster (exactly these classes: a subclass may change what they do), and their fast twins.
FAST_WIDGETS: dict[type, type] = {
    **{cls: _fast(cls, _FastParams) for cls in (
        widgets.TextInput, widgets.PasswordInput, widgets.HiddenInput, widgets.CheckboxInput, widgets.FileInput,
        widgets.NumberInput, widgets.DateTimeLocalInput, widgets.EmailInput, widgets.URLInput, widgets.TelInput,
        admin_widgets.DatePickerWidget, admin_widgets.DateTimePickerWidget, admin_widgets.TimePickerWidget)},
    **{cls: _fast(cls, _FastSelect) for cls in (admin_widgets.Select2Widget, FastSelect2Widget)},
    widgets.TextArea: _fast(widgets.TextArea, _FastTextArea),
    AjaxSelect2Widget: _fast(AjaxSelect2Widget, _FastAjaxSelect),
}


def fast_widget(widget):
    """The same widget (a copy with its settings) drawn by its fast twin, or the widget itself."""
    twin = FAST_WIDGETS.get(type(widget))
    if twin is None:
        return widget
    copy = object.__new__(twin)
    copy.__dict__.update(widget.__dict__)
    return copy
