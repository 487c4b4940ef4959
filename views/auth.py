"""Login and logout (Flask-Login), with the failed-login lock of the interface contract."""
from __future__ import annotations

import datetime as dt
import hmac
import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from extensions import limiter, login_manager
from models import AuditAction, User, db, utcnow
from services import audit
from services.passwords import password_problem

bp = Blueprint("auth", __name__)

#: A same-site path: one slash, then no second slash or backslash (``//evil``, ``/\\evil`` and ``http:`` are
#: other sites to a browser), and no white space.
SAFE_REDIRECT = re.compile(r"^/(?![/\\])[^\s\\]*$")

#: 5 consecutive failures lock a user name for 15 minutes (SPEC, interface contract).
MAX_FAILURES = 5
LOCK_MINUTES = 15


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[InputRequired(), Length(max=50)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])


@bp.get("/")
def root():
    """The site's address: the home page (which sends the signed-out to the login page)."""
    return redirect(url_for("admin.index"))


@login_manager.user_loader
def load_user(user_id: str):
    """The session's user, unless its password changed since the session began (see ``User.get_id``)."""
    ident, _, fingerprint = str(user_id).partition(":")
    try:
        user = db.session.get(User, int(ident))
    except (TypeError, ValueError, OverflowError):
        return None
    if user is None or not hmac.compare_digest(user.session_fingerprint, fingerprint):
        return None
    return user


def is_safe_redirect(target: str | None) -> bool:
    """Whether ``next=`` or ``url=`` may be followed: a path on this site only."""
    return bool(target) and SAFE_REDIRECT.fullmatch(target) is not None


def _next_url() -> str:
    target = request.args.get("next")
    return target if is_safe_redirect(target) else url_for("admin.index")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _password_matches(user: User | None, password: str) -> bool:
    """The password check, as slow for an unknown user name as for a known one (no enumeration by timing)."""
    if user is None:
        User(password_hash=_dummy_hash()).check_password(password)
        return False
    return user.check_password(password)


def _dummy_hash() -> str:
    """A hash made like real ones (same method and cost), for the unknown user names' checks."""
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
    if form.validate_on_submit():
        username = form.username.data.strip()
        user = db.session.query(User).filter_by(username=username).one_or_none()
        now = utcnow()
        if user is not None and user.locked_until and user.locked_until > now:
            audit.record(AuditAction.login_failed, user, user=user, note="locked")
            db.session.commit()
            flash(gettext("Too many failed attempts. Please wait a quarter of an hour and try again, "
                          "or ask the Propaganda Department to unlock your login."), "error")
        elif _password_matches(user, form.password.data) and user.active:
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            login_user(user)
            audit.record(AuditAction.login, user, user=user)
            db.session.commit()
            return redirect(_next_url())
        else:
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILURES:
                    user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
                    user.failed_logins = 0
            audit.record(AuditAction.login_failed, user, user=None, username=username[:50])
            db.session.commit()
            # Same words whether or not the user exists.
            flash(gettext("The user name or password is wrong, or the login is disabled."), "error")
    return render_template("auth/login.html", form=form), 200


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
        if not user.check_password(form.current.data):
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
    if current_user.is_authenticated:
        audit.record(AuditAction.logout, current_user._get_current_object())
        db.session.commit()
        logout_user()
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("auth.login"))
