"""不良信息 / 舆情 incidents (第十四条) and their escalation into violations (第十三条).

The rules of an incident's times are one function (:func:`timing_problems`) that the form, the step and the
tests ask; each step checks the policy, moves the state and names itself in the audit log. The caller commits.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext

from models import OPEN_INCIDENT_STATES, Incident, db, utcnow
from services import violations, workdays, workflow
from services.accounts import created_after
from services.problems import Problem, raise_first
from services.text import date_text, local_time
from services.validators import in_future

#: The article the form quotes.
ARTICLE_14 = ("第十四条 各单位应加强对新媒体账号及内容的日常管理，做到专人负责，实时监控，一旦发现有违反规定或"
              "有损学校声誉的不良信息，应及时处理。")


def timing_problems(account, found_at: dt.datetime | None, handled_at: dt.datetime | None) -> list[Problem]:
    """When it was found and when it was handled (stored times, naive UTC): neither in the future, neither
    before the account existed (its 创建时间, a day in the configured zone), handled not before found."""
    problems = []
    created_on = getattr(account, "created_on", None)
    for field, value in (("found_at", found_at), ("handled_at", handled_at)):
        if value is None:
            continue
        if in_future(value):
            problems.append(Problem(field, gettext("This time is in the future.")))
        elif created_on and created_after([account], value):
            problems.append(Problem(field, gettext("The account was created on %(day)s; this time is before it "
                                                   "existed.", day=date_text(created_on))))
    if found_at and handled_at and handled_at < found_at and not any(p.field == "handled_at" for p in problems):
        problems.append(Problem("handled_at", gettext("It cannot have been handled before it was found.")))
    return problems


def approval_problems(incident: Incident) -> list[Problem]:
    """What the department's acceptance (``approve`` → 已处置) needs: what was done (处置措施) and when it was
    handled (处置完成时间), with the times' rules. Submitting needs neither: an incident goes up as soon as it
    is found."""
    problems = []
    if not (incident.action_taken or "").strip():
        problems.append(Problem("action_taken", gettext(
            "Write down what was done (处置措施) before it is accepted as handled.")))
    if incident.handled_at is None:
        problems.append(Problem("handled_at", gettext(
            "Enter when it was handled (处置完成时间) before it is accepted as handled.")))
    return problems + timing_problems(incident.account, incident.found_at, incident.handled_at)


def approve(incident: Incident, actor, opinion: str | None = None) -> None:
    """已处置: the department accepts the handling as done (宣传部意见). Checked before anything changes: a
    refused step leaves the incident as it was."""
    raise_first(approval_problems(incident), workflow.TransitionError, record=incident)
    workflow.approve(incident, actor, opinion)


def escalate(incident: Incident, actor, note: str | None = None) -> None:
    """转为违规记录 (第十三条), by the department, once: the violation is created through services/violations.py
    and the incident points to it; both keep their own history (the record pages link both)."""
    if incident.violation_id is not None:
        raise workflow.TransitionError(gettext("“%(record)s” is already recorded as a violation.", record=str(incident)))
    note = (note or "").strip()
    # The step's checks (policy, state) come first: nothing is created when it is refused.
    workflow.move(incident, actor, "escalate", " ".join(
        part for part in (gettext("Escalated to a violation (Article 13)."), note) if part))
    with db.session.no_autoflush:  # the incident and its violation are written together
        incident.violation = violations.from_incident(incident, actor, note)


#: The incidents' steps: the review of every reviewed record, its acceptance checked here, and the escalation.
TRANSITIONS = {"submit": workflow.submit, "confirm": workflow.confirm, "approve": approve,
               "reject": workflow.reject, "escalate": escalate}


def time_to_handle(incident: Incident) -> str:
    """How long it took (or has taken so far, while open): hours, and working days once it is more than a day
    (services/workdays.py), e.g. "30.5 小时（2 个工作日）"."""
    end = incident.handled_at or (utcnow() if incident.status in OPEN_INCIDENT_STATES else None)
    if end is None or incident.found_at is None:
        return ""
    hours = max((end - incident.found_at).total_seconds() / 3600, 0)
    text = gettext("%(hours)s hours", hours=f"{hours:.1f}")
    if hours >= 24:
        days = workdays.working_days_between(local_time(incident.found_at).date(), local_time(end).date())
        text += gettext(" (%(days)s working days)", days=days)
    return text

