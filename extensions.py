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
#: Storage from RATELIMIT_STORAGE_URI: memory:// by default, redis://… when several servers share the limits.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
