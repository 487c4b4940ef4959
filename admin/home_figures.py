"""The home page's figures (admin/dashboard.py) from three SQL statements (issue 18: at most five): the accounts'
summary, the reviewed records' summary with the 12-month charts (and the work calendar's years, services.workdays,
read again only after a change of everything: :data:`years_kept`), and the cards' first rows. Every statement is
scoped by models.policy.scope, and run as a Core statement on the session's connection (what they read are rows,
not objects: the ORM's execution would add its own work to each).

The statements themselves — not what they find — are kept between requests (:func:`statement`), under a key that
holds everything they are made of: the user's scope (role and unit, ``policy.scope_key``), the day, the settings
the dormant rule reads, and which cards ask for rows. Two users share one only when they would build the same
SQL. A unit's counts and rows are kept under its unit's data version; the department's under the number of each
unit (:class:`Ledger`: after a write only the changed units are read again, the counts and the first rows of the
cards led by the unit)."""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from contextvars import ContextVar
from typing import Callable

import sqlalchemy as sa
from flask import g
from flask_babel import gettext

from models import (OPEN_INCIDENT_STATES, Account, AccountStatus, ChangeRecord, Incident, MonthlyReport, Platform,
                    Publication, PublicationStatus, ReviewStatus, Unit, UnitKind, Urgency, Violation, data_version, db,
                    policy, utcnow)
from services import charts, governance, reports, settings, staff, workdays

ACCOUNT_TO_SUBMIT = (AccountStatus.draft, AccountStatus.returned)
RECORD_TO_SUBMIT = (ReviewStatus.draft, ReviewStatus.returned)
RECORD_OPEN = (ReviewStatus.draft, ReviewStatus.unit_review, ReviewStatus.dept_review, ReviewStatus.returned)
PUBLICATION_OPEN = (PublicationStatus.draft, PublicationStatus.returned, PublicationStatus.unit_review,
                    PublicationStatus.dept_review)
#: The types of the casts, made once: SQLAlchemy works out a type's part of the statement cache key on each new
#: instance (by inspecting its class), which ``sa.cast(x, sa.String)`` would make anew for every cast of every
#: request (24 a home page: a tenth of its time in Python).
TEXT, DATE = sa.String(), sa.Date()


class Kept:
    """A bounded map, least recently used out first, safe across threads (one per process)."""

    def __init__(self, size: int):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple, value) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


#: The statements made so far (a few per unit and day at province scale, 1,500 units).
statements = Kept(4096)
#: The figures read so far, per scope, day and data version (models/data_version.py).
figures_kept = Kept(1024)
#: The years of the work calendar (the "year" rows of :func:`record_figures`), per database and number of the last
#: change of everything (a change of the calendar is one: models/data_version.py).
years_kept = Kept(16)
#: The home pages' bodies made so far (admin/dashboard.py home_page), per figures' key, language and site root.
bodies = Kept(512)
#: The same bodies per everything they are made of (admin/dashboard.py ``_Gathered.made_key``): taken again when
#: the data version moved but the page's figures and rows did not.
bodies_made = Kept(256)


def statement(key: tuple, build: Callable[[], object]):
    """The SQL that ``build()`` makes for ``key``, made on the first request that asks and kept (expression
    building and SQLAlchemy's cache key were two thirds of the page's Python). ``key`` must hold everything the
    SQL depends on — :func:`home_key` and what the caller adds — so that it is never handed to a user whose own
    would differ (tests/test_fixed_cost_caches.py)."""
    found = statements.get(key)
    if found is None:
        found = build()
        statements.put(key, found)
    return found


def figures_key(user, today: dt.date) -> tuple | None:
    """Under what the home page's figures and body are kept: the user's scope (role and unit: who would read the
    very same rows), the day, and the data version (models/data_version.py) with its database — for a unit's user
    the number of that unit's last change and of the last change of everything, so that other units' changes leave
    the unit's page kept. None when there is no version to keep them under.

    For those who see every unit the key also holds the numbers the department's ledger (:class:`Ledger`) is brought
    up to, kept in ``flask.g`` for :func:`department_figures`."""
    if not policy.sees_all_units(user):
        version = data_version.key(unit_id=getattr(user, "unit_id", None))
        if version is None:
            return None
        settings.prime((version[0], version[3]))  # under the number of the last change of everything
        g.home_everything = (version[0], version[3])
        return ("home", policy.scope_key(user), today, *version)
    scope = policy.scope_key(user)
    last = last_ledgers.get((str(db.engine.url), scope, today))
    since = last.seen if last is not None else None
    numbers = data_version.numbers(since=since)
    if numbers is None:
        return None
    g.home_numbers = (numbers, since)
    settings.prime((numbers.database, numbers.everything_at))
    g.home_everything = (numbers.database, numbers.everything_at)
    # The department's cards count 发布报批 answers due in hours (第十二条: urgent requests) and show the time
    # left: its page is made again each minute at most, whatever the data version; the counts of the units are
    # not counted again for it (:class:`Ledger`), only the 发布报批 by status.
    clock = utcnow().replace(second=0, microsecond=0)
    return ("home", scope, today, numbers.database, numbers.number, numbers.everything_at, clock)


