"""The navigation bar's menu, rendered once per role, language, current page and site root.

Flask-Admin's menu macro asks every view whether the user may open it (the policy, through
``current_user``), builds each view's URL and translates each name on every page. What it shows
depends only on the role (admin.policy: READERS), so the HTML is kept per process for each key.
"""
from __future__ import annotations

from flask import request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from . import policy

_menus: dict[tuple, Markup] = {}


def cached_menu(render, admin_view) -> Markup:
    """``render()`` (the menu macro) for this role, language, page and site root, made once."""
    key = (policy.role_of(current_user._get_current_object()), str(get_locale()),
           getattr(admin_view, "endpoint", None), request.script_root)
    html = _menus.get(key)
    if html is None:
        html = _menus[key] = Markup(render())
    return html
