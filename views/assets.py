"""Our own static files: the one script that wires the behaviour inline event handlers used to have."""
from flask import Blueprint

bp = Blueprint("assets", __name__, static_folder="static", static_url_path="/assets")