def home_key(user, today: dt.date) -> tuple:
    """What the home page's SQL is made of besides the cards: whose rows (role and unit), which day, the
    settings of the dormant rule and the database's kind (one process may serve two: ``flask bench compare``)."""
    return (policy.scope_key(user), today, settings.value("dormant_no_posts_months"),
            settings.value("dormant_no_report_months"), db.engine.dialect.name)


def dormant_rule(user, today: dt.date, per_account: bool = False) -> reports.DormantRule:
    """The dormant rule (services.reports.dormant_rule) of the page's counts; ``per_account``: of its first rows.
    In a statement for the units given (:data:`SOME`, the cards' rows read for changed units: ``_for_units_given``)
    only those units' accounts' reports are grouped where there is no LATERAL (SQLite)."""
    given = _for_units_given.get() if per_account else 0
    return statement(("dormant", *home_key(user, today), per_account, given),
                     lambda: reports.dormant_rule(user, today, per_account, accounts=sa.select(Account.id).where(
                         _in_units_given(Account.unit_id)) if given else None))


#: Whether the statement being built reads the units given only (:func:`first_rows`' ``some`` parts, the summaries
#: for SOME): how many units' ids it takes as parameters (:func:`_in_units_given`), 0 when it does not; what a
#: part's dormant rule may restrict itself to.
_for_units_given: ContextVar[int] = ContextVar("home_for_units_given", default=0)


#: How a summary statement reads the units (``by_unit``): None, for a unit's user (one unit: its scope); ALL, every
#: unit grouped by unit; SOME, grouped by unit, only the units bound as ``units`` (a list: the planner sees the
#: values, and reads those units' rows by their indexes); WHOLE (records only), only the parts counted whole.
ALL, SOME, WHOLE = "all", "some", "whole"


def few_units(user) -> bool:
    """Whether the statement being built reads a unit's or a few units' rows (a unit's user, or the units given),
    where a card may look each account's rows up by its index (PostgreSQL's LATERAL; SQLite joins so itself)."""
    return db.engine.dialect.name == "postgresql" and (
        _for_units_given.get() > 0 or not policy.sees_all_units(user))


def _in_units_given(column):
    """``column`` among the units given: ``IN`` as many parameters as the statement being built takes
    (``_for_units_given``: :func:`_given_size`). Plain parameters, not a list expanded into ``IN (…)``, which
    SQLAlchemy writes into the statement's text anew at every run (its post-compile step runs the whole text
    through a regular expression: 1–2 ms of the department's home after a write). The planner sees ``IN ($1, …)``
    as it would the values, and keeps one plan (an ``= ANY`` of an array parameter is planned anew each run)."""
    return column.in_([sa.bindparam(f"{GIVEN}{n}", type_=_UNIT_ID) for n in range(_for_units_given.get())])


_UNIT_ID = sa.Integer()
#: The names of the units' parameters (``given_0``, …).
GIVEN = "given_"


def _given_size(units: list[int]) -> int:
    """How many parameters a statement for ``units`` takes: their number, up to 4, then the next power of two (a
    few statements for any number of units)."""
    size = max(1, len(units))
    return size if size <= 4 else 1 << (size - 1).bit_length()


def _given_values(units: list[int]) -> dict:
    """The parameters of :func:`_in_units_given` for ``units`` (the last one repeated up to the size)."""
    units = sorted(units) or [0]
    return {f"{GIVEN}{n}": units[min(n, len(units) - 1)] for n in range(_given_size(units))}


