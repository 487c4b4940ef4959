"""Home page (第十四条, daily oversight): each role's own work.

Every number on the page links to the list that shows exactly the rows it counts (a filtered list, the
missing-reports or the dormant-accounts page); a card with nothing to do folds into one line. The department
sees what waits for its approval and what needs attention university-wide; the auditor only the latter (it
approves nothing); a unit sees its own accounts and what it must do, with the deadlines.

The counts and the cards' first rows come from three statements (issue 18: at most five; admin/home_figures.py),
counted in the user's own scope (models.policy.scope). A unit's are kept per scope and day until its unit's rows
(or everything) change (models/data_version.py); the department's are kept per unit and only the changed units are
counted again (home_figures.Ledger), and so are the first rows of its cards led by the unit (missing reports,
dormant, staff, governance); the other cards' first rows are read again. The page's body is kept under the same
key, and under everything it is made of (a write that changes nothing shown does not make it again).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, render_template, request, url_for
from flask_admin.contrib.sqla import filters as f
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from models import UNIT_ROLES
from models import (OPEN_INCIDENT_STATES, Account, AccountStatus, ChangeKind, ChangeRecord, EmploymentStatus,
                    Incident, IncidentKind, Manager, Measure, MonthlyReport, Platform, Publication, PublicationStatus,
                    ReviewStatus, Role, TeamMember, Unit, Urgency, Violation, policy)
from services import governance, publications, reports, staff, workdays
from services.accounts import breaks_article_8
from services.text import date_text, datetime_text, locale_name, month_text, text

from .home_figures import (ACCOUNT_TO_SUBMIT, RECORD_TO_SUBMIT, Figures, account_figures, bodies, bodies_made,
                           department_figures, department_first_rows, dormant_rule, figures_key, figures_kept,
                           few_units, first_rows, home_key, record_figures, row as _row)
from .home_filters import GovernanceGapFilter, StaffChangeFilter
from .menu import kept_piece

#: How many rows a card lists (its count and link give all of them).
PREVIEW = 5
#: How many of its accounts a unit's home lists.
OWN_ACCOUNTS = 10



@dataclass
class Card:
    """One to-do card: a title, how many rows, the link to exactly those rows, the first few of them."""

    key: str
    title: str
    count: int
    url: str
    rows: list[dict] = field(default_factory=list)
    #: A part of the count with its own link ("of which 2 overdue"): (text, count, url).
    part: tuple | None = None
    danger: bool = False


@dataclass
class Section:
    title: str
    cards: list[Card]

    @property
    def open(self) -> list[Card]:
        return [card for card in self.cards if card.count]

    @property
    def folded(self) -> list[Card]:
        """Cards with nothing to do: one line for all of them."""
        return [card for card in self.cards if not card.count]


# --- links to the lists -------------------------------------------------------------------------------
def _view(endpoint: str):
    for admin in current_app.extensions.get("admin", []):
        for view in admin._views:
            if getattr(view, "endpoint", None) == endpoint:
                return view
    raise LookupError(endpoint)


def _kept_link(key: tuple, make) -> str:
    """A home page link, kept by endpoint, conditions and site root (admin/menu.py ``kept_piece``): the same text
    for everyone — no user, unit or row in it, only states, a day, a filter's number."""
    return kept_piece("xmt.home_links", (*key, request.script_root), make)


def list_url(endpoint: str, *conditions) -> str:
    """The list of ``endpoint`` filtered by ``conditions``: (column name, Flask-Admin filter class, value)."""
    def make():
        view = _view(endpoint)
        args = {}
        for position, (column, operation, value) in enumerate(conditions):
            arg = view.filter_url_arg(column, operation).replace("flt0_", f"flt{position}_", 1)
            args[arg] = value
        return url_for(f"{endpoint}.index_view", **args)

    return _kept_link(("list", endpoint, conditions), make)


def details_url(endpoint: str, id_: int) -> str:
    """``url_for(f"{endpoint}.details_view", id=id_)``, its path made once."""
    return _kept_link(("details", endpoint), lambda: url_for(f"{endpoint}.details_view")) + f"?id={int(id_)}"


