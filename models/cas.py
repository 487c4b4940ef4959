"""统一身份认证 (CAS) 票据 — which session a CAS service ticket signed in, for the CAS back-channel logout.

The CAS server's logout request names the service ticket (SAML ``SessionIndex``); this table turns it into
the session id to revoke (models/session.py), on every server. A ticket seen here was already used: it is
never validated twice. Rows older than the longest life of a session are deleted."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from .base import db, utcnow


class CasTicket(db.Model):
    __tablename__ = "cas_tickets"

    #: The service ticket (``ST-…``; CAS allows up to 256 characters).
    ticket: Mapped[str] = mapped_column(sa.String(256), primary_key=True)
    #: The random session id the sign-in started (views/auth.py ``_sid``).
    session_id: Mapped[str] = mapped_column(sa.String(64))
    #: Who signed in (the sign-out is audited under their name).
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