def account_figures(user, today: dt.date, period: dt.date, by_unit: str | None = None,
                    units: list[int] | None = None) -> list[tuple]:
    """(status, platform, kind of unit, count, overdue, not reported, team needs a change, dormant) per group
    of the user's accounts: one statement for every count of accounts on the page; ``by_unit``: each row led by
    its unit's id (see :data:`ALL`)."""
    def build():
        token = _for_units_given.set(size)  # (SOME: the units' ids are parameters of this statement)
        try:
            return _values_written(make(), lists_only=True)
        finally:
            _for_units_given.reset(token)

    def make():
        changed = by_unit == SOME
        # A few units' accounts: each account's reports looked up by the (account, month) index.
        dormant = dormant_rule(user, today, per_account=changed)
        count = sa.func.count
        if by_unit == ALL:  # every account: the flagged team lines found once, hashed against the accounts
            needing_change = Account.id.in_(policy.scope(user, Account, staff.accounts_needing_staff_change()))
        else:  # one unit's or a few units' accounts: each account's team looked up by its index
            needing_change = staff.needs_staff_change()
        lead = (Account.unit_id,) if by_unit else ()
        query = (sa.select(*lead, Account.status, Account.platform, Unit.kind, count(),
                           count().filter(Account.status.in_(ACCOUNT_TO_SUBMIT), Account.registration_due < today),
                           count().filter(reports.not_reported(period, user, per_account=changed)),
                           count().filter(needing_change),
                           count().filter(dormant.condition))
                 .select_from(Account).join(Unit, Account.unit_id == Unit.id))
        if changed:
            query = query.where(_in_units_given(Account.unit_id))
        return policy.scope(user, Account, dormant.join(query).group_by(*lead, Account.status, Account.platform,
                                                                          Unit.kind))

    size = _given_size(units or []) if by_unit == SOME else 0
    key = ("accounts", *home_key(user, today), period, by_unit, size)
    return db.session.connection().execute(statement(key, build), _given_values(units or []) if size else {}).all()


def record_figures(user, today: dt.date, months: list[dt.date], unit_role: bool, by_unit: str | None = None,
                   units: list[int] | None = None) -> list[tuple]:
    """The rows of :func:`_record_figures`: (part, key, a, b, c), and with ``by_unit`` the unit's id last."""
    size = _given_size(units or []) if by_unit == SOME else 0
    # The years of the work calendar change only with a change of everything (models/data_version.py): read once
    # per number of that change (:data:`years_kept`), not again after each unit's write.
    everything = g.get("home_everything")
    years = years_kept.get(everything) if everything is not None else None
    key = ("records", *home_key(user, today), tuple(months), unit_role, by_unit, size, years is None)

    def build():
        token = _for_units_given.set(size)
        try:
            return _values_written(_record_figures(user, today, months, unit_role, by_unit, with_years=years is None),
                                   lists_only=True)
        finally:
            _for_units_given.reset(token)

    rows = db.session.connection().execute(statement(key, build),
                                           {"now": utcnow(), **(_given_values(units or []) if size else {})}).all()
    if years is None:
        if everything is not None:
            years_kept.put(everything, tuple(int(row[2]) for row in rows if row[0] == "year"))
    else:
        rows = [*rows, *(("year", "", year, 0, 0, None) for year in years)]
    # (the time bound at each run: the statement is kept)
    return rows if by_unit else [tuple(row[:5]) for row in rows]


