"""The head of a record's page (templates/admin/scoped_details.html): its state, its deadline and the next
steps its state and the user's role allow — the way an office worker reads a file: what is it, where is it,
by when, and what can I do with it now.

Every button here is a link or a form to an existing endpoint that checks the policy again (a forged request
is refused there); this module only decides what to offer, with models/policy.py (steps_for, can_*, owns).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import g, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup

from models import (OPEN_INCIDENT_STATES, Account, AccountStatus, ChangeKind, ChangeRecord, Incident, MonthlyReport,
                    Publication, PublicationStatus, ReviewStatus, Violation, db, policy)
from services import incidents, publications, reports, workflow
from services.text import date_text, datetime_text, month_text
from services.workdays import provisional_note

from .formatters import schedule_known, status_badge

#: States in which a record is still on its way (its deadline matters).
OPEN_REVIEW = (ReviewStatus.draft, ReviewStatus.returned, ReviewStatus.unit_review, ReviewStatus.dept_review)
WITH_UNIT = (ReviewStatus.draft, ReviewStatus.returned)
#: The change kinds offered under 申请变更: every kind but 注销, which has its own button (a kind added to ChangeKind,
#: such as the public entry of issue 16, is offered without a second list to keep up to date); 其他 comes last.
CHANGE_KINDS = (*(kind for kind in ChangeKind if kind not in (ChangeKind.closure, ChangeKind.other)), ChangeKind.other)


@dataclass
class Deadline:
    label: str
    day: dt.date | None = None
    #: Counted in working days in a year whose holiday schedule is missing (暂定).
    provisional: bool = False
    #: Why it is provisional, for the mark's tooltip.
    note: str = ""
    #: Past the deadline and not yet submitted.
    overdue: bool = False
    #: Submitted after the deadline (逾期, the record's late flag).
    late: bool = False
    #: Done already (e.g. the month's report is in): shown as a plain line.
    done: bool = False
    url: str | None = None


@dataclass
class Link:
    label: str
    url: str
    style: str = "outline-primary"
    new_tab: bool = False


@dataclass
class Menu:
    label: str
    links: list[Link]


@dataclass
class RecordHeader:
    state: Markup
    deadlines: list[Deadline] = field(default_factory=list)
    #: Workflow steps (name, label), posted to the view's action/ URL with the opinion box.
    steps: list[tuple[str, str]] = field(default_factory=list)
    #: What the user may do besides the steps (edit, start a change, file a report), links and menus.
    actions: list[Link | Menu] = field(default_factory=list)
    #: Reading: the printable form, the record's account, its history (every reader).
    reading: list[Link] = field(default_factory=list)
    #: Where the record belongs, under its name (unit, media type).
    context: list[str] = field(default_factory=list)


def working_day_deadline(label: str, day: dt.date | None, today: dt.date, overdue_open: bool, late: bool = False,
                         url: str | None = None) -> Deadline | None:
    """A deadline counted in working days (第六条, 第八条): 暂定 when its year has no holiday schedule."""
    if day is None:
        return None
    provisional = not schedule_known(day.year)
    return Deadline(label, day, provisional=provisional, note=provisional_note() if provisional else "",
                    overdue=overdue_open and today > day, late=late, url=url)


class RecordPageMixin:
    """Mixed into the views of records that have a state (accounts, changes, reports, violations)."""

    def record_header(self, model, return_url: str | None = None) -> RecordHeader:
        user = current_user._get_current_object()
        today = dt.date.today()
        build = {Account: account_header, ChangeRecord: change_header, MonthlyReport: report_header,
                 Violation: violation_header, Incident: incident_header, Publication: publication_header}[type(model)]
        header = build(self, user, model, today)
        unit = getattr(model, "unit", None)
        header.context = [str(unit.name)] if unit is not None else []
        if isinstance(model, Account):
            header.context.append(model.platform_label)
        header.steps = [(name, workflow.step_label(name, model)) for name in policy.steps_for(user, model)]
        if self.row_can_edit(model):
            header.actions.insert(0, Link(edit_label(user, model), self.get_url(".edit_view", id=model.id, url=return_url),
                                          "outline-secondary"))
        if self.print_url(model):
            header.reading.append(Link(print_label(model), self.print_url(model), "outline-secondary", True))
        account = getattr(model, "account", None)
        if account is not None and policy.owns(user, account):
            header.reading.append(Link(gettext("Open the account “%(name)s”", name=account.name),
                                       url_for("accounts.details_view", id=account.id), "outline-secondary"))
        if self.history_url(model):
            header.reading.append(Link(gettext("View the operation log"), self.history_url(model),
                                       "outline-secondary"))
        return header


def edit_label(user, model) -> str:
    if isinstance(model, Violation) and not policy.sees_all_units(user):
        return gettext("Record the rectification")
    return gettext("Edit")


def print_label(model) -> str:
    if isinstance(model, Account):
        return gettext("Print the registration form")
    return gettext("Print the monthly report form")


# --- accounts ------------------------------------------------------------------------------------------
def account_header(view, user, account: Account, today: dt.date) -> RecordHeader:
    header = RecordHeader(status_badge(None, None, account, "status"))
    status = account.status
    if status in (AccountStatus.draft, AccountStatus.returned, AccountStatus.unit_review, AccountStatus.dept_review):
        line = working_day_deadline(gettext("Registration due"), account.registration_due, today,
                                    status in (AccountStatus.draft, AccountStatus.returned), account.is_late)
        header.deadlines += [line] if line else []
    # A change request is filed only for a registered account: no query for the others.
    change = open_change(account) if status in (AccountStatus.approved, AccountStatus.suspended) else None
    if change is not None:
        line = working_day_deadline(gettext("Change (%(kind)s) due", kind=change.kind.label), change.due_on, today,
                                    change.status in WITH_UNIT, change.is_late,
                                    url_for("changes.details_view", id=change.id))
        header.deadlines += [line] if line else []
    period, report = None, None
    if status == AccountStatus.approved:
        period, report, lines = report_deadlines(account, today)
        header.deadlines += lines
    if status == AccountStatus.suspended:
        header.deadlines += rectification_deadlines(account, today)

    owner = policy.owns(user, account)
    if owner and status in (AccountStatus.approved, AccountStatus.suspended) \
            and policy.can_create(user, ChangeRecord):
        header.actions.append(Menu(gettext("Apply for a change"), [
            Link(str(kind.label), change_url(account, kind)) for kind in CHANGE_KINDS]))
        header.actions.append(Link(gettext("Close the account"), change_url(account, ChangeKind.closure),
                                   "outline-danger"))
    if owner and status != AccountStatus.closed and policy.can_create(user, Incident):
        header.actions.append(Link(gettext("Record an incident (Article 14)"),
                                   url_for("incidents.create_view", account_id=account.id), "outline-secondary"))
    if owner and period is not None:
        if report is None and policy.can_create(user, MonthlyReport):
            header.actions.append(Link(gettext("File the monthly report (%(month)s)", month=month_text(period)),
                                       url_for("reports.create_view", account_id=account.id,
                                               month=period.strftime("%Y-%m"))))
        elif report is not None and report.status in WITH_UNIT and policy.can_edit(user, report):
            header.actions.append(Link(gettext("File the monthly report (%(month)s)", month=month_text(period)),
                                       url_for("reports.edit_view", id=report.id)))
    return header


def change_url(account: Account, kind: ChangeKind) -> str:
    """The change form with the account and the kind chosen (the contract with admin/changes.py)."""
    return url_for("changes.create_view", account_id=account.id, kind=kind.name)


def open_change(account: Account) -> ChangeRecord | None:
    """The account's newest change request still on its way, if any."""
    return (db.session.query(ChangeRecord)
            .filter(ChangeRecord.account_id == account.id, ChangeRecord.status.in_(OPEN_REVIEW))
            .order_by(ChangeRecord.id.desc()).first())


