"""The data version: a number that every committed change of the registry's data raises (issue 18 item 3), and
which units each change touched.

What is computed from many rows — the home page's counts and first rows (admin/home_figures.py) — is kept per scope
and day under this number and read again as soon as it moves. It lives in the database, so every app server sees
the same number: a change committed through any of them reaches the others at their next request.

The number is raised in the same transaction as the change, as its last statement (after the final flush), so it
moves exactly when the change becomes visible, in commit order, and a rolled-back change leaves it alone. Every
write of the app goes through an ORM session (objects flushed, or ``update``/``delete``/``insert`` executed by the
session): both are noted here. A write that bypasses the session (``flask bench seed``'s COPY, SQL typed by hand)
must raise it itself (:func:`raise_number`) or the kept figures stay until the next change.

Which units a commit changed is noted too (``unit_versions``: each unit with the number of the last commit that
changed its rows), so that what is counted per unit is counted again for those units only — the department's home
(admin/home_figures.py) after one unit's change reads that unit's rows, not the province's. A row's units are its
``audit_unit_id`` (and the unit it was moved from); a person's (``managers``) are the units of the accounts whose
teams they are on. A change that is not a few units' (the settings, the work calendar, an ``update``/``delete``
statement over many rows) sets ``everything_at``: after it, everything is counted afresh.
"""
from __future__ import annotations

import secrets
from itertools import chain
from typing import NamedTuple

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
    #: The number of the last commit whose change was not one unit's or a few units' (see the module's text).
    everything_at: Mapped[int] = mapped_column(sa.BigInteger(), default=0, server_default="0")
    #: A random mark made with the row and made anew when the database's content is replaced (a restore): numbers
    #: may then repeat, and what was kept under them must not be taken for the new content's.
    epoch: Mapped[str] = mapped_column(sa.String(32), default="", server_default="")


class UnitVersion(db.Model):
    """A unit and the number of the last commit that changed its rows (the rows the kept figures read)."""
    __tablename__ = "unit_versions"

    unit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(sa.BigInteger(), index=True)


#: A change that is not one unit's (everything is counted afresh after it).
EVERYTHING = "everything"
#: Tables whose rows are no unit's: a change of them changes what every unit's figures are made with.
_NO_UNIT = frozenset({"settings", "work_calendar"})


def current(session=None) -> int | None:
    """The number now (None when its row is missing: nothing may then be kept under it). Read on every request of a
    kept page: a Core statement, made once, on the session's connection (in its transaction)."""
    session = session or db.session
    return session.connection().execute(_CURRENT).scalar()


_TABLE = DataVersion.__table__
_UNITS = UnitVersion.__table__
_CURRENT = sa.select(_TABLE.c.number).where(_TABLE.c.id == 1)
_WITH_EPOCH = sa.select(_TABLE.c.number, _TABLE.c.epoch).where(_TABLE.c.id == 1)
_WITH_UNIT = sa.select(_TABLE.c.number, _TABLE.c.everything_at,
                       sa.select(_UNITS.c.number).where(_UNITS.c.unit_id == sa.bindparam("unit_id"))
                       .scalar_subquery(), _TABLE.c.epoch).where(_TABLE.c.id == 1)
_NUMBERS = sa.select(_TABLE.c.number, _TABLE.c.everything_at, _TABLE.c.epoch).where(_TABLE.c.id == 1)


class Numbers(NamedTuple):
    """The data version as a request reads it (:func:`numbers`)."""
    number: int
    #: The number of the last change of everything.
    everything_at: int
    #: The units changed by the commits after the number asked about (None: not asked).
    units: set[int] | None
    #: The database and the epoch: what a piece kept under these numbers is also kept under.
    database: str


def key(session=None, unit_id: int | None = None) -> tuple | None:
    """What a piece computed from the data is kept under: the database and the number now (None without a number).
    The database is part of it because one process may serve two (``flask bench compare`` opens two apps on two
    databases, whose numbers may be equal), and so is the epoch (a restored database's numbers may repeat).

    With ``unit_id``, for a piece made of that unit's rows only: the number of the last change of everything and
    of that unit's last change, in place of the number now — so that other units' changes leave it kept."""
    connection = (session or db.session).connection()
    if unit_id is None:
        row = connection.execute(_WITH_EPOCH).first()
        return None if row is None else (_database(connection, row[1]), row[0])
    row = connection.execute(_WITH_UNIT, {"unit_id": unit_id}).first()
    return None if row is None else (_database(connection, row[3]), "unit", unit_id, row[1], row[2] or 0)


