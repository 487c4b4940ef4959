"""The registration, change, monthly-report and 发布报批 workflows (第六~八条, 第十二条, 第十三条, 第十五条).

One function per transition. Each checks the policy, moves the state (refusing an illegal
step with a message the user understands), sets who and when, and names the step in the audit
log. The caller commits: one commit per request.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext, lazy_gettext as _l

from models import (Account, AccountStatus, AuditAction, ChangeKind, ChangeRecord, Maintenance, Manager, Measure,
                    MonthlyReport, Publication, TeamMember, TeamRole, Violation, db, policy, utcnow)
from models.workflow import STEPS
from services import accounts, audit, changes, publications
from services.problems import Problem, raise_first
from services.reports import report_window_end
from services.text import date_text, local_time, month_text

#: The unit's statement on the 备案审批表 (第七条); the unit leader gives it when confirming.
UNIT_STATEMENT = "已知我单位开设此新媒体帐号，并明确对此帐号及发布内容负有管理责任。"
#: The reason recorded when the department returns records in bulk.
BULK_RETURN_REASON = _l("Returned in bulk by the Propaganda Department: please check the record and submit it again.")


class TransitionError(Exception):
    """A workflow step that is not allowed now; the message is shown to the user."""


STEP_LABELS = {
    "submit": _l("Submit"),
    "confirm": _l("Unit opinion: confirm"),
    "approve": _l("Approve"),
    "reject": _l("Return for revision"),
    "suspend": _l("Suspend"),
    "reinstate": _l("Reinstate"),
    "escalate": _l("Escalate to a violation"),
    "refuse": _l("Refuse authorisation"),
}
#: The labels of the same steps on a 发布报批 (第十二条), where the department authorises.
PUBLICATION_STEP_LABELS = {**STEP_LABELS, "confirm": _l("Unit opinion: agree"), "approve": _l("Authorise")}


def step_label(name: str, record=None) -> str:
    labels = PUBLICATION_STEP_LABELS if isinstance(record, Publication) else STEP_LABELS
    return str(labels[name])


def move(obj, actor, name: str, note: str | None = None) -> None:
    """Check that ``actor`` may take the step ``name`` on ``obj`` now (else NotAllowed / TransitionError), move
    its state and name the step in the audit log."""
    step = STEPS[type(obj)].get(name)
    policy.require(policy.owns(actor, obj), gettext("You may not act on this record."))
    policy.require(step is not None, gettext("Your role may not take this step."))
    policy.require(policy.may_take_some(actor, name, type(obj)), gettext("Your role may not take this step."))
    if not policy.may_take(actor, name, obj):
        raise TransitionError(gettext("“%(record)s” is %(status)s; this step is not possible now.",
                                      record=str(obj), status=str(obj.status.label)))
    obj.status = step.target
    audit.label(obj, step.action, note, actor)


# --- the steps ------------------------------------------------------------------------------------
def submit(obj, actor, note: str | None = None) -> None:
    """An editor sends a draft (or a returned record) to the unit leader; the server sets 报送时间."""
    _check_submittable(obj)
    move(obj, actor, "submit", note)
    now = utcnow()
    first_submission = obj.submitted_at is None
    obj.submitted_at = now
    obj.return_reason = None
    if first_submission or not obj.is_late:
        obj.is_late = is_late(obj, local_time(now))  # the deadline is a day in the configured zone


def confirm(obj, actor, opinion: str | None = None) -> None:
    """The unit leader gives the unit's opinion (单位意见) and sends the record to the department."""
    if isinstance(obj, Publication):
        _check_submittable(obj)  # the planned time may have passed while it waited for the leader
    default = {Account: UNIT_STATEMENT, Publication: gettext("Agreed; submitted to the Propaganda Department for "
                                                             "authorisation.")}
    opinion = (opinion or "").strip() or default.get(type(obj)) or gettext("Confirmed.")
    now = utcnow()
    # A 发布报批's department clock starts when it reaches the department (hours if urgent, working days otherwise);
    # worked out before the step, whose audit entry is written at the next flush.
    due = publications.answer_due(now, obj.urgency) if isinstance(obj, Publication) else None
    move(obj, actor, "confirm", opinion)
    obj.unit_opinion, obj.unit_signed_by, obj.unit_signed_at = opinion, actor, now
    if due is not None:
        obj.due_at = due


