"""Application factory."""
from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from flask import Flask, abort, current_app, g, has_request_context, redirect, request, session
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_babel import get_locale

import config
from extensions import babel, csrf, db, init_limiter, login_manager, migrate
from models import described, pool_ping, prepared
from models.base import include_object
from models.context import csrf_token
from services import table_cache
from views import metrics, request_log
from views.session_cookie import KeptCookieSessionInterface
from views.auth import is_safe_redirect


def select_locale() -> str:
    if not has_request_context():
        return config.Config.BABEL_DEFAULT_LOCALE
    lang = request.args.get("lang")
    if lang in config.Config.LANGUAGES:
        session["lang"] = lang
    return session.get("lang") or config.Config.BABEL_DEFAULT_LOCALE


def create_app(config_override: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(config.INSTANCE_DIR), instance_relative_config=False)
    app.config.from_object(config.Config)
    if config_override:
        app.config.update(config_override)
    _check_config(app)

    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])

    # First, so that every request is counted and logged, those refused by a later check included.
    request_log.init_app(app, enabled=app.config["REQUEST_LOG"] and not app.testing)
    metrics.init_app(app)
    db.init_app(app)
    with app.app_context():  # a request that only read ends with COMMIT: the plans PostgreSQL made are kept
        for engine in db.engines.values():
            prepared.install(engine)
            described.install(engine)  # a SELECT run before: its columns not described again by psycopg
            pool_ping.install(engine)  # the pool's ping: an empty query sent by libpq
    table_cache.init_app(app)
    migrate.init_app(app, db, directory=str(config.BASE_DIR / "migrations"), render_as_batch=True,
                     include_object=include_object)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(config.BASE_DIR / "translations"))
    csrf.init_app(app)
    init_limiter(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    import services.audit  # noqa: F401  (registers the audit hooks)
    from admin import init_admin
    from cli import register_cli
    from views import register_blueprints

    # The session cookie's verified content kept per cookie text and secret key (views/session_cookie.py).
    app.session_interface = KeptCookieSessionInterface()
    app.json.ensure_ascii = False  # Chinese stays readable in JSON answers
    register_blueprints(app)
    init_admin(app, csp_nonce)
    register_cli(app)
    app.before_request(_reject_nul_bytes)
    app.before_request(_reject_unsafe_redirects)
    app.after_request(_security_headers)
    app.context_processor(lambda: {"csp_nonce": csp_nonce})
    app.jinja_env.globals["is_safe_redirect"] = is_safe_redirect
    app.jinja_env.globals["get_locale"] = get_locale
    # {{ csrf_token() }}: Flask-WTF's generate_csrf() (CSRFProtect set it), the request's token read from g once made.
    app.jinja_env.globals["csrf_token"] = csrf_token
    return app


def _check_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        if app.debug or app.testing:
            app.config["SECRET_KEY"] = config.development_secret_key()
        else:
            raise RuntimeError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
                "(for development run with FLASK_DEBUG=1 to generate one under instance/)."
            )
    if app.config.get("CAS_SERVER_URL"):
        # 统一身份认证: a half-configured CAS fails at start, not at the first sign-in.
        if str(app.config.get("CAS_VERSION", "3")) not in ("2", "3"):
            raise RuntimeError("CAS_VERSION must be 2 or 3.")
        for key in ("CAS_SERVER_URL", "CAS_SERVICE_URL"):
            if urlsplit(app.config.get(key) or "").scheme not in ("http", "https"):
                raise RuntimeError(f"{key} must be an http(s) address when CAS_SERVER_URL is set.")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        config.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)


def csp_nonce() -> str:
    """This request's Content-Security-Policy nonce, made on first use (every <script> carries it)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy(nonce: str | None, form_targets: str = "") -> str:
    """Scripts only from this site and only with the request's nonce: no inline handler, no eval.

    style-src keeps 'unsafe-inline': the SVG charts and a few of our elements carry style attributes,
    and Flask-Admin's form.js and select2 build elements with style attributes from HTML strings;
    styles cannot run code."""
    scripts = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
    return (f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            f"form-action 'self'{form_targets}; frame-ancestors 'none'")


def _security_headers(response):
    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # one pass: werkzeug's setdefault scans the list each time
    added = [(name, value) for name, value in (("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"),
                                               ("Referrer-Policy", "same-origin")) if name.lower() not in present]
    if "content-security-policy" not in present:
        added.append(("Content-Security-Policy", content_security_policy(g.get("csp_nonce"), _cas_form_target())))
    if request.is_secure and "strict-transport-security" not in present:
        added.append(("Strict-Transport-Security", "max-age=31536000"))
    headers.extend(added)
    if "cache-control" not in present and _signed_in():
        # Pages, exports and scans of a signed-in user stay out of shared caches and the back-button cache.
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


def _cas_form_target() -> str:
    """The CAS server's origin, when CAS is on: the sign-out form's answer redirects there, and browsers hold
    a form's redirects to form-action."""
    server = current_app.config.get("CAS_SERVER_URL")
    if not server:
        return ""
    parts = urlsplit(server)
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def _signed_in() -> bool:
    """Whether the request carries a login session — read from the session itself: loading the user here
    would ask the database, which may be the very thing that is down (a 503 must not become a 500)."""
    return "_user_id" in session


def _reject_nul_bytes():
    """No text a person types contains a NUL byte; PostgreSQL refuses it, so refuse it first (400)."""
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)
    return None


def _reject_unsafe_redirects():
    """?url= and ?next= must be same-site relative paths; anything else is dropped or refused."""
    unsafe = [k for k in ("url", "next") if k in request.values and not is_safe_redirect(request.values[k])]
    if not unsafe:
        return None
    if request.method in ("GET", "HEAD"):
        args = [(k, v) for k, v in request.args.items(multi=True) if k not in unsafe]
        return redirect(request.path + ("?" + urlencode(args) if args else ""))
    abort(400)
