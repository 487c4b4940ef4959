"""Login attempts and sessions that hold on every app server (issue 16, findings 3 and 7).

Everything here lives in the shared database, so two app servers (or two gunicorn workers) agree:
- the failed-login count is reserved by one atomic UPDATE before the password is checked, so however many
  guesses arrive at once, at most ``MAX_FAILURES`` of them are checked against the real hash;
- a signed-out session's id is written to ``revoked_sessions``; ending all of a user's sessions raises their
  ``session_epoch``."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from flask import current_app

from models import AuditAction, User, db
from models.session import RevokedSession
from services import audit

#: 5 consecutive failures lock a user name for 15 minutes (SPEC, interface contract).
MAX_FAILURES = 5
LOCK_MINUTES = 15


def reserve_attempt(username: str, now: dt.datetime) -> bool:
    """Count one attempt for the user named ``username`` before its password is checked, atomically; False
    when the login is locked or no such user exists (then the caller must not check a real password). The
    same statement and commit run for an unknown name as for a locked one: the same work. The attempt that
    reaches ``MAX_FAILURES`` sets the lock; a success clears it (:func:`attempt_succeeded`). Once a lock has
    expired the count starts again at 1. Committed at once, so that parallel requests on any server see it."""
    after_lock = User.locked_until.is_not(None)  # the WHERE lets through only an expired lock
    count = sa.case((after_lock, 1), else_=User.failed_logins + 1)
    lock_end = now + dt.timedelta(minutes=LOCK_MINUTES)
    statement = (
        sa.update(User)
        .where(User.username == username, sa.or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=count,
                locked_until=sa.case((count >= MAX_FAILURES, sa.literal(lock_end, sa.DateTime())), else_=sa.null()))
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    )
    reserved = db.session.execute(statement).scalar_one_or_none() is not None
    db.session.commit()
    return reserved


def attempt_succeeded(user: User, now: dt.datetime) -> None:
    """A correct password: the count and any lock are cleared."""
    db.session.execute(sa.update(User).where(User.id == user.id)
                       .values(failed_logins=0, locked_until=None, last_login_at=now))


def clear_failures(user: User) -> None:
    """A correct current password on the password-change page: the count is cleared (not a login)."""
    db.session.execute(sa.update(User).where(User.id == user.id).values(failed_logins=0, locked_until=None)
                       .execution_options(synchronize_session=False))


def sign_out(user: User, session_id: str | None, now: dt.datetime, note: str | None = None) -> None:
    """This session ends on every server: its id is recorded as revoked (and ids older than any session can
    live are forgotten)."""
    if session_id:
        # Two sign-outs of one cookie at once (two tabs, two servers) both record it: the second is a no-op,
        # never a primary-key error.
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(dialect.insert(RevokedSession).values(id=session_id, revoked_at=now)
                           .on_conflict_do_nothing(index_elements=["id"]))
        oldest = now - current_app.permanent_session_lifetime
        db.session.execute(sa.delete(RevokedSession).where(RevokedSession.revoked_at < oldest)
                           .execution_options(synchronize_session=False))
    audit.record(AuditAction.logout, user, user=user, note=note)  # the user's own sign-out (also by CAS)


def is_revoked(session_id: str) -> sa.ColumnElement[bool]:
    """The SQL test that ``session_id`` was signed out (to fold into the user's load: no query of its own)."""
    return sa.exists().where(RevokedSession.id == session_id)


def end_all_sessions(user: User, actor: User) -> None:
    """The department ends every session of ``user`` (a lost laptop, a shared password): audited."""
    user.end_sessions()
    audit.label(user, AuditAction.update, note="all sessions ended", actor=actor)
