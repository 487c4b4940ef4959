"""登录会话 — the sessions that were signed out, so that a copied session cookie ends with them.

A session cookie is signed, not stored: without a record on the server any copy of it would work until it
expires. Each login gets a random id (kept in the signed cookie, views/auth.py); signing out writes that id
here, and every server refuses a cookie whose id is here (one indexed look-up folded into the user load).
Ending all of a user's sessions at once needs no row per session: it bumps ``User.session_epoch``."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import db, utcnow


class RevokedSession(db.Model):
    __tablename__ = "revoked_sessions"

    #: The random id a login put in the session cookie (``secrets.token_urlsafe(24)``: 32 characters).
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: Rows older than the longest life of a session (PERMANENT_SESSION_LIFETIME) are deleted: no cookie
    #: carrying their id can still be accepted.
    revoked_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