def report_deadlines(account: Account, today: dt.date):
    """The monthly report now due (第十五条): its month, the report if one exists, and the lines to show —
    the month's report if it is in, then the next one."""
    period = reports.reporting_period(today)
    if account.created_on > reports.month_end(period):
        period = reports.add_months(period, 1)  # created this month: its first report is next month's
    report = (db.session.query(MonthlyReport)
              .filter(MonthlyReport.account_id == account.id, MonthlyReport.period == period).one_or_none())
    due = reports.report_window_end(period)
    label = gettext("Monthly report for %(month)s due", month=month_text(period))
    if report is None or report.status in WITH_UNIT:
        url = url_for("reports.details_view", id=report.id) if report is not None else None
        return period, report, [Deadline(label, due, overdue=today > due, url=url)]
    done = Deadline(gettext("Monthly report for %(month)s is in (%(state)s)", month=month_text(period),
                            state=report.status.label), done=True, url=url_for("reports.details_view", id=report.id))
    following = reports.add_months(period, 1)
    return period, report, [done, Deadline(gettext("Monthly report for %(month)s due", month=month_text(following)),
                                           reports.report_window_end(following))]


def rectification_deadlines(account: Account, today: dt.date) -> list[Deadline]:
    """A suspended account's open violations: their rectification deadlines (整改)."""
    rows = (db.session.query(Violation)
            .filter(Violation.account_id == account.id, Violation.resolved_on.is_(None))
            .order_by(Violation.occurred_on.desc()).all())
    return [Deadline(gettext("Rectification due (%(kind)s)", kind=v.kind.label), v.rectification_due,
                     overdue=bool(v.rectification_due and today > v.rectification_due),
                     url=url_for("violations.details_view", id=v.id))
            for v in rows if v.rectification_due]


