"""Violations, measures and rectification (第十一~十三条, 第十七~十八条)."""
from __future__ import annotations

import re

from flask_babel import gettext

from models import (AccountabilityOutcome, Account, AccountStatus, AuditAction, ChangeRecord, Measure, MonthlyReport,
                    Publication, Violation, ViolationKind, db, policy, utcnow)
from services import audit, workflow
from services.problems import Problem
from services.text import date_text, local_time, month_text
from services.validators import FUTURE_DATE, in_future


def apply_measure(violation: Violation, actor) -> None:
    """责令停止运行 suspends a registered account at once (it leaves the matrix, 第十三条)."""
    account = violation.account
    if violation.measure == Measure.suspend and account.status == AccountStatus.approved:
        workflow.suspend(account, actor, gettext("Violation: %(text)s", text=violation.description[:200]))


#: What a late record becomes, by kind of record.
LATE_KINDS = {Account: ViolationKind.late_registration, ChangeRecord: ViolationKind.late_registration,
              MonthlyReport: ViolationKind.late_report}


def record_lateness(record, actor) -> Violation:
    """Turn a late registration, change or report into a violation record (once per record)."""
    if not record.is_late:
        raise workflow.TransitionError(gettext("“%(record)s” was not late.", record=str(record)))
    account = record if isinstance(record, Account) else record.account
    kind = LATE_KINDS[type(record)]
    day = local_time(record.submitted_at or utcnow()).date()  # the day in the configured zone
    duplicate = db.session.query(Violation.id).filter_by(account_id=account.id, kind=kind, occurred_on=day).first()
    if duplicate:
        raise workflow.TransitionError(gettext("“%(record)s” is already recorded as a violation.", record=str(record)))
    if isinstance(record, MonthlyReport):
        text = gettext("Monthly report for %(month)s submitted late (due by the 5th of the next month).",
                       month=month_text(record.period))
    elif isinstance(record, ChangeRecord):
        text = gettext("Change of %(kind)s reported late (due %(due)s).", kind=str(record.kind.label),
                       due=date_text(record.due_on))
    else:
        text = gettext("Registration submitted late (due %(due)s).",
                       due=date_text(record.registration_due))
    violation = Violation(account=account, unit_id=account.unit_id, occurred_on=day, kind=kind,
                          description=text, measure=Measure.rectify)
    db.session.add(violation)
    return violation


# --- 第十四条 → 第十三条: an incident escalated by the department ----------------------------------------
def from_incident(incident, actor, note: str | None = None) -> Violation:
    """The violation record of an escalated incident (services/incidents.py ``escalate``): the incident's account,
    unit, day and what was found; the department then sets the kind, measure and 问责 on the violation's page."""
    parts = [gettext("Escalated from the incident of %(day)s (%(kind)s): %(text)s",
                     day=date_text(incident.found_at), kind=str(incident.kind.label), text=incident.description)]
    if incident.link:
        parts.append(gettext("Link: %(link)s", link=incident.link))
    if (incident.action_taken or "").strip():
        parts.append(gettext("What the unit did: %(text)s", text=incident.action_taken))
    if note:
        parts.append(note)
    violation = Violation(account=incident.account, unit_id=incident.unit_id,
                          occurred_on=local_time(incident.found_at).date(), kind=ViolationKind.other,
                          description="\n".join(parts)[:10000], measure=Measure.rectify)
    audit.label(violation, AuditAction.create, gettext("Escalated from an incident (Article 14): %(incident)s",
                                                       incident=str(incident)), actor)
    db.session.add(violation)
    return violation


# --- 第十七条: 责任人 and 问责 ---------------------------------------------------------------------------------
#: What separates a person's name from their post on one line of the 责任人 field.
_NAME_POST = re.compile(r"\s*[，,；;：:／/（(]\s*|\s+")


