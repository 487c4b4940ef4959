"""The navigation bar's menu, rendered once per role, language, current page and site root.

Flask-Admin's menu macro asks every view whether the user may open it (the policy, through
``current_user``), builds each view's URL and translates each name on every page. What it shows
depends only on the role (models.policy: READERS), so the HTML is kept per app for each key.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup, escape

from models import policy
from models.context import app_globals, csrf_token, current_app_object, script_root
from services.text import locale_name, translated, translated_with


def cached_menu(render, admin_view) -> Markup:
    """``render()`` (the menu macro) for this role, language, page and site root, made once."""
    # Kept in the app: two apps in one process (tests, an app factory) each have their own menus.
    menus: dict[tuple, Markup] = current_app_object().extensions.setdefault("xmt_menus", {})
    key = (policy.role_of(current_user._get_current_object()), locale_name(),
           getattr(admin_view, "endpoint", None), script_root())
    html = menus.get(key)
    if html is None:
        html = menus[key] = Markup(render())
    return html


#: Most pieces of HTML a store of :func:`kept_piece` holds; a full store is emptied (list arguments are endless).
KEPT_MAX = 2_000


def kept_piece(store: str, key: tuple, make) -> Markup:
    """``make()``, kept in the app's ``store`` under ``key``: for a piece of a page that is a pure function of the
    key (the list's header and menu bar: query string, language, what the user may do), so that two requests with
    the same key get the same HTML whoever asks. At most ``KEPT_MAX`` pieces a store."""
    kept: dict = current_app_object().extensions.setdefault(store, {})
    html = kept.get(key)
    if html is None:
        if len(kept) >= KEPT_MAX:
            kept.clear()
        html = kept[key] = make()
    return html


def user_menu() -> Markup:
    """The navigation bar's user menu (templates/admin/master.html ``access_control``): the signed-in user's name,
    role and unit, the password and language links and the sign-out form with the session's CSRF token — the
    HTML the template wrote, in one call instead of some 400 (the user resolved once, the words translated once
    per language, the two URLs made once per site root)."""
    user = current_user._get_current_object()
    if not getattr(user, "is_authenticated", False):
        return Markup("")
    urls: dict[tuple, str] = current_app_object().extensions.setdefault("xmt_static_urls", {})
    key = ("user_menu", script_root())
    links = urls.get(key)
    if links is None:
        links = urls[key] = (url_for("auth.change_password"), url_for("auth.logout"))
    unit = user.unit
    where = f" · {escape(unit.name)}" if unit else ""
    return Markup(
        '<ul class="navbar-nav ml-auto">\n'
        '  <li class="nav-item dropdown">\n'
        '    <a class="nav-link dropdown-toggle" href="#" id="user-menu" role="button" data-toggle="dropdown" '
        'aria-haspopup="true" aria-expanded="false">\n'
        f'      <i class="fa fa-user"></i> {escape(user.display_name)}\n'
        f'      <small class="text-white-50">{escape(translated(user.role))}{where}</small>\n'
        '    </a>\n'
        '    <div class="dropdown-menu dropdown-menu-right" aria-labelledby="user-menu">\n'
        f'      <a class="dropdown-item" href="{escape(links[0])}">{escape(translated_with(gettext, "Change password"))}</a>\n'
        '      <div class="dropdown-divider"></div>\n'
        '      <a class="dropdown-item" href="?lang=zh_Hans_CN">简体中文</a>\n'
        '      <a class="dropdown-item" href="?lang=en">English</a>\n'
        '      <div class="dropdown-divider"></div>\n'
        f'      <form method="post" action="{escape(links[1])}" class="px-3">\n'
        f'        <input type="hidden" name="csrf_token" value="{escape(csrf_token())}">\n'
        f'        <button type="submit" class="btn btn-link p-0">{escape(translated_with(gettext, "Log out"))}</button>\n'
        '      </form>\n'
        '    </div>\n'
        '  </li>\n'
        '</ul>\n')


#: Stands for the request's Content-Security-Policy nonce in a kept block (never a nonce: those are url-safe base64).
NONCE_MARK = "\x00nonce\x00"


def kept_block(name: str, admin_view, caller) -> Markup:
    """``{% call kept_block('tail_js', admin_view) %}…{% endcall %}``: a block of the layout whose HTML depends on
    nothing but the page's view, the language and the site root (static files' URLs, titles, scripts), rendered
    once per app for each of those and written again on every page with the request's CSP nonce in it. Only
    blocks without anything of the user, the request's data or a form token may be kept: the templates say which
    (templates/admin/master.html, scoped_list.html); tests/test_list_rendering.py compares the pages with the
    blocks rendered each time."""
    blocks: dict[tuple, str] = current_app_object().extensions.setdefault("xmt_kept_blocks", {})
    key = (name, getattr(admin_view, "endpoint", None), locale_name(), script_root())
    html = blocks.get(key)
    if html is None:
        html = str(caller())
        nonce = app_globals().get("csp_nonce")
        if nonce:
            html = html.replace(nonce, NONCE_MARK)
        blocks[key] = html
    if NONCE_MARK in html:
        html = html.replace(NONCE_MARK, admin_view.admin.csp_nonce_generator())
    return Markup(html)


def cached_static_url(endpoint: str, **values) -> str:
    """``url_for`` of a static file (the layout asks for some twenty on every page), made once per file,
    version and site root: the same for every user."""
    urls: dict[tuple, str] = current_app_object().extensions.setdefault("xmt_static_urls", {})
    key = (endpoint, tuple(sorted(values.items())), script_root())
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
