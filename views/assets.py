"""Our own static files: the script that wires what inline event handlers used to do, and the theme's
stylesheet without its web-font import."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import flask_admin
from flask import Blueprint, Response, current_app

bp = Blueprint("assets", __name__, static_folder="static", static_url_path="/assets")

_SWATCHES = Path(flask_admin.__file__).resolve().parent / "static" / "bootstrap" / "bootstrap4" / "swatch"
_WEB_FONT_IMPORT = re.compile(rb"@import url\([^)]*\);?")


@lru_cache(maxsize=4)
def _swatch_css(swatch: str) -> bytes:
    return _WEB_FONT_IMPORT.sub(b"", (_SWATCHES / swatch / "bootstrap.min.css").read_bytes())


@bp.get("/assets/theme.css")
def theme_css():
    """The Bootstrap swatch minus its ``@import`` of Google Fonts: the Content-Security-Policy allows
    styles from this site only (and that host is unreachable from many networks in China); the pages
    fall back to the system's fonts, as they did when the policy blocked the import."""
    css = _swatch_css(current_app.config["FLASK_ADMIN_SWATCH"])
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
