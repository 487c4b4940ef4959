"""The navigation bar's menu, rendered once per role, language, current page and site root.

Flask-Admin's menu macro asks every view whether the user may open it (the policy, through
``current_user``), builds each view's URL and translates each name on every page. What it shows
depends only on the role (models.policy: READERS), so the HTML is kept per app for each key.
"""
from __future__ import annotations

from flask import current_app, g, request, url_for
from flask_login import current_user
from markupsafe import Markup

from models import policy
from services.text import locale_name


def cached_menu(render, admin_view) -> Markup:
    """``render()`` (the menu macro) for this role, language, page and site root, made once."""
    # Kept in the app: two apps in one process (tests, an app factory) each have their own menus.
    menus: dict[tuple, Markup] = current_app.extensions.setdefault("xmt_menus", {})
    key = (policy.role_of(current_user._get_current_object()), locale_name(),
           getattr(admin_view, "endpoint", None), request.script_root)
    html = menus.get(key)
    if html is None:
        html = menus[key] = Markup(render())
    return html


#: Stands for the request's Content-Security-Policy nonce in a kept block (never a nonce: those are url-safe base64).
NONCE_MARK = "\x00nonce\x00"


def kept_block(name: str, admin_view, caller) -> Markup:
    """``{% call kept_block('tail_js', admin_view) %}…{% endcall %}``: a block of the layout whose HTML depends on
    nothing but the page's view, the language and the site root (static files' URLs, titles, scripts), rendered
    once per app for each of those and written again on every page with the request's CSP nonce in it. Only
    blocks without anything of the user, the request's data or a form token may be kept: the templates say which
    (templates/admin/master.html, scoped_list.html); tests/test_list_rendering.py compares the pages with the
    blocks rendered each time."""
    blocks: dict[tuple, str] = current_app.extensions.setdefault("xmt_kept_blocks", {})
    key = (name, getattr(admin_view, "endpoint", None), locale_name(), request.script_root)
    html = blocks.get(key)
    if html is None:
        html = str(caller())
        nonce = g.get("csp_nonce")
        if nonce:
            html = html.replace(nonce, NONCE_MARK)
        blocks[key] = html
    if NONCE_MARK in html:
        html = html.replace(NONCE_MARK, admin_view.admin.csp_nonce_generator())
    return Markup(html)


def cached_static_url(endpoint: str, **values) -> str:
    """``url_for`` of a static file (the layout asks for some twenty on every page), made once per file,
    version and site root: the same for every user."""
    urls: dict[tuple, str] = current_app.extensions.setdefault("xmt_static_urls", {})
    key = (endpoint, tuple(sorted(values.items())), request.script_root)
    url = urls.get(key)
    if url is None:
        url = urls[key] = url_for(endpoint, **values)
    return url


class StaticUrls:
    """``admin_static.url(filename=…, v=…)`` for the templates that use the name Flask-Admin's base.html imported
    (templates/admin/base.html no longer imports admin/static.html "with context" on every page)."""

    def __init__(self, admin_endpoint: str):
        self.endpoint = f"{admin_endpoint}.static"

    def url(self, **values) -> str:
        return cached_static_url(self.endpoint, **values)