def _record_figures(user, today: dt.date, months: list[dt.date], unit_role: bool, by_unit: str | None = None,
                    with_years: bool = True):
    """(part, key, a, b, c, unit) rows of one UNION ALL: change requests by status (count, overdue), open monthly
    reports by status (count) and the 涉密 ones among them, open violations (units), per month of the charts
    (posts, reports, on time), and the years of the work calendar (a). A new count of records is one more part
    here (no statement of its own). Open 发布报批 by status (count, urgent, past the
    department's deadline); incidents being handled; units' governance gaps (units, no rules, no persons).

    ``by_unit`` (:data:`ALL`, :data:`SOME`, :data:`WHOLE`): the parts counted per unit are grouped by it (``unit``
    its id) and, for SOME, read for the units given only; the 发布报批 (their deadlines move with the clock) and the
    years are counted whole (``unit`` null) on every run, and alone for WHOLE."""
    def as_text(column):
        return sa.cast(column, TEXT)

    count, zero = sa.func.count, sa.literal(0)
    none = sa.cast(sa.null(), sa.Integer())

    def per_unit(model, column, query, *group):
        """``query`` over ``model`` in the user's scope, its unit last (grouped by it) when counted per unit."""
        if by_unit:
            query = query.add_columns(column).group_by(*group, column)
            if by_unit == SOME:
                query = query.where(_in_units_given(column))
        else:
            query = query.add_columns(none)
            if group:
                query = query.group_by(*group)
        return policy.scope(user, model, query) if model is not Unit else query

    parts = [] if by_unit == WHOLE else [
        per_unit(ChangeRecord, ChangeRecord.unit_id, sa.select(
            sa.literal("change"), as_text(ChangeRecord.status), count(),
            count().filter(ChangeRecord.status.in_(RECORD_TO_SUBMIT), ChangeRecord.due_on < today), zero)
            .where(ChangeRecord.status.in_(RECORD_OPEN)), ChangeRecord.status),
        per_unit(MonthlyReport, MonthlyReport.unit_id, sa.select(
            sa.literal("report"), as_text(MonthlyReport.status), count(), zero, zero)
            .where(MonthlyReport.status.in_(RECORD_OPEN)), MonthlyReport.status),
        # 涉密 and not approved (red flags, 第十一条): few, found by their own index; the count per state above
        # then reads only the (status, …) index, not every open report's row.
        per_unit(MonthlyReport, MonthlyReport.unit_id, sa.select(
            sa.literal("red_flags"), sa.literal(""), count(), zero, zero)
            .where(MonthlyReport.involves_classified.is_(True), MonthlyReport.status.in_(RECORD_OPEN))),
        # Per unit, the months are the reports' accounts' units', in both ways of counting (a report's change
        # notes its account's unit too: models/data_version.py), read through the accounts so that every unit's
        # 356,000 reports come off the covering month index alone (1.1 s of the table's rows at province scale
        # otherwise) and a few units' off the (account, month) index.
        _month_part(per_unit, months, by_unit, as_text, count),
        # 第十四条: incidents neither handled nor escalated
        per_unit(Incident, Incident.unit_id, sa.select(
            sa.literal("incident"), sa.literal(""), count(), zero, zero).where(Incident.status.in_(OPEN_INCIDENT_STATES))),
        # Units with accounts but no 新媒体管理制度 or no named 第一责任人/责任领导 (第九条, 第十条): (units, no rules, no persons).
        per_unit(Unit, Unit.id, governance.gap_counts(user, sa.literal("governance"), sa.literal(""))),
    ]
    if unit_role and by_unit != WHOLE:
        parts.append(per_unit(Violation, Violation.unit_id, sa.select(
            sa.literal("violation"), sa.literal(""), count(), zero, zero).where(Violation.resolved_on.is_(None))))
    parts.append(policy.scope(user, Publication, sa.select(
        sa.literal("publication"), as_text(Publication.status), count(),
        count().filter(Publication.urgency == Urgency.urgent),
        count().filter(Publication.due_at < sa.bindparam("now", type_=sa.DateTime())), none)
        .where(Publication.status.in_(PUBLICATION_OPEN)).group_by(Publication.status)))
    if with_years:
        years = workdays.scheduled_years_select().subquery("years")
        parts.append(sa.select(sa.literal("year"), sa.literal(""), years.c.year, zero, zero, none))
    return sa.union_all(*parts)


def _joined(query, to_accounts: bool):
    return query.join(Account, Account.id == MonthlyReport.account_id) if to_accounts else query


def _month_part(per_unit, months: list[dt.date], by_unit: str | None, as_text, count):
    """The charts' part of :func:`_record_figures`: per month, (posts, reports, on time) of the reports submitted.

    For a few units (SOME) on PostgreSQL each of their accounts' reports are read by the (account, month) index
    through a LATERAL subquery (kept apart by its OFFSET 0): joined plainly, the planner hashes the given accounts
    against every report of the twelve months (38,000 rows of the covering month index at scale 1, 4 ms for one
    unit). SQLite joins account by account on its own (and has no LATERAL)."""
    in_window = (MonthlyReport.period.between(months[0], months[-1]), MonthlyReport.submitted_at.is_not(None))
    if by_unit == SOME and db.engine.dialect.name == "postgresql":
        reports_of = (sa.select(MonthlyReport.period, MonthlyReport.post_count, MonthlyReport.is_late)
                      .where(MonthlyReport.account_id == Account.id, *in_window)
                      .offset(0).lateral("reports_of"))  # OFFSET 0: not flattened into a plain join
        query = (sa.select(sa.literal("month"), as_text(reports_of.c.period),
                           sa.func.coalesce(sa.func.sum(reports_of.c.post_count), 0),
                           count(), count().filter(reports_of.c.is_late.is_(False)))
                 .select_from(Account).join(reports_of, sa.true()))
        return per_unit(Account, Account.unit_id, query, reports_of.c.period)
    return per_unit(MonthlyReport, Account.unit_id if by_unit else MonthlyReport.unit_id, _joined(sa.select(
        sa.literal("month"), as_text(MonthlyReport.period),
        sa.func.coalesce(sa.func.sum(MonthlyReport.post_count), 0),
        count(), count().filter(MonthlyReport.is_late.is_(False))).where(*in_window), bool(by_unit)),
        MonthlyReport.period)


