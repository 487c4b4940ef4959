"""The data version: a number that every committed change of the registry's data raises (issue 18 item 3).

What is computed from many rows — the home page's counts and first rows (admin/home_figures.py) — is kept per scope
and day under this number and read again as soon as it moves. It lives in the database, so every app server sees
the same number: a change committed through any of them reaches the others at their next request.

The number is raised in the same transaction as the change, as its last statement (after the final flush), so it
moves exactly when the change becomes visible, in commit order, and a rolled-back change leaves it alone. Every
write of the app goes through an ORM session (objects flushed, or ``update``/``delete``/``insert`` executed by the
session): both are noted here. A write that bypasses the session (``flask bench seed``'s COPY, SQL typed by hand)
must raise it itself (:func:`raise_number`) or the kept figures stay until the next change.
"""
from __future__ import annotations

from itertools import chain

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import db

#: The tables whose rows the kept figures are made of (the home page reads these).
WATCHED = frozenset({"accounts", "account_team", "units", "managers", "monthly_reports", "change_records",
                     "violations", "settings", "work_calendar",
                     # issue 19's cards: 发布报批, incidents, the units' responsible persons and rules
                     "publications", "publication_accounts", "incidents", "unit_responsibilities", "unit_rules"})
_CHANGED = "xmt.data_changed"


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Raised by one at every commit that changed a watched table.
    number: Mapped[int] = mapped_column(sa.BigInteger(), default=0)


def current(session=None) -> int | None:
    """The number now (None when its row is missing: nothing may then be kept under it). Read on every request of a
    kept page: a Core statement, made once, on the session's connection (in its transaction)."""
    session = session or db.session
    return session.connection().execute(_CURRENT).scalar()


_CURRENT = sa.select(DataVersion.__table__.c.number).where(DataVersion.__table__.c.id == 1)


def key(session=None) -> tuple | None:
    """What a piece computed from the data is kept under: the database and the number now (None without a number).
    The database is part of it because one process may serve two (``flask bench compare`` opens two apps on two
    databases, whose numbers may be equal)."""
    connection = (session or db.session).connection()
    number = connection.execute(_CURRENT).scalar()
    return None if number is None else (str(connection.engine.url), number)


def raise_number(connection) -> None:
    """Raise the number on ``connection`` (inside the writing transaction); the row is made if missing."""
    table = DataVersion.__table__
    done = connection.execute(table.update().where(table.c.id == 1).values(number=table.c.number + 1))
    if done.rowcount == 0:
        connection.execute(table.insert().values(id=1, number=1))


def _touches_watched(objects) -> bool:
    for obj in objects:
        table = getattr(type(obj), "__table__", None)
        if table is not None and table.name in WATCHED:
            return True
    return False


@event.listens_for(Session, "after_flush")
def _note_flush(session, _flush_context):
    if not session.info.get(_CHANGED) and _touches_watched(chain(session.new, session.dirty, session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is None or getattr(table, "name", None) in WATCHED:
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _raise_on_commit(session):
    # before_commit comes before the commit's own flush: flush here (again while a flush leaves more behind, as
    # the audit log's entries for new rows), so that the last changes are noted and the number's row is the last
    # one this transaction locks.
    for _ in range(10):
        if not (session.new or session.dirty or session.deleted):
            break
        session.flush()
    if session.info.pop(_CHANGED, None):
        raise_number(session.connection())


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction (not a savepoint) was rolled back
        session.info.pop(_CHANGED, None)