def _codes(*states) -> str:
    return ",".join(state.name for state in states)


# --- the page -------------------------------------------------------------------------------------------
def home_page(user, today: dt.date | None = None) -> dict:
    """What admin/home.html shows: the day, and the page's body (admin/_home_body.html) made from
    :func:`home_context` — kept under the figures' key (scope, day, data version) with the language and the site
    root, which are all it is made of: the user's name is in the page's first line, outside the body. When the data
    version moved but nothing the page shows did (most writes: an edit, an upload), the body made from the same
    figures and rows is taken again (kept under them: ``bodies_made``)."""
    today = today or dt.date.today()
    key = figures_key(user, today)
    body_key = None if key is None else (key, locale_name(), request.script_root)
    body = bodies.get(body_key) if body_key is not None else None
    if body is None:
        gathered = _gather(user, today, key)
        made_key = gathered.made_key(key, locale_name(), request.script_root)
        body = bodies_made.get(made_key)
        if body is None:
            body = Markup(render_template("admin/_home_body.html", **_context(gathered)))
            bodies_made.put(made_key, body)
        if body_key is not None:
            bodies.put(body_key, body)
    return {"today": today, "body": body}


_NOT_GIVEN = object()


def home_context(user, today: dt.date | None = None, key=_NOT_GIVEN) -> dict:
    """The home page's figures, cards and charts for ``user`` (``key``: :func:`figures_key`, when the caller has
    read it already)."""
    today = today or dt.date.today()
    return _context(_gather(user, today, figures_key(user, today) if key is _NOT_GIVEN else key))


@dataclass
class _Gathered:
    """What a home page is made of: the user's cards, the figures and the cards' first rows."""

    home: "_Home"
    sections: list
    figures: Figures
    first: dict

    def made_key(self, key, locale: str, script_root: str) -> tuple:
        """Everything the body is made of: the scope, day and settings (``home_key``), the reporting month, the
        minute of the department's clock (the figures' key's last part), the language, the site root, every count
        row and every card's first rows."""
        home = self.home
        return ("made", *home_key(home.user, home.today), home.role, home.period,
                key[-1] if key is not None and policy.sees_all_units(home.user) else None, locale, script_root,
                frozenset(self.figures.accounts), frozenset(self.figures.record_rows),  # (in the ledger's order)
                tuple((name, tuple(rows)) for name, rows in sorted(self.first.items())))


def _gather(user, today: dt.date, key) -> _Gathered:
    role = policy.role_of(user)
    period = reports.reporting_period(today)
    months = [reports.add_months(period, -i) for i in range(11, -1, -1)]
    everyone = policy.sees_all_units(user)
    # A unit's figures are kept whole until its unit (or everything) changes; the department's are brought up to
    # date unit by unit (home_figures.Ledger), and so are the rows of its cards led by the unit.
    kept = figures_kept.get(key) if key is not None and not everyone else None
    if kept is not None:
        figures, first = kept
    elif everyone:
        figures = Figures(*department_figures(user, today, period, months), dormant_rule(user, today))
    else:
        figures = Figures(account_figures(user, today, period), record_figures(user, today, months, role in UNIT_ROLES),
                          dormant_rule(user, today))
    home = _Home(user, role, today, period, figures)
    sections = home.sections()
    if kept is None:
        empty = {card.key for section in sections for card in section.cards if not card.count}
        if everyone:  # the cards led by the unit are kept in the ledger, empty or not
            first = department_first_rows((*home_key(user, today), period), [
                (name, part) for name, part in home.parts if name in home.led or name not in empty], home.led)
        else:
            first = first_rows((*home_key(user, today), period), [(name, part) for name, part in home.parts
                                                                  if name not in empty])
        if key is not None and not everyone:
            figures_kept.put(key, (figures, first))
    return _Gathered(home, sections, figures, first)


