"""Login and logout (Flask-Login), with the failed-login lock of the interface contract."""
from __future__ import annotations

import hmac
import re
import secrets
import time
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user, user_logged_in
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from extensions import limiter, login_manager
from models import AuditAction, Unit, User, db, utcnow
from models.base import MAX_ID
from models.persistent import RowShape, set_loaded
from services import audit, cas, sessions
from services.passwords import password_problem

bp = Blueprint("auth", __name__)

#: A same-site path: one slash, then no second slash or backslash (``//evil``, ``/\\evil`` and ``http:`` are
#: other sites to a browser), and no white space.
SAFE_REDIRECT = re.compile(r"^/(?![/\\])[^\s\\]*$")

#: The session keys of a login: its random id (revoked at sign-out) and when it began (seconds since the epoch).
SESSION_ID_KEY, SESSION_SINCE_KEY = "_sid", "_since"


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[InputRequired(), Length(max=50)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])


@bp.get("/")
def root():
    """The site's address: the home page (which sends the signed-out to the login page)."""
    return redirect(url_for("admin.index"))


@user_logged_in.connect
def _start_session(_app, user, **_extra) -> None:
    """Every login (password, password change, tests' ``log_in``) gets a new random session id."""
    session[SESSION_ID_KEY] = secrets.token_urlsafe(24)
    session[SESSION_SINCE_KEY] = int(time.time())


@login_manager.user_loader
def load_user(user_id: str):
    """The session's user, unless the session was signed out (on any server), is older than a session may
    live, or its user reference is stale: password changed, all sessions ended, deactivated (see
    ``User.get_id``). One query: the revocation test is folded into the user's load."""
    ident, _, fingerprint = str(user_id).partition(":")
    session_id, since = session.get(SESSION_ID_KEY), session.get(SESSION_SINCE_KEY)
    if not isinstance(session_id, str) or not isinstance(since, int):
        return None  # a reference without a session id (a remember-me cookie, a cookie from before) is refused
    if since + current_app.permanent_session_lifetime.total_seconds() < time.time():
        return _end_session()
    try:
        user_id = int(ident)
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 < user_id <= MAX_ID:
        return None
    connection = db.session.connection()
    row = connection.execute(_user_statement(), {"user_id": user_id, "session_id": session_id}).one_or_none()
    if row is None or row[-1]:
        return _end_session()
    user = _session_user(row)
    if not user.active or not hmac.compare_digest(user.session_fingerprint, fingerprint):
        return _end_session()
    return user


def _user_statement() -> sa.Select:
    """The session's user's columns, its unit's, and whether the session was signed out, as one Core statement:
    every page's header names the unit (a second query per page otherwise), and an ORM query of the same row cost
    some 860 Python calls on every request (models/persistent.py). Built once, with the two values as bound
    parameters."""
    global _USER_STATEMENT
    if _USER_STATEMENT is None:
        users, units = User.__table__, Unit.__table__
        _USER_STATEMENT = (
            sa.select(*_USER_SHAPE.columns, *_UNIT_SHAPE.columns,
                      sessions.is_revoked(sa.bindparam("session_id", type_=sa.String)))
            .select_from(users.outerjoin(units, users.c.unit_id == units.c.id))
            .where(users.c.id == sa.bindparam("user_id", type_=sa.Integer)))
    return _USER_STATEMENT


_USER_STATEMENT: sa.Select | None = None
#: What a request reads of the signed-in user and the unit (policy, header, session checks, audit, mail); the other
#: columns (login counters, roster number, a unit's leader and webhooks) are read on first use. Fewer columns: the
#: driver describes each column of a result again on every execution.
_USER_SHAPE = RowShape(User, ("id", "username", "display_name", "password_hash", "role", "unit_id", "email",
                              "active", "session_epoch"))
_UNIT_SHAPE = RowShape(Unit, ("id", "code", "name", "kind", "active"))


def _session_user(row) -> User:
    """The user of ``row`` with its unit, persistent in the request's session as if the ORM had loaded them. If the
    session already holds the user (or the unit), that object is loaded the usual way instead."""
    user_values, unit_values = row[:len(_USER_SHAPE.columns)], row[len(_USER_SHAPE.columns):-1]
    unit = None
    if unit_values[_UNIT_SHAPE.primary_key[0]] is not None:
        unit = _UNIT_SHAPE.persistent(db.session, unit_values)
        if unit is None:
            unit = db.session.get(Unit, unit_values[_UNIT_SHAPE.primary_key[0]])
    user = _USER_SHAPE.persistent(db.session, user_values)
    if user is None:
        return db.session.get(User, user_values[_USER_SHAPE.primary_key[0]])
    set_loaded(user, "unit", unit)
    return user


