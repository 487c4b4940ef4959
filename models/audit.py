"""痕迹管理 — the append-only audit log (第十条)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import LabeledEnum, db, enum_column, utcnow
from .user import User


class AuditAction(LabeledEnum):
    create = "create", _l("Create")
    update = "update", _l("Update")
    delete = "delete", _l("Delete")
    submit = "submit", _l("Submit")
    confirm = "confirm", _l("Unit opinion")
    approve = "approve", _l("Approve")
    reject = "reject", _l("Return")
    suspend = "suspend", _l("Suspend")
    reinstate = "reinstate", _l("Reinstate")
    login = "login", _l("Login")
    logout = "logout", _l("Logout")
    login_failed = "login_failed", _l("Failed login")
    export = "export", _l("Export")
    import_ = "import", _l("Import")


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_object", "object_type", "object_id"),
        sa.Index("ix_audit_log_unit_id_id", "unit_id", "id"),
        # A unit's log of a period (its list filtered by time): its own rows of those days, not every unit's.
        sa.Index("ix_audit_log_unit_id_at", "unit_id", "at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    user: Mapped[User | None] = relationship()
    #: The login name as typed, for failed logins and for users deleted later.
    username: Mapped[str | None] = mapped_column(sa.String(50))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction, "audit_action"), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(50))
    object_id: Mapped[int | None]
    object_label: Mapped[str | None] = mapped_column(sa.String(200))
    #: The unit the object belonged to: unit users read the entries of their own unit.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    #: Field-level changes: {"field": [before, after], …}.
    changes: Mapped[dict | None] = mapped_column(sa.JSON)
    note: Mapped[str | None] = mapped_column(sa.Text)

    def __str__(self) -> str:
        return f"#{self.id} {self.action.label} {self.object_label or ''}"


@sa.event.listens_for(AuditLog, "before_update")
@sa.event.listens_for(AuditLog, "before_delete")
def _append_only(_mapper, _connection, target: AuditLog) -> None:
    raise PermissionError("The audit log is append-only.")
