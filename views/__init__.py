"""Plain Flask blueprints: login, health check, dashboard pieces (printable forms and the matrix follow)."""
from flask import Flask, current_app, g, render_template
from sqlalchemy.exc import InterfaceError, OperationalError

from models import policy


def register_blueprints(app: Flask) -> None:
    from services.text import register_filters

    from .assets import bp as assets_bp
    from .attachments import bp as attachments_bp
    from .auth import bp as auth_bp
    from .cas import bp as cas_bp
    from .health import bp as health_bp
    from .matrix import bp as matrix_bp
    from .printing import bp as printing_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(attachments_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(cas_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(matrix_bp)
    app.register_blueprint(printing_bp)
    register_filters(app)

    for code in (400, 403, 404, 405, 413, 429, 500, 503):
        app.register_error_handler(code, _error_page)
    # The access policy's one refusal: 403, or 404 for a record the user may not know of.
    app.register_error_handler(policy.NotAllowed, _error_page)
    # A database that does not answer (restarted, unreachable) is a 503 with "try again", not a 500.
    for error in (OperationalError, InterfaceError):
        app.register_error_handler(error, _database_unavailable)
    app.teardown_appcontext(_discard_cut_connection)


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    return render_template("errors/error.html", code=code), code


def _database_unavailable(error):
    """The request's transaction is rolled back (nothing half written); the pool reconnects by itself
    (pool_pre_ping) once the database is back, so the next request is served again."""
    from models import db

    current_app.logger.warning("Database unavailable: %s", str(error).splitlines()[0] if str(error) else error)
    try:
        db.session.rollback()
    except (OperationalError, InterfaceError):
        pass
    # The page is rendered without loading the user (Flask-Login's template context would ask the database).
    g._login_user = current_app.login_manager.anonymous_user()
    return render_template("errors/error.html", code=503, database=True), 503, {"Retry-After": "5"}


def _discard_cut_connection(_error) -> None:
    """A connection the database cut (restart, crash) cannot even roll back: drop it instead of failing a
    response that is already made. Registered after Flask-SQLAlchemy's teardown, so it runs first."""
    from models import db

    try:
        db.session.remove()
    except (OperationalError, InterfaceError):
        db.session().invalidate()  # the Session itself: scoped_session does not proxy invalidate()
        db.session.remove()