def _context(gathered: _Gathered) -> dict:
    home, figures, sections, first = gathered.home, gathered.figures, gathered.sections, gathered.first
    today, period, unit_role = home.today, home.period, home.role in UNIT_ROLES
    months = [reports.add_months(period, -i) for i in range(11, -1, -1)]
    for section in sections:
        for card in section.cards:
            card.rows = home.render_rows(card.key, first.get(card.key, []))
    own_accounts = home.render_rows("own_accounts", first.get("own_accounts", [])) if unit_role else []
    return {
        "today": today,
        "period": period,
        "unit_role": unit_role,
        "by_status": [(s, figures.by_status.get(s, 0), list_url("accounts", ("status", f.EnumEqualFilter, s.name)))
                      for s in AccountStatus],
        "by_platform": [] if unit_role else [
            (p, n, list_url("accounts", ("status", f.EnumEqualFilter, AccountStatus.approved.name),
                            ("platform", f.EnumEqualFilter, p.name)))
            for p, n in figures.approved_by_platform()],
        "by_unit_kind": [] if unit_role else [
            (k, n, list_url("accounts", ("status", f.EnumEqualFilter, AccountStatus.approved.name),
                            ("kind", f.EnumEqualFilter, k.name)))
            for k, n in figures.approved_by_unit_kind()],
        "own_accounts": own_accounts,
        "own_total": sum(figures.by_status.values()),
        "charts": figures.charts(months),
        "sections": sections,
        "cards": {card.key: card for section in sections for card in section.cards},
        "schedule_needed": _schedule_needed(home.role, today, figures.years),
    }