def approve(obj, actor, opinion: str | None = None, conditions: str | None = None,
            edited_content: str | None = None) -> None:
    """The department approves (宣传部意见); an account joins the matrix, a change is applied; a 发布报批 is
    authorised, with the department's conditions and its edited text where it gives them."""
    if isinstance(obj, MonthlyReport) and obj.involves_classified and not (obj.classified_handling or "").strip():
        raise TransitionError(gettext("“%(record)s” reports classified information: record how it was handled "
                                      "before approving it.", record=str(obj)))
    if isinstance(obj, Publication):
        opinion = (opinion or "").strip() or gettext("Authorised.")
    opinion = (opinion or "").strip() or gettext("Approved.")
    if isinstance(obj, ChangeRecord):
        _check_change(obj)
    move(obj, actor, "approve", opinion)
    obj.dept_opinion, obj.approved_by, obj.approved_at = opinion, actor, utcnow()
    if isinstance(obj, Account):
        obj.in_matrix = True  # 第五条
    elif isinstance(obj, ChangeRecord):
        apply_change(obj, actor)
    elif isinstance(obj, Publication):
        obj.conditions = (conditions or "").strip() or None
        edited = (edited_content or "").strip()
        obj.approved_content = edited if edited and edited != obj.body.strip() else None
        obj.decided_at, obj.decided_by = obj.approved_at, actor


def reject(obj, actor, reason: str | None = None) -> None:
    """Return for revision, with a reason, to the unit's editors."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(gettext("Give the reason for returning “%(record)s”.", record=str(obj)))
    departments = isinstance(obj, Publication) and obj.status.name == "dept_review"
    move(obj, actor, "reject", reason)
    obj.return_reason = reason
    if departments:
        obj.decided_at, obj.decided_by = utcnow(), actor


def refuse(publication: Publication, actor, reason: str | None = None) -> None:
    """不予授权 (第十二条): the department refuses a 发布报批, with its reasons; the request is closed."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(gettext("Give the reason for refusing “%(record)s”.", record=str(publication)))
    move(publication, actor, "refuse", gettext("Not authorised: %(reason)s", reason=reason))
    publication.refusal_reason, publication.decided_at, publication.decided_by = reason, utcnow(), actor


