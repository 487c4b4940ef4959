"""Flask extensions, created here and initialised in create_app()."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from models import db  # noqa: F401  (re-exported: the one SQLAlchemy handle)

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()
#: Storage from RATELIMIT_STORAGE_URI, else REDIS_URL (shared by every worker and server), else memory:// (each
#: worker process counts on its own): see :func:`init_limiter`.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def init_limiter(app) -> None:
    """The per-address login limit, counted where RATELIMIT_STORAGE_URI says, or in Redis when REDIS_URL is
    set (one count for all workers and servers), or else in this process's memory."""
    app.config["RATELIMIT_STORAGE_URI"] = (app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL")
                                           or "memory://")
    limiter.init_app(app)
