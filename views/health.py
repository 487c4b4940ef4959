"""GET /healthz — 200 when the database answers, 503 otherwise (for load balancers and gunicorn)."""
from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from models import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session().invalidate()  # the connection was cut: drop it, the pool makes a new one
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
