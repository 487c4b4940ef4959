"""The request's own objects — ``flask.g``, the signed-in user, the language — read from the context variables
Flask keeps them in, without a werkzeug context-local proxy for each read (issue 18 item 2).

A ``LocalProxy`` costs a few Python calls per attribute read, and Flask-Babel's ``get_locale`` goes through
``g`` three times: a list page read ``g``, ``current_user`` and the locale some 700 times. These helpers give the
same objects (tests/test_request_context.py compares them with the proxies' in and out of a request, with
``force_locale``); the Flask, Flask-Login and Flask-Babel code they shortcut is pinned there by its source.
Nothing is kept beyond the request: each read looks at the request's own context."""
from __future__ import annotations

from flask.globals import _cv_app, _cv_request


def app_globals():
    """``flask.g`` of the current application context, or None outside one (``has_app_context()`` false)."""
    ctx = _cv_app.get(None)
    return None if ctx is None else ctx.g


def current_app_object():
    """``current_app._get_current_object()``: the application of the current context (a context must be active)."""
    return _cv_app.get().app


def script_root() -> str:
    """``request.script_root`` of the current request (a request context must be active): the site root that
    the kept URLs and blocks are keyed by."""
    return _cv_request.get().request.script_root


def signed_in_user():
    """``current_user._get_current_object()``: the user Flask-Login loaded for this request (loaded now if not
    yet), the anonymous user, or None outside a request."""
    ctx = _cv_app.get(None)
    if ctx is not None and _cv_request.get(None) is not None:
        user = ctx.g.__dict__.get("_login_user")
        if user is not None:
            return user
    from flask_login import current_user

    return current_user._get_current_object()


def _babel_chosen(attribute: str):
    """What Flask-Babel chose for this context (``attribute`` of the namespace it keeps in ``g``), or None before
    its first choice of the request."""
    ctx = _cv_app.get(None)
    return getattr(ctx.g.__dict__.get("_flask_babel"), attribute, None) if ctx is not None else None


def locale():
    """Flask-Babel's ``get_locale()``: the Locale it chose for this context (or ``force_locale`` set), read from
    the namespace it keeps in ``g``; the first read of a request goes through Flask-Babel, which chooses it."""
    chosen = _babel_chosen("babel_locale")
    if chosen is not None:
        return chosen
    from flask_babel import get_locale

    return get_locale()


def timezone():
    """Flask-Babel's ``get_timezone()``, read from the namespace it keeps in ``g`` once it chose (a list page
    converts every time of its rows to it); the first read of a request goes through Flask-Babel."""
    chosen = _babel_chosen("babel_tzinfo")
    if chosen is not None:
        return chosen
    from flask_babel import get_timezone

    return get_timezone()


def csrf_token() -> str:
    """Flask-WTF's ``generate_csrf()`` with its defaults (the configured secret and field name): the token it made
    for this request, read from ``g`` where it keeps it, or made now by Flask-WTF. A page writes it several times
    (the user menu, the list's delete and action forms, a form's hidden field)."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        token = ctx.g.__dict__.get(ctx.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        if token is not None:
            return token
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()