def _database(connection, epoch: str) -> str:
    return f"{connection.engine.url}#{epoch}"


def numbers(session=None, since: int | None = None) -> Numbers | None:
    """The number now, the number of the last change of everything, the units changed by the commits after number
    ``since`` (None without ``since``) and the database with its epoch, in one statement; None without a number."""
    connection = (session or db.session).connection()
    if since is None:
        row = connection.execute(_NUMBERS).first()
        return None if row is None else Numbers(row[0], row[1], None, _database(connection, row[2]))
    found, units = None, set()
    for number, everything_at, epoch, unit_id in connection.execute(_NUMBERS_AND_UNITS, {"since": since}):
        if unit_id is None:
            found = (number, everything_at, epoch)
        else:
            units.add(unit_id)
    return None if found is None else Numbers(found[0], found[1], units, _database(connection, found[2]))


_NUMBERS_AND_UNITS = sa.union_all(
    sa.select(_TABLE.c.number, _TABLE.c.everything_at, _TABLE.c.epoch, sa.cast(sa.null(), sa.Integer()))
    .where(_TABLE.c.id == 1),
    sa.select(sa.cast(sa.null(), sa.BigInteger()), sa.cast(sa.null(), sa.BigInteger()),
              sa.cast(sa.null(), sa.String()), _UNITS.c.unit_id)
    .where(_UNITS.c.number > sa.bindparam("since", type_=sa.BigInteger())))


def new_epoch(connection) -> None:
    """After the database's content was replaced (services/backup.py restore): a new epoch, and everything changed,
    so that nothing kept under the numbers of before is taken for the new content (its numbers may repeat)."""
    done = connection.execute(_TABLE.update().where(_TABLE.c.id == 1).values(
        number=_TABLE.c.number + 1, everything_at=_TABLE.c.number + 1, epoch=secrets.token_hex(8)))
    if done.rowcount == 0:
        connection.execute(_TABLE.insert().values(id=1, number=1, everything_at=1, epoch=secrets.token_hex(8)))


def raise_number(connection, units=EVERYTHING) -> int:
    """Raise the number on ``connection`` (inside the writing transaction; the row is made if missing) and note
    what changed: ``units`` (ids) or :data:`EVERYTHING`. Returns the new number."""
    values = {"number": _TABLE.c.number + 1}
    if units == EVERYTHING:
        values["everything_at"] = _TABLE.c.number + 1
    number = connection.execute(_TABLE.update().where(_TABLE.c.id == 1).values(**values)
                                .returning(_TABLE.c.number)).scalar()
    if number is None:
        number = 1
        connection.execute(_TABLE.insert().values(id=1, number=number, everything_at=number,
                                                  epoch=secrets.token_hex(8)))
        return number
    if units != EVERYTHING and units:
        # The data version's row, locked by the UPDATE above until the commit, serialises the writers: no other
        # transaction inserts a unit's row between this one's UPDATE and INSERT.
        ids = sorted(units)
        done = connection.execute(_UNITS.update().where(_UNITS.c.unit_id.in_(ids)).values(number=number))
        if done.rowcount != len(ids):
            present = set(connection.execute(sa.select(_UNITS.c.unit_id).where(_UNITS.c.unit_id.in_(ids))).scalars())
            missing = [{"unit_id": unit_id, "number": number} for unit_id in ids if unit_id not in present]
            if missing:
                connection.execute(_UNITS.insert(), missing)
    return number


def changed_units(connection, since: int) -> set[int]:
    """The units changed by the commits after number ``since``."""
    return set(connection.execute(sa.select(_UNITS.c.unit_id).where(_UNITS.c.number > since)).scalars())