def suspend(account: Account, actor, reason: str | None = None) -> None:
    """责令停止运行 (第十三条): the account leaves the matrix until the department reinstates it."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(gettext("Give the reason for suspending “%(record)s”.", record=str(account)))
    move(account, actor, "suspend", reason)
    account.in_matrix = False


def reinstate(account: Account, actor, note: str | None = None) -> None:
    """The department reinstates a suspended account after rectification; it rejoins the matrix."""
    if account.status == AccountStatus.suspended:
        check_reinstatement(account)
    move(account, actor, "reinstate", (note or "").strip() or None)
    account.in_matrix = True
    resolve_on_reinstatement(account)


def open_suspensions(account: Account) -> list[Violation]:
    return db.session.query(Violation).filter(
        Violation.account_id == account.id, Violation.measure == Measure.suspend,
        Violation.resolved_on.is_(None)).all()


def check_reinstatement(account: Account) -> None:
    """A suspended account is reinstated only after the unit recorded its rectification."""
    for violation in open_suspensions(account):
        if not (violation.rectification or "").strip():
            raise TransitionError(gettext(
                "“%(account)s” cannot be reinstated yet: the unit has not recorded the rectification of the "
                "violation of %(day)s.", account=account.name, day=date_text(violation.occurred_on)))


def resolve_on_reinstatement(account: Account, today: dt.date | None = None) -> None:
    for violation in open_suspensions(account):
        violation.resolved_on = today or dt.date.today()


TRANSITIONS = {"submit": submit, "confirm": confirm, "approve": approve, "reject": reject,
               "suspend": suspend, "reinstate": reinstate, "refuse": refuse}


def take_step(name: str, records, actor, note: str | None = None, transitions=None, **details) -> list[Problem]:
    """Take the step ``name`` on each of ``records`` (a bulk action, e.g. 审核通过 of the selected registrations).

    Every record is checked with :func:`policy.may_take` first; each step function checks its rules before it
    changes anything, so a record is moved entirely or not at all. A record that may not take the step now
    (another unit's, or in another state) or that a rule refuses is left as it was and reported as a problem
    (``field``: the record's id). The caller commits the records moved (one commit per request). ``details``: the
    step's further fields (a 发布报批's conditions and edited text when it is authorised)."""
    problems = []
    for record in records:
        if not policy.owns(actor, record):
            problems.append(Problem(str(record.id), gettext("You may not act on this record.")))
            continue
        if not policy.may_take(actor, name, record):
            problems.append(Problem(str(record.id), gettext(
                "“%(record)s” is %(status)s; this step is not possible now.",
                record=str(record), status=str(record.status.label))))
            continue
        try:
            (transitions or TRANSITIONS)[name](record, actor, note, **details)
        except (TransitionError, policy.NotAllowed) as exc:
            problems.append(Problem(str(record.id), str(exc)))
    return problems


# --- rules -----------------------------------------------------------------------------------
def is_late(obj, when: dt.datetime) -> bool:
    """逾期: submitted after the deadline of the regulation (late submissions are accepted); ``when`` is the
    local time of the submission (services.text.local_time)."""
    day = when.date()
    if isinstance(obj, Account):
        return obj.registration_due is not None and day > obj.registration_due
    if isinstance(obj, ChangeRecord):
        return obj.due_on is not None and day > obj.due_on
    if isinstance(obj, Publication):
        return False  # asked before publishing (the planned time is checked): never late, but refused if after
    if isinstance(obj, MonthlyReport):
        return day > report_window_end(obj.period)
    return False  # an incident (第十四条) has no deadline of days: it is sent up as soon as it is found


def _check_submittable(obj) -> None:
    if isinstance(obj, MonthlyReport):
        first_of_next = report_window_end(obj.period).replace(day=1)
        if dt.date.today() < first_of_next:
            raise TransitionError(gettext("The report for %(month)s can be submitted from %(day)s, when the "
                                          "month is over.", month=month_text(obj.period),
                                          day=date_text(first_of_next)))
    if isinstance(obj, Publication):
        raise_first(publications.publication_problems(obj), TransitionError, record=obj)
    if isinstance(obj, Account):
        team = [accounts.Member(m.role, m.manager) for m in obj.team]
        # Not compared with the account's unit: an account moved to another unit keeps its people.
        raise_first(accounts.team_problems(obj.verified, team), TransitionError, record=obj)


# --- changes ---------------------------------------------------------------------------------------
def _check_change(change: ChangeRecord) -> None:
    """Refuse, before anything is changed, a change whose proposed values break the rules now (the rules the
    change form showed, services/changes.py)."""
    has_qr = change.kind == ChangeKind.public_info and changes.change_qr_code(change) is not None
    raise_first(changes.proposal_problems(change.kind, change.account, change.after or {}, reason=change.reason,
                                          closure_notice=change.closure_notice, has_qr=has_qr),
                TransitionError, record=change)


def apply_change(change: ChangeRecord, actor) -> None:
    """Apply an approved change's "after" values to the account, in the same transaction (第八条)."""
    account = change.account
    after = change.after or {}
    if change.kind == ChangeKind.name and after.get("name"):
        account.name = after["name"]
    elif change.kind == ChangeKind.maintenance and after.get("maintenance"):
        account.maintenance = Maintenance[after["maintenance"]]
        account.vendor = after.get("vendor") if account.maintenance == Maintenance.outsourced else None
    elif change.kind == ChangeKind.managers and after.get("team"):
        account.team.clear()
        db.session.flush()  # the old 负责人 goes before the new one arrives (one head per team)
        account.team.extend(TeamMember(manager=db.session.get(Manager, int(entry["manager_id"])),
                                       role=TeamRole[entry["role"]]) for entry in after["team"])
    elif change.kind == ChangeKind.closure:
        account.status = AccountStatus.closed
        account.in_matrix = False
    elif change.kind == ChangeKind.public_info:
        changes.apply_public_entry(change, actor)
    audit.label(account, AuditAction.update, gettext("Change request approved: %(change)s", change=str(change)), actor)
