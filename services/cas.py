"""统一身份认证 (CAS) sign-in, the university's single sign-on (issue 17, part 1).

The protocol is python-cas's: login and logout addresses, the ticket validation (CAS 2.0 /serviceValidate or
3.0 /p3/serviceValidate, with attributes) and the SAML logout request's SessionIndex. Here: the settings, the
user a CAS 工号 maps to (``users.staff_no``; never a new login), the ticket → session record for the
back-channel logout, and the audit entries of every sign-in and refusal."""
from __future__ import annotations

import datetime as dt
from xml.etree.ElementTree import ParseError

import requests
import sqlalchemy as sa
from cas import CASClient
from flask import current_app

from models import AuditAction, CasTicket, User, db
from services import audit, sessions

#: The path CAS sends the browser back to (with ?ticket=) and posts its logout requests to.
CALLBACK_PATH = "/cas/callback"


class Unavailable(Exception):
    """The CAS server did not answer in time, could not be reached, or answered something that is not CAS."""


class _TimeoutSession(requests.Session):
    """python-cas's HTTP session with a bounded wait (the library sets no timeout of its own)."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


def enabled() -> bool:
    return bool(current_app.config.get("CAS_SERVER_URL"))


def local_login_allowed() -> bool:
    """The password form: always without CAS; with CAS unless CAS_LOCAL_LOGIN is off."""
    return not enabled() or bool(current_app.config.get("CAS_LOCAL_LOGIN", True))


def service_url() -> str:
    """The fixed service URL from the configuration (never the request's Host header)."""
    return current_app.config["CAS_SERVICE_URL"].rstrip("/") + CALLBACK_PATH


def client() -> CASClient:
    config = current_app.config
    server = config["CAS_SERVER_URL"]
    return CASClient(version=str(config.get("CAS_VERSION", "3")), service_url=service_url(),
                     server_url=server if server.endswith("/") else server + "/",
                     session=_TimeoutSession(float(config.get("CAS_TIMEOUT", 5))))


def login_url() -> str:
    return client().get_login_url()


def logout_url() -> str:
    """CAS's sign-out, coming back to this site's login page."""
    return client().get_logout_url(current_app.config["CAS_SERVICE_URL"].rstrip("/") + "/login")


def ticket_used(ticket: str) -> bool:
    return db.session.get(CasTicket, ticket) is not None


def validate(ticket: str) -> str | None:
    """The 工号 the CAS server vouches for with ``ticket`` (None: the server refused the ticket)."""
    try:
        user, _attributes, _pgtiou = client().verify_ticket(ticket)
    except requests.RequestException as error:
        raise Unavailable(type(error).__name__) from error
    except (ParseError, IndexError, AttributeError, ValueError) as error:
        raise Unavailable("not a CAS answer") from error
    return user.strip() if isinstance(user, str) and user.strip() else None


def user_for(staff_no: str) -> User | None:
    return db.session.execute(sa.select(User).where(User.staff_no == staff_no)).scalar_one_or_none()


def refuse(staff_no: str | None, user: User | None, reason: str) -> None:
    """A CAS sign-in refused (unknown 工号, deactivated login, ticket not accepted): audited."""
    audit.record(AuditAction.login_failed, user, user=None,
                 username=(user.username if user is not None else (staff_no or ""))[:50] or None,
                 note=f"CAS: {reason}"[:200])
    db.session.commit()


def signed_in(user: User, ticket: str, session_id: str, now: dt.datetime) -> None:
    """A CAS sign-in: the ticket is kept with the session id (the back-channel logout ends that session on
    every server, and the ticket is never accepted twice), and the login is audited."""
    sessions.attempt_succeeded(user, now)
    oldest = now - current_app.permanent_session_lifetime
    db.session.execute(sa.delete(CasTicket).where(CasTicket.created_at < oldest)
                       .execution_options(synchronize_session=False))
    db.session.add(CasTicket(ticket=ticket, session_id=session_id, user_id=user.id, created_at=now))
    audit.record(AuditAction.login, user, user=user, note="CAS")
    db.session.commit()


def back_channel_logout(logout_request: str, now: dt.datetime) -> bool:
    """The CAS server's logout request (SAML LogoutRequest, SessionIndex = the service ticket): the session
    that ticket signed in ends on every server, as a sign-out does. False: no such ticket (nothing done)."""
    try:
        indexes = CASClient(version="3").get_saml_slos(logout_request.encode("utf-8"))
    except ValueError:
        return False
    ticket = (indexes[0].text or "").strip() if indexes else ""
    row = db.session.get(CasTicket, ticket) if ticket else None
    if row is None:
        return False
    user = db.session.get(User, row.user_id)
    sessions.sign_out(user, row.session_id, now, note="CAS back-channel logout")
    db.session.commit()
    return True