class _Home:
    """The sections and cards of one user's home, and the first-rows statement's parts for them."""

    def __init__(self, user, role, today, period, figures: Figures):
        self.user, self.role, self.today, self.period, self.figures, self.years = \
            user, role, today, period, figures, figures.years
        self.parts: list = []
        self._renderers: dict = {}
        #: The cards whose rows are sorted by their unit first: card key → (the units' order, "@name" or "@code";
        #: how many rows it lists) — the department's ledger keeps their rows per unit (home_figures.Ledger).
        self.led: dict[str, tuple[str, int]] = {}

    # --- sections per role ------------------------------------------------------------------------------
    def sections(self) -> list[Section]:
        if self.role == Role.dept_admin:
            return [Section(gettext("Waiting for you"), [
                self.publications_in("pending_publications", _l("Publication requests to authorise (Article 12)"),
                                     (PublicationStatus.dept_review,), department=True),
                self.accounts_in("pending_accounts", _l("Registrations to approve"), (AccountStatus.dept_review,)),
                self.changes_in("pending_changes", _l("Change requests to approve"), (ReviewStatus.dept_review,)),
                self.reports_in("pending_reports", _l("Monthly reports to approve"), (ReviewStatus.dept_review,)),
                self.red_flags()]),
                Section(gettext("Needs attention"), self.attention())]
        if self.role == Role.auditor:
            return [Section(gettext("Needs attention"), [*self.attention(), self.red_flags()])]
        if self.role in UNIT_ROLES:
            sections = []
            if self.role == Role.unit_leader:
                sections.append(Section(gettext("Waiting for your review"), [
                    self.accounts_in("review_accounts", _l("Registrations to review"), (AccountStatus.unit_review,)),
                    self.changes_in("review_changes", _l("Change requests to review"), (ReviewStatus.unit_review,)),
                    self.reports_in("review_reports", _l("Monthly reports to review"), (ReviewStatus.unit_review,)),
                    self.publications_in("review_publications", _l("Publication requests to review"),
                                         (PublicationStatus.unit_review,))]))
            sections.append(Section(gettext("What your unit must do"), [
                self.accounts_in("submit_accounts", _l("Registrations to submit"), ACCOUNT_TO_SUBMIT, due=True),
                self.changes_in("submit_changes", _l("Change requests to submit"), RECORD_TO_SUBMIT, due=True),
                self.reports_in("submit_reports", _l("Monthly reports to submit"), RECORD_TO_SUBMIT, due=True),
                self.not_reported(), self.staff_changes(), self.dormant(), self.violations(), self.incidents(),
                self.publications_in("submit_publications", _l("Publication requests to submit (drafts, returned)"),
                                     (PublicationStatus.draft, PublicationStatus.returned)),
                self.unit_governance()]))
            self.own_accounts()
            return sections
        return []

    def attention(self) -> list[Card]:
        return [self.overdue_accounts(), self.overdue_changes(), self.not_reported(), self.dormant(),
                self.staff_changes(), self.incidents(), self.governance_gaps()]

    # --- cards ----------------------------------------------------------------------------------------
    def _add(self, key, select, render, led_by: str | None = None, limit: int = PREVIEW):
        """A card's first rows: ``select`` builds its statement (only when not kept: home_figures.statement),
        ``limit`` rows at most; ``led_by``: its rows are sorted by their unit's name ("@name") or code ("@code")
        first."""
        self.parts.append((key, select))
        self._renderers[key] = render
        if led_by:
            self.led[key] = (led_by, limit)

    def accounts_in(self, key, title, states, due=False) -> Card:
        count = sum(self.figures.by_status.get(s, 0) for s in states)
        url = list_url("accounts", self._status_filter(states))
        part = None
        if due:
            overdue = self.figures.overdue_accounts
            part = (gettext("%(count)s overdue", count=overdue), overdue, self._overdue_accounts_url()) \
                if overdue else None
        order = Account.registration_due if due else Account.submitted_at
        self._add(key, lambda: self._accounts_select(key, Account.status.in_(states), order),
                  lambda r: self._account_row(r, due))
        return Card(key, str(title), count, url, part=part)

    def publications_in(self, key, title, states, department=False) -> Card:
        """发布报批 in ``states``; the department's card lists the urgent ones first, each with its time left (or how
        long overdue), and links the urgent part to the list filtered to them (第十二条)."""
        count = sum(self.figures.publications.get(state.name, (0, 0, 0))[0] for state in states)
        urgent = sum(self.figures.publications.get(state.name, (0, 0, 0))[1] for state in states)
        status = self._status_filter(states)
        part = None
        if department and urgent:
            part = (gettext("%(count)s urgent", count=urgent), urgent,
                    list_url("publications", status, ("urgency", f.EnumEqualFilter, Urgency.urgent.name)))
        order = (sa.case((Publication.urgency == Urgency.urgent, 0), else_=1), Publication.due_at, Publication.id)
        self._add(key, lambda: policy.scope(self.user, Publication, sa.select(*_row(
            key, order, Publication.id, Publication.headline, Unit.name, code=Publication.urgency,
            extra=Publication.due_at)).join(Unit, Publication.unit_id == Unit.id)
            .where(Publication.status.in_(states)).order_by(*order).limit(PREVIEW)),
            lambda r: self._publication_row(r, department))
        return Card(key, str(title), count, list_url("publications", status), part=part, danger=bool(urgent))

    def _publication_row(self, row, department: bool) -> dict:
        note, late = "", False
        if department and row.extra:
            due = dt.datetime.fromisoformat(str(row.extra))
            note, late = publications.time_left(due)
        urgent = text(Urgency[row.code]) if row.code == Urgency.urgent.name else ""
        return {"url": url_for("publications.details_view", id=row.id), "name": row.name,
                "note": _join(self._unit(row.unit), urgent, note), "late": late}

    def overdue_accounts(self) -> Card:
        key = "overdue_accounts"
        self._add(key, lambda: self._accounts_select(
            key, Account.status.in_(ACCOUNT_TO_SUBMIT) & (Account.registration_due < self.today),
            Account.registration_due), lambda r: self._account_row(r, True))
        return Card(key, gettext("Overdue registrations"), self.figures.overdue_accounts,
                    self._overdue_accounts_url(), danger=True)

    def _overdue_accounts_url(self) -> str:
        return list_url("accounts", self._status_filter(ACCOUNT_TO_SUBMIT),
                        ("registration_due", f.DateSmallerFilter, self.today.isoformat()))

    def changes_in(self, key, title, states, due=False) -> Card:
        count = self.figures.records(self.figures.changes, states)
        part = None
        if due and self.figures.overdue_changes:
            part = (gettext("%(count)s overdue", count=self.figures.overdue_changes), self.figures.overdue_changes,
                    self._overdue_changes_url())
        self._add(key, lambda: self._changes_select(key, ChangeRecord.status.in_(states),
                                            ChangeRecord.due_on if due else ChangeRecord.submitted_at),
                  lambda r: self._change_row(r, due))
        return Card(key, str(title), count, list_url("changes", self._status_filter(states)), part=part)

    def overdue_changes(self) -> Card:
        key = "overdue_changes"
        self._add(key, lambda: self._changes_select(
            key, ChangeRecord.status.in_(RECORD_TO_SUBMIT) & (ChangeRecord.due_on < self.today), ChangeRecord.due_on),
            lambda r: self._change_row(r, True))
        return Card(key, gettext("Overdue change requests"), self.figures.overdue_changes,
                    self._overdue_changes_url(), danger=True)

    def _overdue_changes_url(self) -> str:
        return list_url("changes", self._status_filter(RECORD_TO_SUBMIT),
                        ("due_on", f.DateSmallerFilter, self.today.isoformat()))

    def reports_in(self, key, title, states, due=False) -> Card:
        count = self.figures.records(self.figures.reports, states)
        order = MonthlyReport.period if due else MonthlyReport.submitted_at
        self._add(key, lambda: self._reports_select(key, MonthlyReport.status.in_(states), order),
                  lambda r: self._report_row(r, due))
        return Card(key, str(title), count, list_url("reports", self._status_filter(states)))

    def red_flags(self) -> Card:
        key = "red_flags"
        self._add(key, lambda: self._reports_select(key, MonthlyReport.involves_classified.is_(True)
                                            & (MonthlyReport.status != ReviewStatus.approved), MonthlyReport.period),
                  lambda r: self._report_row(r, False))
        url = list_url("reports", ("involves_classified", f.BooleanEqualFilter, "1"),
                       ("status", f.EnumFilterNotEqual, ReviewStatus.approved.name))
        return Card(key, gettext("Red flags: reports involving classified information"), self.figures.red_flags,
                    url, danger=True)

    def not_reported(self) -> Card:
        key = "missing_reports"
        order = (Unit.name, Account.name, Account.id)
        select = lambda: policy.scope(self.user, Account, sa.select(*_row(  # noqa: E731
            key, order, Account.id, Account.name, Unit.name, code=Account.platform, extra=Account.platform_other))
            .join(Unit, Account.unit_id == Unit.id)
            .where(reports.not_reported(self.period, self.user, per_account=True))  # the first five: per account
            .order_by(*order).limit(PREVIEW))
        self._add(key, select, self._not_reported_row, led_by="@name")
        title = gettext("Monthly reports of %(month)s not submitted (due by %(day)s)", month=month_text(self.period),
                        day=date_text(reports.report_window_end(self.period)))
        url = url_for("reports.missing_view", month=self.period.strftime("%Y-%m"))
        late = self.today > reports.report_window_end(self.period)
        return Card(key, title, self.figures.not_reported, url, danger=late)

    def dormant(self) -> Card:
        key = "dormant"
        rule = self.figures.dormant_rule

        def select():
            # The first five in order, each account's reports read for it (per_account), not the whole window's.
            first = dormant_rule(self.user, self.today, per_account=True)
            flag = sa.case((first.no_report, 1), else_=0) + sa.case((first.no_posts, 2), else_=0)
            order = (Unit.name, Account.name, Account.id)
            return policy.scope(self.user, Account, first.join(
                sa.select(*_row(key, order, Account.id, Account.name, Unit.name, flag=flag))
                .join(Unit, Account.unit_id == Unit.id)).where(first.condition).order_by(*order).limit(PREVIEW))
        self._add(key, select, lambda r: self._dormant_row(r, rule), led_by="@name")
        return Card(key, gettext("Suspected dormant accounts"), self.figures.dormant, url_for("reports.dormant_view"))

    def staff_changes(self) -> Card:
        key = "staff"
        def select():
            if few_units(self.user):  # a unit's or a few units' accounts, each one's team read by its index
                return self._staff_of_each_account(key)
            order = (Unit.name, Account.name, Account.id, TeamMember.id)
            return policy.scope(self.user, Account, sa.select(*_row(
                key, order, Account.id, Account.name, Unit.name, code=Manager.employment_status, extra=Manager.name,
                flag=sa.case((breaks_article_8(), 1), else_=0)))
                .select_from(TeamMember).join(Account, TeamMember.account_id == Account.id)
                .join(Manager, TeamMember.manager_id == Manager.id).join(Unit, Account.unit_id == Unit.id)
                .where(Account.status != AccountStatus.closed, staff.flagged_member())
                .order_by(*order).limit(PREVIEW * 4))  # a few people per account

        self._add(key, select, None, led_by="@name", limit=PREVIEW * 4)
        url = list_url("accounts", ("id", StaffChangeFilter, "1"))
        return Card(key, gettext("Accounts whose team needs a change (left, students, Article 8)"),
                    self.figures.staff, url, danger=True)

    def _staff_of_each_account(self, key: str):
        """The staff card's rows for a unit's or a few units' accounts (PostgreSQL): each account's flagged team
        lines through a LATERAL subquery (kept apart by its OFFSET 0), looked up by the account index — joined
        plainly, the planner hashes every team line of the university against the unit's accounts."""
        lines = (sa.select(TeamMember.id, Manager.employment_status, Manager.name,
                           sa.case((breaks_article_8(), 1), else_=0).label("flag"))
                 .join(Manager, TeamMember.manager_id == Manager.id)
                 .where(TeamMember.account_id == Account.id, staff.flagged_member()).offset(0).lateral("lines"))
        order = (Unit.name, Account.name, Account.id, lines.c.id)
        return policy.scope(self.user, Account, sa.select(*_row(
            key, order, Account.id, Account.name, Unit.name, code=lines.c.employment_status, extra=lines.c.name,
            flag=lines.c.flag))
            .select_from(Account).join(Unit, Account.unit_id == Unit.id).join(lines, sa.true())
            .where(Account.status != AccountStatus.closed).order_by(*order).limit(PREVIEW * 4))

    def violations(self) -> Card:
        key = "violations"
        order = (Violation.rectification_due, Violation.id)
        select = lambda: policy.scope(self.user, Violation, sa.select(*_row(  # noqa: E731
            key, order, Violation.id, Account.name, Unit.name, day=Violation.rectification_due, code=Violation.measure))
            .join(Account, Violation.account_id == Account.id).join(Unit, Violation.unit_id == Unit.id)
            .where(Violation.resolved_on.is_(None)).order_by(*order).limit(PREVIEW))
        self._add(key, select, self._violation_row)
        url = list_url("violations", ("resolved_on", f.FilterEmpty, "1"))
        return Card(key, gettext("Violations to rectify"), self.figures.open_violations, url, danger=True)

    def incidents(self) -> Card:
        """第十四条: 不良信息 / 舆情 incidents not yet handled (nor escalated), the longest-open first."""
        key = "incidents"
        order = (Incident.found_at, Incident.id)
        select = lambda: policy.scope(self.user, Incident, sa.select(*_row(  # noqa: E731
            key, order, Incident.id, Account.name, Unit.name, code=Incident.found_at, extra=Incident.kind))
            .join(Account, Incident.account_id == Account.id).join(Unit, Incident.unit_id == Unit.id)
            .where(Incident.status.in_(OPEN_INCIDENT_STATES)).order_by(*order).limit(PREVIEW))
        self._add(key, select, self._incident_row)
        url = list_url("incidents", self._status_filter(OPEN_INCIDENT_STATES))
        return Card(key, gettext("Incidents being handled (Article 14)"), self.figures.open_incidents, url,
                    danger=True)

    def governance_gaps(self) -> Card:
        """Units with accounts but no 新媒体管理制度 on file or no named 第一责任人/责任领导 (第九条, 第十条)."""
        key = "governance"
        order = (Unit.code, Unit.id)
        select = lambda: policy.scope_units(self.user, sa.select(  # noqa: E731
            *_row(key, order, Unit.id, Unit.name, Unit.name, flag=governance.gap_flags()))
            .where(governance.gap()).order_by(*order).limit(PREVIEW))
        self._add(key, select, lambda r: {"url": url_for("units.details_view", id=r.id), "name": r.name,
                                          "note": governance.gap_text(r.flag), "late": False}, led_by="@code")
        return Card(key, gettext("Units with accounts but without new-media management rules or named responsible "
                                 "persons (Articles 9, 10)"), self.figures.governance[0],
                    list_url("units", ("id", GovernanceGapFilter, "1")))

    def unit_governance(self) -> Card:
        """The unit's own: its rules on file, its 第一责任人 and 责任领导 named; each missing item is a row."""
        _units, no_rules, no_persons = self.figures.governance
        rows = []
        if no_persons:
            rows.append({"url": url_for("responsibles.create_view", url=url_for("responsibles.unit_view")), "late": True,
                         "name": gettext("Name the first responsible person and the responsible leader"),
                         "note": gettext("Article 9: the principal Party and administrative heads are the first "
                                         "responsible persons")})
        if no_rules:
            rows.append({"url": url_for("unit_rules.create_view", url=url_for("responsibles.unit_view")), "late": True,
                         "name": gettext("Upload the unit's new-media management rules"),
                         "note": gettext("Article 10: establish sound new-media management rules")})
        self._renderers["unit_governance"] = rows
        return Card("unit_governance", gettext("New-media management rules and responsible persons of your unit"),
                    no_rules + no_persons, url_for("responsibles.unit_view"), danger=True)

    def own_accounts(self) -> None:
        key = "own_accounts"
        order = (Account.name, Account.id)
        select = lambda: policy.scope(self.user, Account, sa.select(*_row(  # noqa: E731
            key, order, Account.id, Account.name, Unit.name, day=Account.registration_due, code=Account.status,
            extra=Account.platform)).join(Unit, Account.unit_id == Unit.id)
            .order_by(*order).limit(OWN_ACCOUNTS))
        self._add(key, select, self._own_account_row)

    # --- the first rows' selects ---------------------------------------------------------------------
    def _accounts_select(self, key, condition, order):
        order = (order, Account.id)
        return policy.scope(self.user, Account, sa.select(*_row(
            key, order, Account.id, Account.name, Unit.name, day=Account.registration_due, code=Account.status))
            .join(Unit, Account.unit_id == Unit.id).where(condition).order_by(*order).limit(PREVIEW))

    def _changes_select(self, key, condition, order):
        order = (order, ChangeRecord.id)
        return policy.scope(self.user, ChangeRecord, sa.select(*_row(
            key, order, ChangeRecord.id, Account.name, Unit.name, day=ChangeRecord.due_on, code=ChangeRecord.status,
            extra=ChangeRecord.kind)).join(Account, ChangeRecord.account_id == Account.id)
            .join(Unit, ChangeRecord.unit_id == Unit.id).where(condition).order_by(*order).limit(PREVIEW))

    def _reports_select(self, key, condition, order):
        order = (order, MonthlyReport.id)
        return policy.scope(self.user, MonthlyReport, sa.select(*_row(
            key, order, MonthlyReport.id, MonthlyReport.snapshot_account_name, Unit.name, day=MonthlyReport.period,
            code=MonthlyReport.status)).join(Unit, MonthlyReport.unit_id == Unit.id)
            .where(condition).order_by(*order).limit(PREVIEW))

    def _status_filter(self, states) -> tuple:
        if len(states) == 1:
            return ("status", f.EnumEqualFilter, states[0].name)
        return ("status", f.EnumFilterInList, _codes(*states))

    # --- rows as the card shows them: {url, name, note, late} -------------------------------------------
    def render_rows(self, key: str, rows: list) -> list[dict]:
        if key == "unit_governance":
            return self._renderers[key]
        if key == "staff":
            return self._staff_rows(rows)
        return [self._renderers[key](row) for row in rows]

    def _unit(self, name: str) -> str:
        """The unit's name in a row's note, for those who see every unit."""
        return name if policy.sees_all_units(self.user) else ""

    def _due(self, day: dt.date | None) -> tuple[str, bool]:
        if day is None:
            return "", False
        note = gettext("due %(day)s", day=date_text(day))
        if workdays.is_provisional(day, self.years):
            note += workdays.provisional_note()
        return note, day < self.today

    def _account_row(self, row, due: bool) -> dict:
        note, late = self._due(row.day) if due else ("", False)
        return {"url": details_url("accounts", row.id), "name": row.name,
                "note": _join(self._unit(row.unit), note or text(AccountStatus[row.code])), "late": late}

    def _change_row(self, row, due: bool) -> dict:
        note, late = self._due(row.day) if due else ("", False)
        return {"url": details_url("changes", row.id),
                "name": f"{row.name} · {text(ChangeKind[row.extra])}",
                "note": _join(self._unit(row.unit), note or text(ReviewStatus[row.code])), "late": late}

    def _report_row(self, row, due: bool) -> dict:
        month = row.day
        note, late = self._due(reports.report_window_end(month)) if due else ("", False)
        if due:  # the window of the 第十五条 is not counted in working days: never provisional
            note = gettext("due %(day)s", day=date_text(reports.report_window_end(month)))
        return {"url": details_url("reports", row.id), "name": f"{row.name} · {month_text(month)}",
                "note": _join(self._unit(row.unit), note or text(ReviewStatus[row.code])), "late": late}

    def _not_reported_row(self, row) -> dict:
        platform = text(Platform[row.code]) if row.code else ""
        if row.code == Platform.other.name and row.extra:
            platform = f"{platform}（{row.extra}）"
        return {"url": details_url("accounts", row.id), "name": row.name,
                "note": _join(self._unit(row.unit), platform),
                "late": False}

    def _dormant_row(self, row, rule) -> dict:
        reasons = reports.dormant_reasons(rule, bool(row.flag & 1), bool(row.flag & 2))
        return {"url": details_url("accounts", row.id), "name": row.name,
                "note": _join(self._unit(row.unit), "；".join(reasons)), "late": False}

    def _staff_rows(self, rows) -> list[dict]:
        by_account: dict[int, dict] = {}
        for row in rows:
            entry = by_account.get(row.id)
            if entry is None:
                if len(by_account) == PREVIEW:
                    break
                entry = by_account[row.id] = {"url": details_url("accounts", row.id), "name": row.name,
                                              "unit": row.unit, "people": [], "late": False}
            person = f"{row.extra}（{text(EmploymentStatus[row.code])}）"
            if row.flag:
                person += gettext(" — verified account, breaks Article 8")
            entry["people"].append(person)
        return [{**entry, "note": _join(self._unit(entry["unit"]), "、".join(entry["people"]))}
                for entry in by_account.values()]

    def _violation_row(self, row) -> dict:
        note, late = self._due(row.day)
        if row.day is not None:  # a rectification deadline is a calendar date set by the department
            note = gettext("rectify by %(day)s", day=date_text(row.day))
        return {"url": details_url("violations", row.id), "name": row.name,
                "note": _join(text(Measure[row.code]), note), "late": late}

    def _incident_row(self, row) -> dict:
        found = dt.datetime.fromisoformat(str(row.code)[:19]) if row.code else None
        return {"url": url_for("incidents.details_view", id=row.id), "name": f"{row.name} · {text(IncidentKind[row.extra])}",
                "note": _join(self._unit(row.unit), gettext("found %(time)s", time=datetime_text(found))), "late": False}

    def _own_account_row(self, row) -> dict:
        status = AccountStatus[row.code]
        note, late = self._due(row.day) if status in ACCOUNT_TO_SUBMIT else ("", False)
        return {"url": details_url("accounts", row.id), "name": row.name,
                "platform": text(Platform[row.extra]), "status": status, "note": note, "late": late}


def _join(*parts) -> str:
    return " · ".join(part for part in parts if part)


def _schedule_needed(role, today: dt.date, years) -> dict | None:
    """For the department, from November (CALENDAR_WARN_FROM_MONTH): next year's 调休 schedule, if missing,
    must be entered (deadlines in that year are counted Monday to Friday until then)."""
    if role != Role.dept_admin:
        return None
    year = workdays.missing_next_year(today, years)
    if year is None:
        return None
    return {"year": year, "url": url_for("calendar.batch_view"),
            "text": gettext("Enter the holiday and make-up working day schedule of %(year)s: until it is entered, "
                            "deadlines in %(year)s are counted Monday to Friday and are provisional.", year=year)}
