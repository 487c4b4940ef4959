"""用户 — system logins and their roles (SPEC, Roles)."""
from __future__ import annotations

import hashlib

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .base import LabeledEnum, TimestampMixin, db, enum_column
from .unit import Unit


class Role(LabeledEnum):
    unit_editor = "unit_editor", _l("Unit editor")
    unit_leader = "unit_leader", _l("Unit leader")
    dept_admin = "dept_admin", _l("Department approver")
    auditor = "auditor", _l("Read-only auditor")

    @property
    def is_unit_role(self) -> bool:
        return self in UNIT_ROLES


#: The roles of a unit's own staff (第九条): they see and act on their own unit's records only.
UNIT_ROLES = frozenset({Role.unit_editor, Role.unit_leader})


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # Unit roles belong to exactly one unit; department roles to none.
        sa.CheckConstraint(
            "(role IN ('unit_editor', 'unit_leader')) = (unit_id IS NOT NULL)",
            name="unit_iff_unit_role",
        ),
        sa.CheckConstraint("failed_logins >= 0", name="failed_logins_nonneg"),
        sa.CheckConstraint("session_epoch >= 0", name="session_epoch_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(50), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(50))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    unit: Mapped[Unit | None] = relationship()
    email: Mapped[str | None] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    last_login_at: Mapped[dt.datetime | None]
    #: Failed password checks in a row, counting the checks in progress (views/auth.py reserves one before
    #: checking): at MAX_FAILURES the login is locked until ``locked_until``.
    failed_logins: Mapped[int] = mapped_column(default=0, nullable=False)
    locked_until: Mapped[dt.datetime | None]
    #: Raised to end every session of the user at once (department action, deactivation): part of the
    #: session's user reference (:meth:`get_id`), so older sessions no longer match.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)

    def __str__(self) -> str:
        return f"{self.display_name} ({self.username})"

    @property
    def session_fingerprint(self) -> str:
        """Changes when the password changes or all sessions are ended: part of the session's user reference
        (:meth:`get_id`)."""
        material = f"{self.password_hash or ''}:{self.session_epoch or 0}"
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def end_sessions(self) -> None:
        """Every session of this user stops working at its next request, on every server."""
        self.session_epoch = (self.session_epoch or 0) + 1

    def get_id(self) -> str:
        """What the session keeps: the id and the fingerprint of the password and session epoch, so that a
        new password or ending all sessions ends the user's other sessions (views/auth.py ``load_user``
        refuses a reference with an old fingerprint)."""
        return f"{self.id}:{self.session_fingerprint}"

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def set_password(self, password: str) -> None:
        from flask import current_app

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if current_app else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def sees_all_units(self) -> bool:
        return self.role in (Role.dept_admin, Role.auditor)

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id


@sa.event.listens_for(User.active, "set")
def _deactivation_ends_sessions(user: User, value, _old, _initiator) -> None:
    """A deactivated user's sessions end at once, and stay ended if the login is activated again."""
    if value is False:
        user.end_sessions()