def _units_of(obj, new: bool = False):
    """The units whose rows ``obj`` (``new``: just added) is or was part of, or :data:`EVERYTHING`; None when its
    table is not watched. A record of an account (a report, a change request, a team member, …) is its own
    unit's and its account's (an account moved without its records leaves them in the old unit): the accounts'
    units are looked up by :func:`_units_of_accounts`, so here only the record's own unit."""
    table = getattr(type(obj), "__table__", None)
    if table is None or table.name not in WATCHED:
        return None
    if table.name in _NO_UNIT:
        return EVERYTHING
    if table.name == "managers" and not new:  # a person on file: on the teams of accounts of any unit
        return _units_of_teams(sa.orm.object_session(obj), [obj])
    state = sa.inspect(obj)
    if "account_id" in state.attrs:
        units = set()
    else:
        try:
            unit_id = obj.audit_unit_id
        except Exception:  # noqa: BLE001 - whatever keeps the unit from being read, everything is counted afresh
            return EVERYTHING
        if unit_id is None:
            return EVERYTHING
        units = {unit_id}
    if "unit_id" in state.attrs:  # its unit, and the one it was moved from (active_history: loaded to compare)
        units.update(unit for unit in (obj.unit_id, *state.attrs.unit_id.history.deleted) if unit is not None)
    return units


def _account_ids(obj) -> set[int]:
    """The accounts a record of an account is or was part of (its ``account_id`` and its history)."""
    state = sa.inspect(obj)
    if "account_id" not in state.attrs:
        return set()
    return {account for account in (obj.account_id, *state.attrs.account_id.history.deleted) if account is not None}


#: More people (or accounts of records) changed in one flush than this (a roster sync, an import): everything is
#: counted afresh rather than their teams (units) looked up.
MANY_PEOPLE = 500


def _units_of_accounts(session, account_ids: set[int]) -> set[int] | str:
    """The units of ``account_ids``: off the session's identity map where loaded, else one statement."""
    from .account import Account

    if len(account_ids) > MANY_PEOPLE:
        return EVERYTHING
    units, missing, mapper = set(), [], sa.inspect(Account)
    for account_id in account_ids:
        account = session.identity_map.get(mapper.identity_key_from_primary_key((account_id,)))
        if account is not None and "unit_id" in account.__dict__:
            units.add(account.unit_id)
            units.update(sa.inspect(account).attrs.unit_id.history.deleted)
        else:
            missing.append(account_id)
    if missing:
        units.update(session.connection().execute(
            sa.select(Account.unit_id).where(Account.id.in_(missing)).distinct()).scalars())
    units.discard(None)
    return units


def _units_of_teams(session, managers) -> set[int] | str:
    """The units of the accounts whose teams ``managers`` are on (a person's state flags those accounts), with
    the people's own units: one statement."""
    from .account import Account, TeamMember

    if session is None or len(managers) > MANY_PEOPLE or any(m.id is None for m in managers):
        return EVERYTHING
    units = set(session.connection().execute(
        sa.select(Account.unit_id).join(TeamMember, TeamMember.account_id == Account.id)
        .where(TeamMember.manager_id.in_([m.id for m in managers])).distinct()).scalars())
    return units | {m.unit_id for m in managers if m.unit_id is not None}


def _note(session, units) -> None:
    noted = session.info.get(_CHANGED)
    if noted == EVERYTHING:
        return
    if units == EVERYTHING:
        session.info[_CHANGED] = EVERYTHING
    else:
        session.info[_CHANGED] = (noted or set()) | units


@event.listens_for(Session, "after_flush")
def _note_flush(session, _flush_context):
    # The objects and their history as the flush found them (after_flush still shows them).
    added, people, accounts = session.new, [], set()
    for obj in chain(added, session.dirty, session.deleted):
        if obj not in added and getattr(type(obj), "__tablename__", None) == "managers":
            people.append(obj)  # looked up together below
            continue
        units = _units_of(obj, obj in added)
        if units is not None:
            _note(session, units)
            if units == EVERYTHING:
                return
            accounts |= _account_ids(obj)
    if people:
        _note(session, _units_of_teams(session, people))
    if accounts:
        _note(session, _units_of_accounts(session, accounts))


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is None or getattr(table, "name", None) in WATCHED:
            _note(state.session, EVERYTHING)


@event.listens_for(Session, "before_commit")
def _raise_on_commit(session):
    # before_commit comes before the commit's own flush: flush here (again while a flush leaves more behind, as
    # the audit log's entries for new rows), so that the last changes are noted and the number's row is the last
    # one this transaction locks.
    for _ in range(10):
        if not (session.new or session.dirty or session.deleted):
            break
        session.flush()
    changed = session.info.pop(_CHANGED, None)
    if changed:
        raise_number(session.connection(), changed)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction (not a savepoint) was rolled back
        session.info.pop(_CHANGED, None)
