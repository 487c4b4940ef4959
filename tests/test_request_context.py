"""models/context.py reads ``g``, the signed-in user and the language from the request's context instead of
through werkzeug's proxies (issue 18 item 2): the same objects as the proxies give, in and out of a request, as
each user, in each language and under ``force_locale``. The library code it shortcuts is pinned by its source:
an upgrade that changes where Flask keeps the context, where Flask-Login keeps the user or where Flask-Babel keeps
the locale fails here."""
from __future__ import annotations

import hashlib
import inspect

import flask
import flask_babel
import flask_login
from flask import g
from flask_babel import force_locale, get_locale, get_timezone
from flask_login import current_user

from models import context

#: ``module:qualified name`` -> start of the SHA-256 of the source models/context.py mirrors.
PINNED_SOURCES = {
    "flask_login.utils:_get_user": "87ed4f381e99b6ff",
    "flask_babel:get_locale": "50c470bdbdd798db",
    "flask_babel:_get_current_context": "a6a651a99ced2eaa",
    "flask_babel:force_locale": "3552b7e2e536c4b3",
    "flask_babel:get_timezone": "6bf7c72628fd290b",
    "flask_wtf.csrf:generate_csrf": "016213b9f24494e8",
}


def _source_digest(path: str) -> str:
    module_name, name = path.split(":")
    obj = __import__(module_name, fromlist=["_"])
    for part in name.split("."):
        obj = getattr(obj, part)
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]


def test_the_shortcut_library_code_is_the_pinned_one():
    changed = {path: _source_digest(path) for path, digest in PINNED_SOURCES.items() if _source_digest(path) != digest}
    assert not changed, (f"{changed}: the library code models/context.py reads around changed; check that "
                         "Flask-Login still keeps the user in g._login_user and Flask-Babel the locale in "
                         "g._flask_babel.babel_locale, then update the pins")
    # Flask keeps the application context in this context variable, the request context in that one.
    assert flask.globals._cv_app.name == "flask.app_ctx" and flask.globals._cv_request.name == "flask.request_ctx"
    assert flask_login.__name__ and flask_babel.__name__


def test_outside_a_context_there_is_nothing():
    assert context.app_globals() is None
    assert context.locale() is None
    assert context.signed_in_user() is None


def test_in_an_app_context_the_same_g_and_locale(app):
    with app.app_context():
        assert context.app_globals() is g._get_current_object()
        assert context.locale() == get_locale()
        with force_locale("en"):
            assert str(context.locale()) == "en" and context.locale() is get_locale()
        assert context.locale() is get_locale()
        assert context.timezone() is get_timezone() and str(context.timezone()) == "Asia/Shanghai"


def test_the_zone_of_a_time_is_the_requests(app):
    """services/text.py converts stored times to the request's zone, kept per zone object: a request in another
    zone (Flask-Babel's ``refresh`` after a change, or another selector's answer) gets its own."""
    import datetime as dt

    import pytz

    from services.text import datetime_text

    noon_utc = dt.datetime(2026, 11, 25, 4, 30)
    with app.test_request_context("/?lang=zh_Hans_CN"):
        assert datetime_text(noon_utc) == "2026年11月25日 12:30"
        g._flask_babel.babel_tzinfo = pytz.timezone("Europe/London")
        assert datetime_text(noon_utc) == "2026年11月25日 04:30"
    with app.test_request_context("/?lang=zh_Hans_CN"):
        assert datetime_text(noon_utc) == "2026年11月25日 12:30"


def test_in_a_request_the_signed_in_users_own_object_and_language(app, world):
    from models import User, db

    for username in ("dept", "editor", "other_editor"):
        for lang in ("zh_Hans_CN", "en"):
            with app.test_request_context(f"/admin/accounts/?lang={lang}"):
                assert context.signed_in_user() is current_user._get_current_object()
                assert not context.signed_in_user().is_authenticated  # nobody signed in yet: the anonymous user
                user = db.session.query(User).filter_by(username=username).one()
                flask_login.login_user(user)
                assert context.signed_in_user() is user is current_user._get_current_object()
                assert context.locale() is get_locale() and str(get_locale())[:2] == lang[:2]
                with force_locale("zh_Hans_CN" if lang == "en" else "en"):
                    assert context.locale() is get_locale() and str(context.locale())[:2] != lang[:2]
                assert context.locale() is get_locale()
                flask_login.logout_user()
                assert context.signed_in_user() is current_user._get_current_object()
                assert not context.signed_in_user().is_authenticated


def test_the_policy_sees_each_signed_in_user(app, login_as):
    """Each user's page shows their own unit and menu: the policy's questions went to the request's user."""
    pages = {role: login_as(role).get("/admin/accounts/").get_data(as_text=True)
             for role in ("dept_admin", "unit_editor", "other_editor", "dept_admin")}
    assert "/admin/users/" in pages["dept_admin"]
    assert "/admin/users/" not in pages["unit_editor"] and "/admin/users/" not in pages["other_editor"]


def test_the_csrf_token_is_flask_wtfs(app):
    from flask_wtf.csrf import generate_csrf, validate_csrf

    with app.test_request_context("/"):
        first = context.csrf_token()  # made by Flask-WTF
        assert first == generate_csrf() == context.csrf_token() == g.csrf_token
        validate_csrf(first)
        assert app.jinja_env.globals["csrf_token"] is context.csrf_token
    with app.test_request_context("/"):
        assert context.csrf_token() == generate_csrf()  # a request of its own: its own session's token


def test_the_app_and_the_site_root_are_the_requests(app):
    from flask import current_app, request

    from models.context import current_app_object, script_root

    for root in ("", "/registry"):
        with app.test_request_context("/admin/accounts/", base_url=f"http://localhost{root}/"):
            assert current_app_object() is current_app._get_current_object() is app
            assert script_root() == request.script_root == root