def parse_people(text: str | None) -> tuple[list[dict], list[Problem]]:
    """责任人 as typed, one person a line: 姓名，职务 (or 姓名 职务, 姓名（职务）) → [{"name", "post"}]."""
    people, problems = [], []
    for line in (text or "").splitlines():
        line = line.strip().rstrip("）)").strip()
        if not line:
            continue
        name, _sep, post = (part.strip() for part in _split_once(line))
        if len(name) > 50 or len(post) > 100:
            problems.append(Problem("responsible_people", gettext(
                "“%(line)s”: a name has at most 50 characters and a post at most 100.", line=line[:60])))
            continue
        people.append({"name": name, "post": post})
    if len(people_text(people)) > 500:
        problems.append(Problem("responsible_people", gettext("Too many persons: at most 500 characters in all.")))
    return people, problems


def _split_once(line: str) -> tuple[str, str, str]:
    match = _NAME_POST.search(line)
    if match is None:
        return line, "", ""
    return line[:match.start()], match.group(), line[match.end():]


def people_text(people: list[dict] | None) -> str:
    """张三（院长）、李四: the persons as one line (lists, search, exports)."""
    return "、".join(f"{p['name']}（{p['post']}）" if p.get("post") else p["name"] for p in people or [] if p.get("name"))


def people_lines(people: list[dict] | None) -> str:
    """The persons as the form shows them: 姓名，职务 per line."""
    return "\n".join(f"{p['name']}，{p['post']}" if p.get("post") else p["name"] for p in people or [])


def set_responsible_people(violation: Violation, people: list[dict]) -> None:
    violation.responsible_people = people or None
    violation.responsible_persons = people_text(people) or None


def accountability_problems(violation: Violation) -> list[Problem]:
    """问责 (第十七条): an outcome needs its decision date, deciding body and 文号 (不予问责: the date and body); the
    date neither in the future nor before the violation; nothing of it without an outcome."""
    outcome, day = violation.accountability_outcome, violation.accountability_decided_on
    body, number = (violation.accountability_body or "").strip(), (violation.accountability_doc_no or "").strip()
    if outcome is None:
        if day or body or number:
            return [Problem("accountability_outcome", gettext("Choose the accountability outcome decided."))]
        return []
    problems = []
    if day is None:
        problems.append(Problem("accountability_decided_on", gettext("Enter the date of the decision.")))
    elif in_future(day):
        problems.append(Problem("accountability_decided_on", str(FUTURE_DATE)))
    elif violation.occurred_on and day < violation.occurred_on:
        problems.append(Problem("accountability_decided_on", gettext("The decision cannot precede the violation "
                                                                     "(%(day)s).", day=date_text(violation.occurred_on))))
    if not body:
        problems.append(Problem("accountability_body", gettext("Enter the body that decided.")))
    if not number and outcome != AccountabilityOutcome.none:
        problems.append(Problem("accountability_doc_no", gettext("Enter the document number (文号) of the decision.")))
    return problems


def record_unauthorised_publication(publication: Publication, actor) -> Violation:
    """未经授权发布 (第十二条 → 第十三条): a publication recorded on a request that was not authorised, or found by the
    department with no request, becomes one violation record of the request's unit and (first) account, linked
    from the request (never two for one publication)."""
    policy.require(policy.can_create(actor, Violation), gettext("Your role may not take this step."))
    if publication.violation_id is not None:
        raise workflow.TransitionError(gettext("“%(record)s” is already recorded as a violation.",
                                               record=str(publication)))
    if not publication.unauthorised:
        raise workflow.TransitionError(gettext("“%(record)s” was not published without authorisation.",
                                               record=str(publication)))
    account = publication.accounts[0]
    text = gettext("Published without authorisation on %(topic)s (Article 12): “%(headline)s”, %(url)s; "
                   "request: %(state)s.", topic=str(publication.topic.label), headline=publication.headline,
                   url=publication.published_url, state=str(publication.status.label))
    if len(publication.accounts) > 1:
        text += gettext(" Accounts: %(names)s.", names="、".join(a.name for a in publication.accounts))
    violation = Violation(account=account, unit_id=publication.unit_id, kind=ViolationKind.unauthorised_sensitive,
                          occurred_on=local_time(publication.published_at).date(), description=text[:10000],
                          measure=Measure.rectify)
    db.session.add(violation)
    db.session.flush()
    publication.violation = violation
    return violation
