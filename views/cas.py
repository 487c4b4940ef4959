"""统一身份认证 (CAS) sign-in and single sign-out (services/cas.py holds the protocol's use)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user

from extensions import csrf, limiter
from models import utcnow
from services import cas

from .auth import SESSION_ID_KEY, _login_limit, is_safe_redirect

bp = Blueprint("cas", __name__, url_prefix="/cas")

#: Session keys: the same-site page to open after the CAS round trip, and "this session signed in by CAS".
NEXT_KEY, CAS_KEY = "_cas_next", "_cas"


def _refused(message: str, code: int = 403):
    return render_template("auth/cas_refused.html", message=message), code


@bp.get("/login")
def login():
    """To the CAS server, with the fixed service URL; ``next=`` waits in the session (same-site only)."""
    if not cas.enabled():
        abort(404)
    target = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(target if is_safe_redirect(target) else url_for("admin.index"))
    if is_safe_redirect(target):
        session[NEXT_KEY] = target
    else:
        session.pop(NEXT_KEY, None)
    return redirect(cas.login_url())


@bp.get("/callback")
@limiter.limit(_login_limit)  # each ticket costs a call to the CAS server: counted as the password logins are
def callback():
    """CAS sends the browser back here with a service ticket: validated once, then the login it maps to."""
    if not cas.enabled():
        abort(404)
    ticket = request.args.get("ticket", "").strip()
    if not ticket or len(ticket) > 256:
        return redirect(url_for("auth.login"))
    if cas.ticket_used(ticket):
        cas.refuse(None, None, "ticket used before")
        return _refused(gettext("This sign-in link was already used. Please sign in again through the unified "
                                "identity authentication."))
    try:
        staff_no = cas.validate(ticket)
    except cas.Unavailable as error:
        current_app.logger.warning("CAS validation failed: %s", error)
        cas.refuse(None, None, f"server unavailable ({error})")
        return _refused(gettext("The unified identity authentication server did not answer in time. Please try "
                                "again in a few minutes; if it keeps failing, log in with your password or ask "
                                "the Propaganda Department's system administrator."), 503)
    if staff_no is None:
        cas.refuse(None, None, "ticket not accepted")
        return _refused(gettext("The unified identity authentication did not accept this sign-in. Please sign in "
                                "again."))
    user = cas.user_for(staff_no)
    if user is None:
        cas.refuse(staff_no, None, "unknown staff number")
        return _refused(gettext("Your staff number %(staff_no)s has no login in this system. Please ask the "
                                "system administrator of the Propaganda Department (宣传部) to set one up for "
                                "you.", staff_no=staff_no))
    if not user.active:
        cas.refuse(staff_no, user, "login deactivated")
        return _refused(gettext("Your login in this system is deactivated. Please ask the system administrator "
                                "of the Propaganda Department (宣传部)."))
    target = session.pop(NEXT_KEY, None)
    login_user(user)  # the same login as the password form's: a new session id (views/auth.py)
    session[CAS_KEY] = True
    cas.signed_in(user, ticket, session[SESSION_ID_KEY], utcnow())
    return redirect(target if is_safe_redirect(target) else url_for("admin.index"))


@bp.post("/callback")
@csrf.exempt
def back_channel_logout():
    """The CAS server's back-channel logout (a POST of ``logoutRequest``): that ticket's session ends on every
    server. Always 200: the CAS server does not act on the answer."""
    if not cas.enabled():
        abort(404)
    logout_request = request.form.get("logoutRequest", "")
    if logout_request:
        cas.back_channel_logout(logout_request, utcnow())
    return "", 200