#: The parts of :func:`_record_figures` counted whole on every run, not per unit.
WHOLE_PARTS = frozenset({"publication", "year"})


class Ledger:
    """The department's counts kept per unit (issue 18 item 3), in one process, for one scope, day, settings and
    reporting month: every unit's account rows and record rows, and their sums. Brought up to a data version by
    counting again only the units changed since (models/data_version.py ``unit_versions``), or everything after a
    change of everything; the sums are then the old ones less the changed units' old rows plus their new ones.
    ``tests/test_home_ledger.py`` checks it against a recount after each kind of write."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seen: int | None = None
        self.units: dict[int, tuple[list, list]] = {}
        self.accounts: dict[tuple, list[int]] = {}
        self.records: dict[tuple, list[int]] = {}
        #: The first rows of the cards led by the unit (missing reports, dormant, staff, governance), per card;
        #: the units changed since they were read (None: all); the units' ranks by name and by code, and their
        #: (name, code) as ranked.
        self.tops: dict[str, list] | None = None
        self.stale: set[int] | None = None
        self.ranks: dict[str, dict[int, int]] = {}
        self.unit_names: dict[int, tuple] = {}

    def bring_up(self, user, today, period, months, numbers: data_version.Numbers, since: int | None
                 ) -> tuple[list, list]:
        """The (account rows, record rows) of the scope at ``numbers`` (data_version.numbers: the units listed are
        those changed after the number ``since``), counting again what changed since the ledger's number; the
        record rows hold the parts counted whole, read now."""
        number, everything_at, changed = numbers.number, numbers.everything_at, numbers.units
        with self.lock:
            # Counted whole: the first time; after a change of everything; without the list of changed units, or
            # with one that starts after the ledger's number; when the number went back (a database put back).
            if (self.seen is None or everything_at > self.seen or changed is None or since > self.seen
                    or number < self.seen):
                records = record_figures(user, today, months, False, ALL)
                self._replace(None, account_figures(user, today, period, ALL), records)
                self.stale = None
            elif changed:  # (units changed since an older number than the ledger's: counted again, no harm)
                units = sorted(changed)
                records = record_figures(user, today, months, False, SOME, units)
                self._replace(changed, account_figures(user, today, period, SOME, units), records)
                if self.stale is not None:
                    self.stale |= set(changed)
            else:
                records = record_figures(user, today, months, False, WHOLE)
            self.seen = number if number < (self.seen or 0) else max(number, self.seen or 0)
            whole = [tuple(row[:5]) for row in records if row[0] in WHOLE_PARTS]
            return ([(*key, *values) for key, values in self.accounts.items()],
                    [(*key, *values) for key, values in self.records.items()] + whole)

    def first_rows(self, key: tuple, parts: list, led: dict[str, tuple[str, int]]) -> dict[str, list]:
        """The cards' first rows: those of ``parts`` (card key, select) read whole, but for the cards in ``led``
        (card key: (the units' order they are led by, "@name" or "@code"; how many rows the card lists)): those are
        kept here and read again only for the units changed since, merged with the other units' (:func:`_merged`).
        Read whole the first time, after a change of everything, and, in the same statement, a card that is full
        and holds rows of a changed unit (the row after its last is not kept); every unit's rank is read again
        (with the cards led by the unit, a statement more) when a changed unit is new or renamed."""
        plain = [(name, build) for name, build in parts if name not in led]
        keep = [(name, build) for name, build in parts if name in led]
        with self.lock:
            if self.tops is None or self.stale is None or set(self.tops) != set(led):
                rows = first_rows(key, plain + keep + UNIT_ORDERS)
                self._take(rows, led, [name for name, _build in keep], ranks=True)
            elif self.stale:
                units = sorted(self.stale)
                # A full card that holds rows of a changed unit is read whole (the next row is not kept).
                whole = [(name, build) for name, build in keep
                         if _full_of(self.tops[name], self.stale, led[name][1])]
                given = [(name, build) for name, build in keep if (name, build) not in whole]
                rows = first_rows(key, plain + whole, given + UNITS_GIVEN, units)
                self._take(rows, led, [name for name, _build in whole], ranks=False)
                renamed = any(self.unit_names.get(found.unit_id) != (found.name, found.code)
                              for found in rows.get("@unit", []))
                again = []
                for name, _build in given:
                    merged = None if renamed else _merged(self.tops[name], rows.get(name, []), self.stale,
                                                          self.ranks[led[name][0]], led[name][1])
                    if merged is None:
                        again.append(name)
                    else:
                        self.tops[name] = merged
                if again:  # a changed unit is new or renamed: every unit's rank read again
                    whole = first_rows((*key, "again"), [(name, build) for name, build in keep if name in again]
                                       + (UNIT_ORDERS if renamed else []))
                    self._take(whole, led, again, ranks=renamed)
            else:
                rows = first_rows(key, plain)
            self.stale = set()
            return {**{name: found for name, found in rows.items() if not name.startswith("@")}, **self.tops}

    def _take(self, rows: dict[str, list], led: dict, names: list[str], ranks: bool) -> None:
        """Keep the first rows of the cards ``names`` read whole; with ``ranks``, the units' ranks read with them."""
        if self.tops is None or set(self.tops) != set(led):
            self.tops = {}
        for name in names:
            self.tops[name] = rows.get(name, [])
        if ranks:
            self.ranks = {order: {found.unit_id: found.position for found in rows.get(order, [])}
                          for order in ("@name", "@code")}
            self.unit_names = {found.unit_id: (found.name, found.code) for found in rows.get("@name", [])}

    def _replace(self, units: set[int] | None, account_rows, record_rows) -> None:
        """Put the rows of ``units`` (None: of every unit, all anew) in place of theirs, and the sums with them."""
        if units is None:
            self.units, self.accounts, self.records = {}, {}, {}
            new = None
        else:
            new = units
            for unit_id in units:
                old_accounts, old_records = self.units.pop(unit_id, ((), ()))
                _add(self.accounts, old_accounts, -1)
                _add(self.records, old_records, -1)
        grouped: dict[int, tuple[list, list]] = {}
        for unit_id, *rest in account_rows:
            if new is None or unit_id in new:
                grouped.setdefault(unit_id, ([], []))[0].append((tuple(rest[:3]), rest[3:]))
        for part, key, a, b, c, unit_id in record_rows:
            if part in WHOLE_PARTS or (new is not None and unit_id not in new):
                continue
            grouped.setdefault(unit_id, ([], []))[1].append(((part, key), (a, b, c)))
        for unit_id, (accounts, records) in grouped.items():
            self.units[unit_id] = (accounts, records)
            _add(self.accounts, accounts, 1)
            _add(self.records, records, 1)


def _add(sums: dict[tuple, list[int]], rows, sign: int) -> None:
    for key, values in rows:
        found = sums.get(key)
        if found is None:
            found = sums[key] = [0] * len(values)
        for i, value in enumerate(values):
            found[i] += sign * value
        if not any(found):
            del sums[key]


#: The department's ledgers, per scope, day, settings, reporting month and database (a few: a new day, new ones;
#: about 5 MB each at province scale).
ledgers = Kept(6)
#: The ledger used last per database, scope and day: the number it stands at is where the next request's list of
#: changed units starts (:func:`figures_key`).
last_ledgers = Kept(6)


def department_figures(user, today: dt.date, period: dt.date, months: list[dt.date]) -> tuple[list, list]:
    """(account rows, record rows) of a user who sees every unit, from the scope's :class:`Ledger` brought up to
    the numbers :func:`figures_key` read (or reads them)."""
    numbers, since = getattr(g, "home_numbers", None) or (data_version.numbers(), None)
    if numbers is None:
        numbers = data_version.Numbers(0, 0, None, str(db.engine.url))
    key = (*home_key(user, today), period, tuple(months), numbers.database)
    ledger = ledgers.get(key)
    if ledger is None:
        ledger = Ledger()
        ledgers.put(key, ledger)
    last_ledgers.put((str(db.engine.url), policy.scope_key(user), today), ledger)
    g.home_ledger = ledger
    return ledger.bring_up(user, today, period, months, numbers, since)


def department_first_rows(key: tuple, parts: list, led: dict[str, tuple[str, int]]) -> dict[str, list]:
    """The cards' first rows of a user who sees every unit (:meth:`Ledger.first_rows` of the ledger
    :func:`department_figures` brought up in this request)."""
    return g.home_ledger.first_rows(key, parts, led)


def forget() -> None:
    """Drop every kept figure, ledger, statement and body of this process (tests that rewrite tables by hand)."""
    for kept in (statements, figures_kept, years_kept, bodies, bodies_made, ledgers, last_ledgers):
        kept.clear()


ROW_COLUMNS = ("key", "id", "name", "unit", "day", "code", "extra", "flag", "unit_id")


def row(key: str, order, id_, name, unit, day=None, code=None, extra=None, flag=None):
    """One card row, in the columns every part of :func:`first_rows` shares, and the card's sort columns
    (``order``, as ``sort_<n>``: a UNION ALL keeps no order of its own, the rows are numbered by them). Every
    card's select joins ``Unit``: ``unit_id`` is the row's unit (the department's :class:`Ledger` keeps the rows of
    the cards led by the unit per unit)."""
    return (sa.literal(key).label("key"), id_.label("id"), name.label("name"), unit.label("unit"),
            (sa.cast(sa.null(), DATE) if day is None else day).label("day"),
            sa.cast(sa.null() if code is None else code, TEXT).label("code"),
            sa.cast(sa.null() if extra is None else extra, TEXT).label("extra"),
            (sa.literal(0) if flag is None else flag).label("flag"), Unit.id.label("unit_id"),
            *(column.label(f"sort_{n}") for n, column in enumerate(order)))


def first_rows(key: tuple, parts: list, some: list | None = None, units: list[int] | None = None
               ) -> dict[str, list]:
    """The first rows of every card, in one UNION ALL of ``parts`` (each a (card key, function building its
    select, sorted and limited)); each part's few rows are numbered by its sort columns after the limit (no window
    over every match). ``key``: what the parts are made of (:func:`statement`); the card keys are added to it.
    ``some``: more parts, read for the ``units`` given only (the first rows among those units' rows)."""
    some = some or []
    if not parts and not some:
        return {}

    def build():
        selects = []
        for name, build_part, given in [(n, b, False) for n, b in parts] + [(n, b, True) for n, b in some]:
            token = _for_units_given.set(size if given else 0)
            try:
                select = build_part()
                if given:
                    select = select.where(_in_units_given(Unit.id))
            finally:
                _for_units_given.reset(token)
            first = select.subquery(name)
            order = [column for column in first.c if column.name.startswith("sort_")]
            selects.append(sa.select(*(first.c[column] for column in ROW_COLUMNS),
                                     sa.func.row_number().over(order_by=order).label("position")))
        return sa.union_all(*selects)

    rows: dict[str, list] = {}
    size = _given_size(units or []) if some else 0
    union = statement(("rows", *key, tuple(name for name, _build in parts), tuple(name for name, _build in some),
                       size), lambda: _values_written(build(), lists_only=not some))
    for row in db.session.connection().execute(union, _given_values(units or []) if some else {}):
        rows.setdefault(row.key, []).append(row)
    return {key: sorted(found, key=lambda row: row.position) for key, found in rows.items()}


def _values_written(select, lists_only: bool = False):
    """``select`` with every value but the units given written into its text (the day, the month, the settings:
    what the key it is kept under holds). PostgreSQL then plans it once for the units given as a prepared
    statement, instead of planning every run again (2–3 ms for the cards' rows): with the day a parameter the
    generic plan is costed worse than the one made for each run's values, though it runs as fast.

    Written as SQL text here, once (``literal_column``), not as SQLAlchemy's "literal execute" parameters, nor
    left as the lists of ``IN (…)`` (states, kinds): both are written into the statement's text at every run, by a
    regular expression over all of it. ``lists_only``: only those lists (the other values stay parameters)."""
    dialect = db.engine.dialect

    def written(element):
        if not isinstance(element, sa.BindParameter) or element.callable is not None \
                or element.key.startswith(GIVEN):
            return None
        processor = element.type.literal_processor(dialect)
        if element.expanding:
            values = element.value
            if not values or processor is None:
                return None
            return sa.literal_column("(" + ", ".join(processor(value) for value in values) + ")")
        if lists_only:
            return None
        if element.value is None:
            return sa.null()
        if processor is None:
            return element.render_literal_execute()
        return sa.literal_column(processor(element.value), type_=element.type)

    return sa.sql.visitors.replacement_traverse(select, {}, written)


#: The parts the department's ledger reads the units' order from (:meth:`Ledger.first_rows`): every unit, by
#: name and by code as the cards led by them sort (position: its rank), and the changed units' name and code.
def _units_by(key: str, column):
    return key, lambda: sa.select(*row(key, (column, Unit.id), Unit.id, Unit.name, Unit.name, code=Unit.code))


UNIT_ORDERS = [_units_by("@name", Unit.name), _units_by("@code", Unit.code)]
UNITS_GIVEN = [_units_by("@unit", Unit.id)]


def _full_of(top: list, units: set[int], limit: int) -> bool:
    """Whether a card's kept first rows are as many as it lists and hold a row of one of ``units``."""
    return len(top) >= limit and any(row.unit_id in units for row in top)


def _merged(top: list, fresh: list, units: set[int], rank: dict[int, int], limit: int) -> list | None:
    """A card's first rows (``top``, at most ``limit``, led by the unit's order) after ``units`` changed, whose own
    first rows are now ``fresh``: the rows of the other units kept, merged with the fresh ones by the units' rank
    (a unit's rows all come from one of the two lists, in the database's order). None when they cannot tell: the
    card was full and lost rows of a changed unit (the next row of another unit is not kept: :func:`_full_of`)."""
    if _full_of(top, units, limit):
        return None
    rest = [row for row in top if row.unit_id not in units]
    last = len(rank)
    ordered = sorted([(rank.get(row.unit_id, last), n, row) for n, row in enumerate(rest)]
                     + [(rank.get(row.unit_id, last), n, row) for n, row in enumerate(fresh)],
                     key=lambda item: (item[0], item[1]))
    return [row for _rank, _n, row in ordered[:limit]]


class Figures:
    """The counts of the two summary statements, by what the page asks (kept under :func:`figures_key` with the
    cards' first rows: nothing in them but the scope's counts and rows)."""

    def __init__(self, account_rows, record_rows, dormant: reports.DormantRule):
        self.accounts = account_rows
        self.record_rows = tuple(tuple(row) for row in record_rows)
        years: set[int] = set()
        self.by_status: dict[AccountStatus, int] = {}
        for status, _platform, _kind, n, *_rest in account_rows:
            self.by_status[status] = self.by_status.get(status, 0) + n
        self.overdue_accounts = sum(row[4] for row in account_rows)
        self.not_reported = sum(row[5] for row in account_rows)
        self.staff = sum(row[6] for row in account_rows)
        self.dormant = sum(row[7] for row in account_rows)
        self.changes: dict[str, int] = {}
        self.reports: dict[str, int] = {}
        self.overdue_changes = self.red_flags = self.open_violations = self.open_incidents = 0
        self.months: dict[str, tuple] = {}
        #: 发布报批 by status: (count, urgent, past the department's deadline).
        self.publications: dict[str, tuple] = {}
        self.governance = (0, 0, 0)
        for part, key, a, b, c in record_rows:
            if part == "change":
                self.changes[key] = a
                self.overdue_changes += b
            elif part == "report":
                self.reports[key] = a
            elif part == "red_flags":
                self.red_flags = a
            elif part == "month":
                self.months[str(key)[:7]] = (a, b, c)
            elif part == "violation":
                self.open_violations = a
            elif part == "incident":
                self.open_incidents = a
            elif part == "publication":
                self.publications[key] = (a, b, c)
            elif part == "governance":
                self.governance = (a, b, c)
            elif part == "year":
                years.add(int(a))
        #: The years whose 调休 schedule has been entered (services.workdays.scheduled_years).
        self.years = frozenset(years)
        #: The dormant rule the counts were made with (its numbers of months name a row's reasons).
        self.dormant_rule = dormant

    def approved_by_platform(self):
        counts: dict = {}
        for status, platform, _kind, n, *_rest in self.accounts:
            if status == AccountStatus.approved:
                counts[platform] = counts.get(platform, 0) + n
        return [(p, counts[p]) for p in Platform if counts.get(p)]

    def approved_by_unit_kind(self):
        counts: dict = {}
        for status, _platform, kind, n, *_rest in self.accounts:
            if status == AccountStatus.approved:
                counts[kind] = counts.get(kind, 0) + n
        return [(k, counts[k]) for k in UnitKind if counts.get(k)]

    def records(self, table: dict, states) -> int:
        return sum(table.get(state.name, 0) for state in states)

    def charts(self, months: list[dt.date]) -> dict:
        labels = [m.strftime("%Y-%m") for m in months]
        figures = [self.months.get(label, (0, 0, 0)) for label in labels]
        posts = [float(posts) for posts, _count, _on_time in figures]
        rate = [(100.0 * on_time / count) if count else None for _posts, count, on_time in figures]
        return {"posts": charts.bar_chart(labels, posts, gettext("Posts per month")),
                "on_time": charts.line_chart(labels, rate, gettext("Monthly reports on time"))}