# --- change requests, monthly reports, violations -----------------------------------------------------
def change_header(view, user, change: ChangeRecord, today: dt.date) -> RecordHeader:
    header = RecordHeader(status_badge(None, None, change, "status"))
    if change.status in OPEN_REVIEW:
        line = working_day_deadline(gettext("Change report due"), change.due_on, today,
                                    change.status in WITH_UNIT, change.is_late)
        header.deadlines += [line] if line else []
    return header


def report_header(view, user, report: MonthlyReport, today: dt.date) -> RecordHeader:
    header = RecordHeader(status_badge(None, None, report, "status"))
    if report.status in OPEN_REVIEW and report.period:
        due = reports.report_window_end(report.period)
        header.deadlines.append(Deadline(gettext("Report due"), due, overdue=report.status in WITH_UNIT and today > due,
                                         late=report.is_late))
    return header


def incident_header(view, user, incident: Incident, today: dt.date) -> RecordHeader:
    """第十四条: the state, how long it took (or has taken so far), and the violation it became (第十三条)."""
    header = RecordHeader(status_badge(None, None, incident, "status"))
    took = incidents.time_to_handle(incident)
    if incident.status in OPEN_INCIDENT_STATES:
        header.deadlines.append(Deadline(gettext("Being handled for %(time)s", time=took)))
    elif took:
        header.deadlines.append(Deadline(gettext("Handled in %(time)s", time=took), done=True))
    violation = incident.violation
    if violation is not None and policy.owns(user, violation):
        header.reading.append(Link(gettext("Open the violation record"),
                                   url_for("violations.details_view", id=violation.id), "outline-danger"))
    return header


def incident_of(violation: Violation) -> Incident | None:
    """The incident a violation was escalated from (第十四条 → 第十三条), if any (looked up once per request: the
    page's head and its history link both ask)."""
    memo = g.setdefault("incident_of", {})
    if violation.id not in memo:
        memo[violation.id] = db.session.query(Incident).filter(Incident.violation_id == violation.id).one_or_none()
    return memo[violation.id]


def publication_header(view, user, publication: Publication, today: dt.date) -> RecordHeader:
    """发布报批 (第十二条): the state, urgency, the department's deadline with the time left, the publication."""
    state = status_badge(None, None, publication, "status")
    if publication.is_urgent:
        state = Markup("{} {}").format(state, state_badge("danger", str(publication.urgency.label)))
    header = RecordHeader(state)
    if publication.due_at is not None and publication.status == PublicationStatus.dept_review:
        left, overdue = publications.time_left(publication.due_at)
        header.deadlines.append(Deadline(gettext("Answer due %(time)s (%(left)s)", time=datetime_text(
            publication.due_at), left=left), overdue=overdue))
    if publication.published_at is not None:
        header.deadlines.append(Deadline(gettext("Published at %(time)s", time=datetime_text(publication.published_at)),
                                         done=True, url=publication.published_url))
    if publication.violation_id and policy.owns(user, publication):
        header.reading.append(Link(gettext("Open the violation record"),
                                   url_for("violations.details_view", id=publication.violation_id),
                                   "outline-danger"))
    return header


def violation_header(view, user, violation: Violation, today: dt.date) -> RecordHeader:
    due = violation.rectification_due
    if violation.resolved_on:
        state = state_badge("success", gettext("Rectified"))
    elif due and today > due:
        state = state_badge("danger", gettext("Rectification overdue"))
    else:
        state = state_badge("warning", gettext("Awaiting rectification"))
    header = RecordHeader(state)
    publication = db.session.query(Publication.id).filter(Publication.violation_id == violation.id).scalar()
    if publication is not None:  # made of a publication without authorisation (第十二条): the request's page
        header.reading.append(Link(gettext("Open the publication request"),
                                   url_for("publications.details_view", id=publication), "outline-secondary"))
    if due and not violation.resolved_on:
        header.deadlines.append(Deadline(gettext("Rectification due"), due, overdue=today > due))
    elif violation.resolved_on:
        header.deadlines.append(Deadline(gettext("Rectified on %(day)s", day=date_text(violation.resolved_on)),
                                         done=True))
    if violation.accountability_outcome is not None:
        header.deadlines.append(Deadline(gettext("Accountability (Article 17): %(outcome)s, %(day)s", outcome=str(
            violation.accountability_outcome.label), day=date_text(violation.accountability_decided_on)), done=True))
    incident = incident_of(violation)
    if incident is not None and policy.owns(user, incident):
        header.reading.append(Link(gettext("Open the incident it was escalated from"),
                                   url_for("incidents.details_view", id=incident.id), "outline-secondary"))
    return header


def state_badge(colour: str, label: str) -> Markup:
    return Markup('<span class="badge badge-{}">{}</span>').format(colour, label)
