"""Configuration read from the environment (12-factor); validated by create_app()."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'xmt.sqlite3'}"
    # Heroku-style and bare postgresql:// URLs use the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def development_secret_key() -> str:
    """A random key kept in instance/ so that sessions survive restarts in development."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    DEBUG = _bool("FLASK_DEBUG")
    TESTING = False
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "zh_Hans_CN")
    BABEL_DEFAULT_TIMEZONE = os.environ.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    #: Locales a user may switch to (?lang=en / ?lang=zh_Hans_CN).
    LANGUAGES = ("zh_Hans_CN", "en")
    FLASK_ADMIN_SWATCH = "flatly"
    FLASK_ADMIN_FLUID_LAYOUT = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 20 * 1024 * 1024))
    #: Largest attached scan (PDF/JPEG/PNG).
    MAX_ATTACHMENT_SIZE = int(os.environ.get("MAX_ATTACHMENT_SIZE", 10 * 1024 * 1024))
    WTF_CSRF_TIME_LIMIT = None  # office users keep forms open for long
    #: Rows one Excel (.xlsx) export may hold; above it the list offers its CSV export, which streams any
    #: number of rows (docs/deploy.md: 50,000 audit entries take about 9 s of CPU, flat memory).
    EXPORT_XLSX_MAX_ROWS = int(os.environ.get("EXPORT_XLSX_MAX_ROWS", 50_000))
    #: One JSON line per request on standard error (views/request_log.py).
    REQUEST_LOG = _bool("REQUEST_LOG", True)
    #: Addresses or networks that may read /metrics (comma-separated; empty: /metrics answers 404).
    METRICS_ALLOWED_IPS = os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
    #: Trust X-Forwarded-For from this many proxies (for the audit log's client address).
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", 0))
    #: Login attempts one address may make (SPEC: about 30 a minute, then 429).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "30 per minute")
    #: Redis shared by every app server and worker (redis://host:6379/0). Set it when more than one worker or
    #: server runs: the per-address login limit is then counted once for all of them. Without it each worker
    #: process counts on its own. (Lock-outs and sessions live in the database: shared in any case.)
    REDIS_URL = os.environ.get("REDIS_URL") or None
    #: Values read from rarely changed tables (the calendar's scheduled years) are kept between requests, in Redis
    #: when REDIS_URL is set (a change committed on one server drops them on all), else in each process; at most
    #: this many seconds in either (services/table_cache.py).
    TABLE_CACHE_SECONDS = int(os.environ.get("TABLE_CACHE_SECONDS", 3600))
    #: Without Redis, another process's change is seen after at most this many seconds (a change made by this
    #: process is seen at once): several workers or servers need REDIS_URL.
    TABLE_CACHE_LOCAL_SECONDS = int(os.environ.get("TABLE_CACHE_LOCAL_SECONDS", 60))
    #: Where the login limit is counted; empty: REDIS_URL, else memory:// (extensions.init_limiter).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or None
    #: With Redis unreachable, each worker counts in its memory instead of refusing every login.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: 统一身份认证 (CAS): the CAS server's address (https://authserver.example.edu.cn/authserver/); empty: off.
    CAS_SERVER_URL = os.environ.get("CAS_SERVER_URL", "").strip()
    #: CAS protocol version: 3 (/p3/serviceValidate, attributes) or 2 (/serviceValidate).
    CAS_VERSION = os.environ.get("CAS_VERSION", "3").strip() or "3"
    #: This site's address as CAS knows it (https://xmt.example.edu.cn): the service URL is this plus
    #: /cas/callback, fixed here, never taken from the request's Host header.
    CAS_SERVICE_URL = os.environ.get("CAS_SERVICE_URL", "").strip()
    #: The local password form stays beside CAS (the department's break-glass accounts); off: CAS only.
    CAS_LOCAL_LOGIN = _bool("CAS_LOCAL_LOGIN", True)
    #: Seconds to wait for the CAS server's ticket validation.
    CAS_TIMEOUT = float(os.environ.get("CAS_TIMEOUT", 5))
    #: Logins not used for this many days are deactivated by `flask users deactivate-idle`.
    IDLE_LOGIN_DAYS = int(os.environ.get("IDLE_LOGIN_DAYS", 90))
    #: The university's name as printed on the forms.
    UNIVERSITY_NAME = os.environ.get("UNIVERSITY_NAME", "云南财经大学")
    #: An embeddable CJK font for the printable forms (default: Noto Serif CJK SC from fonts-noto-cjk).
    PDF_FONT_PATH = os.environ.get("PDF_FONT_PATH")
    PDF_FONT_INDEX = int(os.environ.get("PDF_FONT_INDEX", 0))
    #: Outgoing e-mail for `flask remind`.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "xmt-noreply@localhost")
    #: The address users open, printed in the reminders.
    SERVER_URL = os.environ.get("SERVER_URL", "")
    #: Days of working time between creation and the registration deadline (第六条).
    REGISTRATION_DUE_WORKING_DAYS = 5
    #: Days of working time to report a change (第八条).
    CHANGE_DUE_WORKING_DAYS = 5
    #: Last day of month M+1 on which the monthly report for month M is on time (第十五条).
    REPORT_WINDOW_LAST_DAY = 5
    #: From this month on, the department's home page asks for next year's holiday (调休) schedule when it has
    #: not been entered (the State Council usually announces it in November).
    CALENDAR_WARN_FROM_MONTH = int(os.environ.get("CALENDAR_WARN_FROM_MONTH", 11))
    #: 疑似僵尸号 (default; services/settings.py): no posts in this many consecutive reported months, or no report for this many months.
    DORMANT_NO_POSTS_MONTHS = int(os.environ.get("DORMANT_NO_POSTS_MONTHS", 3))
    DORMANT_NO_REPORT_MONTHS = int(os.environ.get("DORMANT_NO_REPORT_MONTHS", 2))
    #: 年度考核 weights (points out of 100, see services/assessment.py) and the yearly posts target.
    ASSESSMENT_WEIGHTS = {"registered_on_time": 20, "reports_on_time": 50, "posts": 20, "no_violation": 10,
                          "per_violation": 10, "per_unauthorised_publication": 5,
                          "missing_governance": 5}  # points off a unit without rules or responsible persons
    ASSESSMENT_POSTS_TARGET = int(os.environ.get("ASSESSMENT_POSTS_TARGET", 120))
    #: The HR system's roster endpoint (JSON; services/roster_pull.py, `flask staff sync --from-url`), an optional
    #: bearer token, the seconds allowed for the whole answer and its largest size.
    STAFF_ROSTER_URL = os.environ.get("STAFF_ROSTER_URL", "")
    STAFF_ROSTER_TOKEN = os.environ.get("STAFF_ROSTER_TOKEN") or None
    STAFF_ROSTER_TIMEOUT = float(os.environ.get("STAFF_ROSTER_TIMEOUT", 30))
    STAFF_ROSTER_MAX_BYTES = int(os.environ.get("STAFF_ROSTER_MAX_BYTES", 16 * 1024 * 1024))
    #: Reminders list a registration or change this many working days before its deadline.
    REMINDER_LEAD_WORKING_DAYS = int(os.environ.get("REMINDER_LEAD_WORKING_DAYS", 2))
    #: 发布报批 (第十二条; defaults, 系统设置): an urgent request is answered within hours, a normal one within working
    #: days of reaching the department; the department's group robot gets the urgent ones at once (services/notify.py).
    PUBLICATION_URGENT_HOURS = int(os.environ.get("PUBLICATION_URGENT_HOURS", 4))
    PUBLICATION_WORKING_DAYS = int(os.environ.get("PUBLICATION_WORKING_DAYS", 3))
    DEPT_WECOM_WEBHOOK = os.environ.get("DEPT_WECOM_WEBHOOK") or None
    DEPT_DINGTALK_WEBHOOK = os.environ.get("DEPT_DINGTALK_WEBHOOK") or None
    DEPT_DINGTALK_SECRET = os.environ.get("DEPT_DINGTALK_SECRET") or None
    # The five settings above are defaults only: the department changes them on the 系统设置 screen, and
    # every reader asks services/settings.py.
