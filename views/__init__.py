"""Plain Flask blueprints: login, health check, dashboard pieces (printable forms and the matrix follow)."""
from flask import Flask, render_template


def register_blueprints(app: Flask) -> None:
    from .assets import bp as assets_bp
    from admin.formatters import register_filters

    from .attachments import bp as attachments_bp
    from .auth import bp as auth_bp
    from .health import bp as health_bp
    from .matrix import bp as matrix_bp
    from .printing import bp as printing_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(attachments_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(matrix_bp)
    app.register_blueprint(printing_bp)
    register_filters(app)

    for code in (400, 403, 404, 405, 413, 429, 500, 503):
        app.register_error_handler(code, _error_page)


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    return render_template("errors/error.html", code=code), code
