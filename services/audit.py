"""痕迹管理 (第十条): every create, update and delete is written to the audit log.

A ``before_flush`` hook on the session records the field-level before/after of every audited
object, so no code path can change data without a trace. Workflow steps name their action
(``approve``, ``submit`` …) with :func:`label`; logins and exports call :func:`record`.
"""
from __future__ import annotations

import datetime as dt
import decimal
import enum

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session, attributes

from models import db
from models.audit import AuditAction, AuditLog

#: Columns never written to the audit log (their change is noted, not their value): set (empty → ***),
#: changed (*** → ***) or cleared (*** → empty).
SECRET_FIELDS = {"password_hash", "wecom_webhook", "dingtalk_webhook", "dingtalk_secret"}
#: Bookkeeping columns that change on every save and tell nothing.
IGNORED_FIELDS = {"updated_at", "created_at", "version", "failed_logins", "locked_until", "last_login_at", "content"}


def _plain(value):
    """A JSON-safe rendering of a column value."""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _masked(before, after) -> list:
    """A secret column's change as the audit log keeps it: whether it was set, never its value."""
    return ["***" if before else None, "***" if after else None]


def _actor():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def _client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def record(action: AuditAction, obj=None, *, user=None, username=None, changes=None, note=None,
           session: Session | None = None) -> AuditLog:
    """Append one audit entry (login, failed login, export, import, …)."""
    actor = user if user is not None else _actor()
    entry = AuditLog(
        user_id=actor.id if actor is not None else None,
        username=username or (actor.username if actor is not None else None),
        ip=_client_ip(),
        action=action,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None) if obj is not None else None,
        object_label=str(obj)[:200] if obj is not None else None,
        unit_id=getattr(obj, "audit_unit_id", None) if obj is not None else None,
        changes=changes,
        note=note,
    )
    (session or db.session).add(entry)
    return entry


def label(obj, action: AuditAction, note: str | None = None, actor=None) -> None:
    """Name the workflow step (and who took it) that the next flush of ``obj`` records."""
    obj._audit_action = action
    obj._audit_note = note
    obj._audit_actor = actor


def _is_audited(obj) -> bool:
    return not isinstance(obj, AuditLog) and hasattr(obj, "audit_unit_id")


def _column_changes(obj, created: bool = False, deleted: bool = False) -> dict:
    changes = {}
    mapper = sa.inspect(obj).mapper
    for prop in mapper.column_attrs:
        key = prop.key
        if key in IGNORED_FIELDS:
            continue
        history = attributes.get_history(obj, key)
        if created:
            value = getattr(obj, key)
            if value is None:
                continue
            before, after = None, value
        elif deleted:
            before, after = getattr(obj, key), None
            if before is None:
                continue
        else:
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if _plain(before) == _plain(after):
                continue
        if key in SECRET_FIELDS:
            changes[key] = _masked(before, after)
        else:
            changes[key] = [_plain(before), _plain(after)]
    if not (created or deleted):
        changes.update(_reference_changes(obj, mapper, changes))
    return changes


def _reference_changes(obj, mapper, known: dict) -> dict:
    """A reference changed by assigning the related object (``member.manager = person``): its column is set only
    during the flush, after this hook looked, so it is read from the relationship (as ``manager_id``: [old, new])."""
    changes = {}
    for relationship in mapper.relationships:
        columns = list(relationship.local_columns)
        if relationship.direction is not sa.orm.MANYTOONE or len(columns) != 1:
            continue
        key = mapper.get_property_by_column(columns[0]).key
        if key in known or key in IGNORED_FIELDS:
            continue
        history = attributes.get_history(obj, relationship.key, passive=attributes.PASSIVE_NO_INITIALIZE)
        if not history.added:
            continue
        before = getattr(history.deleted[0], "id", None) if history.deleted else getattr(obj, key, None)
        after = getattr(history.added[0], "id", None)
        if after is None and history.added[0] is not None:
            continue  # a row made in the same flush: its own creation is in the log
        if before != after:
            changes[key] = [before, after]
    return changes


def _entry(session, obj, action, changes, note=None):
    actor = getattr(obj, "_audit_actor", None) or _actor()
    session.add(AuditLog(
        user_id=actor.id if actor is not None else None,
        username=actor.username if actor is not None else None,
        ip=_client_ip(),
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        object_label=str(obj)[:200],
        unit_id=obj.audit_unit_id,
        changes=changes or None,
        note=note,
    ))


@sa.event.listens_for(Session, "before_flush")
def _audit_before_flush(session: Session, _flush_context, _instances) -> None:
    for obj in list(session.dirty):
        if _is_audited(obj) and session.is_modified(obj, include_collections=False):
            changes = _column_changes(obj)
            action = getattr(obj, "_audit_action", None) or AuditAction.update
            if changes or action is not AuditAction.update or getattr(obj, "_audit_note", None):
                _entry(session, obj, action, changes, getattr(obj, "_audit_note", None))
            obj._audit_action = obj._audit_note = obj._audit_actor = None
    for obj in list(session.deleted):
        if _is_audited(obj):
            _entry(session, obj, AuditAction.delete, _column_changes(obj, deleted=True))
    # New objects have no id before the flush: record them right after it.
    pending = [obj for obj in session.new if _is_audited(obj)]
    if pending:
        session.info.setdefault("audit_pending", []).extend(pending)


@sa.event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, _flush_context) -> None:
    pending = session.info.pop("audit_pending", None)
    if not pending:
        return
    for obj in pending:
        changes = {}
        for prop in sa.inspect(obj).mapper.column_attrs:
            key = prop.key
            value = getattr(obj, key, None)
            if key in IGNORED_FIELDS or value is None:
                continue
            changes[key] = _masked(None, value) if key in SECRET_FIELDS else [None, _plain(value)]
        action = getattr(obj, "_audit_action", None) or AuditAction.create
        _entry(session, obj, action, changes, getattr(obj, "_audit_note", None))
        obj._audit_action = obj._audit_note = obj._audit_actor = None
    # The entries added here are flushed by the ongoing flush's follow-up (SQLAlchemy re-flushes).