def _end_session() -> None:
    """Forget a dead session's login, so that no later answer signs a fresh cookie carrying it."""
    for key in ("_user_id", "_fresh", "_id", SESSION_ID_KEY, SESSION_SINCE_KEY):
        session.pop(key, None)
    return None


def is_safe_redirect(target: str | None) -> bool:
    """Whether ``next=`` or ``url=`` may be followed: a path on this site only."""
    return bool(target) and SAFE_REDIRECT.fullmatch(target) is not None


def _next_url() -> str:
    target = request.args.get("next")
    return target if is_safe_redirect(target) else url_for("admin.index")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _dummy_hash() -> str:
    """A hash made like real ones (same method and cost), checked for unknown and locked user names, so that
    they cost the same work as a real check."""
    from werkzeug.security import generate_password_hash

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    cache = current_app.extensions.setdefault("dummy_password_hash", {})
    if method not in cache:
        cache[method] = generate_password_hash("not a password", method=method)
    return cache[method]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm()
    if request.method == "POST" and not cas.local_login_allowed():
        abort(403)  # CAS only (CAS_LOCAL_LOGIN off): no password is checked here
    if form.validate_on_submit():
        username = form.username.data.strip()
        now = utcnow()
        # An attempt is counted before the password is checked (atomically, in the shared database), so
        # parallel guesses on any number of servers get at most MAX_FAILURES checks. A locked or unknown user
        # name goes through the same statements and is checked against a dummy hash: the same work and the
        # same answer as a wrong password.
        reserved = sessions.reserve_attempt(username, now)
        user = db.session.query(User).filter_by(username=username).one_or_none()
        checked = reserved and user is not None
        if checked:
            correct = user.check_password(form.password.data)
        else:
            User(password_hash=_dummy_hash()).check_password(form.password.data)
            correct = False
        if correct and user.active:
            sessions.attempt_succeeded(user, now)
            login_user(user)
            audit.record(AuditAction.login, user, user=user)
            db.session.commit()
            return redirect(_next_url())
        note = "locked" if user is not None and not checked else None
        audit.record(AuditAction.login_failed, user, user=None, username=username[:50], note=note)
        db.session.commit()
        # Same words for a wrong password, an unknown name, a disabled and a locked login.
        flash(gettext("The user name or password is wrong, or the login is disabled or locked (after 5 "
                      "failed attempts in a row, for a quarter of an hour). Try again later, or ask the "
                      "Propaganda Department."), "error")
    return render_template("auth/login.html", form=form, cas_enabled=cas.enabled(),
                           local_login=cas.local_login_allowed(), next_url=_next_url()), 200


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[InputRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=200)])
    repeat = PasswordField(_l("New password again"), validators=[InputRequired(), Length(max=200)])


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Every user changes their own password here."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        problem = password_problem(user.username, form.new.data)
        # The current password is checked as a login is: counted, and refused while the login is locked, so an
        # open session does not let anyone guess the password without end.
        reserved = sessions.reserve_attempt(user.username, utcnow())  # committed
        correct = reserved and user.check_password(form.current.data)
        if correct:
            sessions.clear_failures(user)
            db.session.commit()
        if not reserved:
            form.current.errors.append(gettext("Too many wrong passwords. Please wait a quarter of an hour and "
                                               "try again."))
        elif not correct:
            form.current.errors.append(gettext("The current password is wrong."))
        elif form.new.data != form.repeat.data:
            form.repeat.errors.append(gettext("The two new passwords differ."))
        elif problem:
            form.new.errors.append(problem)
        else:
            user.set_password(form.new.data)
            db.session.commit()
            login_user(user)  # this session goes on with the new password; the user's other sessions end
            flash(gettext("Your password was changed. Other places where you were logged in have been logged "
                          "out."), "success")
            return redirect(url_for("admin.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "GET" and _from_another_site():
        # A link, an image or a redirect on another site must not sign anyone out (logout CSRF): such a GET only
        # asks; the sign-out is then the form's POST with the session's CSRF token (checked by CSRFProtect).
        # GET /logout typed, bookmarked or scripted still signs out (the interface contract: GET|POST /logout).
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return render_template("auth/logout.html")
    # Signed in through CAS: signing out here also signs out of CAS (views/cas.py sets the flag).
    through_cas = session.pop("_cas", False) and cas.enabled()
    if current_user.is_authenticated:
        sessions.sign_out(current_user._get_current_object(), session.get(SESSION_ID_KEY), utcnow())
        db.session.commit()
        logout_user()
        _end_session()
    if through_cas:
        return redirect(cas.logout_url())
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def _from_another_site() -> bool:
    """Whether the browser says the request was started by another site: ``Sec-Fetch-Site`` (sent by current
    browsers) other than same-origin or none (typed, bookmarked); without it, a ``Referer`` of another host."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site not in ("same-origin", "none")
    referrer = request.headers.get("Referer")
    return bool(referrer) and urlsplit(referrer).netloc != request.host
