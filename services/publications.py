"""发布报批 (第十二条): the rules of a request, the department's deadline to answer it, the notice of an urgent
request, and the unit's record of what it published.

"各单位……未经学校相关部门授权，不得擅自发布涉及学校重大事件、突发事件、社会热点及敏感问题的相关信息。"
The steps themselves (submit, confirm, approve, reject, refuse) are services/workflow.py's, which asks the rules
here; a publication without authorisation becomes a violation record in services/violations.py (第十三条).
Rules return problems as data (services/problems.py); nothing here commits but :func:`notify_urgent`, which runs
after the submission was committed, so that a mail or robot failure never loses it.
"""
from __future__ import annotations

import datetime as dt
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext

from models import (Account, AuditAction, Publication, PublicationStatus, Role, Urgency, User, db, policy,
                    utcnow)
from services import audit, notify, reminders, settings
from services.accounts import created_after
from services.problems import Problem
from services.text import datetime_text, local_time, stored_time
from services.validators import in_future, web_address_problem
from services.workdays import add_working_days

#: States in which the request waits for someone (its deadline matters).
OPEN = (PublicationStatus.draft, PublicationStatus.returned, PublicationStatus.unit_review,
        PublicationStatus.dept_review)


# --- the rules ------------------------------------------------------------------------------------------
def account_problems(unit_id: int | None, accounts: list[Account]) -> list[Problem]:
    """One or more accounts, each the requesting unit's own (a unit asks only for what it publishes)."""
    if not accounts:
        return [Problem("accounts", gettext("Choose the account or accounts that will publish."))]
    foreign = [a.name for a in accounts if unit_id is not None and a.unit_id != unit_id]
    if foreign:
        return [Problem("accounts", gettext("These accounts are not the requesting unit's: %(names)s.",
                                            names="、".join(foreign)))]
    return []


def published_problems(accounts: list[Account], url: str | None, when: dt.datetime | None) -> list[Problem]:
    """The link and time of a publication: a full web address; a time not in the future and not before the
    accounts existed (``when`` is stored time, naive UTC)."""
    found = []
    if not (url or "").strip():
        found.append(Problem("published_url", gettext("Give the link of the publication.")))
    else:
        message = web_address_problem(url.strip())
        if message:
            found.append(Problem("published_url", message))
    if when is None:
        found.append(Problem("published_at", gettext("Give the time of the publication.")))
    elif in_future(when):
        found.append(Problem("published_at", gettext("The publication time is in the future.")))
    else:
        younger = [a.name for a in created_after(accounts, when)]
        if younger:
            found.append(Problem("published_at", gettext(
                "The publication time is before the account existed: %(names)s.", names="、".join(younger))))
    return found


def request_problems(unit_id: int | None, accounts: list[Account], body: str | None,
                     planned: dt.datetime | None) -> list[Problem]:
    """What stops a request from being saved or sent: its accounts, its text, and a planned time (stored time) still
    ahead (a request is made before publishing) and not before its accounts existed."""
    found = account_problems(unit_id, accounts)
    if not (body or "").strip():
        found.append(Problem("body", gettext("Give the text to publish.")))
    if planned is None:
        found.append(Problem("planned_at", gettext("Give the planned publication time.")))
    elif planned < utcnow():
        found.append(Problem("planned_at", gettext(
            "The planned publication time has passed: a request is made before publishing.")))
    else:
        younger = [a.name for a in created_after(accounts, planned)]
        if younger:
            found.append(Problem("planned_at", gettext(
                "The planned publication time is before the account existed: %(names)s.", names="、".join(younger))))
    return found


def publication_problems(publication: Publication) -> list[Problem]:
    """:func:`request_problems` of a saved request (checked again by each step that sends it on)."""
    return request_problems(publication.unit_id, list(publication.accounts), publication.body,
                            publication.planned_at)


# --- the department's deadline -----------------------------------------------------------------------------
def answer_due(reached: dt.datetime, urgency: Urgency) -> dt.datetime:
    """By when the department answers a request that reached it at ``reached`` (stored time): an urgent one within
    the set hours, a normal one by the end of the set number of working days (the Chinese calendar)."""
    if urgency == Urgency.urgent:
        return reached + dt.timedelta(hours=settings.value("publication_urgent_hours"))
    day = add_working_days(local_time(reached).date(), settings.value("publication_working_days"))
    return stored_time(dt.datetime.combine(day, dt.time(23, 59)))


def duration_text(delta: dt.timedelta) -> str:
    """3小时20分钟, 2天5小时 (the absolute value of ``delta``)."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    if days:
        return gettext("%(days)s d %(hours)s h", days=days, hours=rest // 60)
    return gettext("%(hours)s h %(minutes)s min", hours=rest // 60, minutes=rest % 60)


def time_left(due: dt.datetime | None, now: dt.datetime | None = None) -> tuple[str, bool]:
    """("3小时20分钟后到期", False) or ("已超时1小时5分钟", True) for a stored deadline."""
    if due is None:
        return "", False
    delta = due - (now or utcnow())
    if delta.total_seconds() < 0:
        return gettext("overdue by %(time)s", time=duration_text(delta)), True
    return gettext("%(time)s left", time=duration_text(delta)), False


# --- after publishing ----------------------------------------------------------------------------------------
def record_publication(publication: Publication, actor, url: str | None, when: dt.datetime | None) -> list[Problem]:
    """The unit records the link and time of what it published (``when``: stored time). Returns the problems and
    changes nothing when there are any; the caller commits."""
    policy.require(policy.owns(actor, publication), gettext("You may not act on this record."))
    policy.require(policy.can_write(actor, Publication), gettext("Your role may not take this step."))
    if not policy.may_record_publication(actor, publication):
        return [Problem("published_url", gettext("The publication of “%(record)s” is already recorded.",
                                                 record=str(publication)))]
    found = published_problems(list(publication.accounts), url, when)
    if found:
        return found
    publication.published_url, publication.published_at = url.strip(), when
    note = gettext("Publication recorded: %(url)s at %(time)s", url=publication.published_url,
                   time=datetime_text(when))
    if publication.unauthorised:
        note += gettext(" (without authorisation)")
    audit.label(publication, AuditAction.update, note[:500], actor)
    return []


# --- the notice of an urgent request ----------------------------------------------------------------------
def approvers() -> list[User]:
    """The department's approvers who have an e-mail address (active)."""
    return (db.session.query(User).filter(User.role == Role.dept_admin, User.active.is_(True),
                                          User.email.is_not(None), User.email != "").order_by(User.id).all())


def notify_urgent(publication: Publication, actor=None) -> tuple[int, list[str]]:
    """At once, for a submitted urgent request: an e-mail to each approver of the department and the department's
    group robots (DEPT_*_WEBHOOK). Each is in the audit log and committed; a failure is returned (the people or
    robots not reached), never raised: the submission was committed before."""
    config = current_app.config
    with force_locale(config["BABEL_DEFAULT_LOCALE"]):
        title = gettext("[New-media registry] Urgent publication request from %(unit)s: %(headline)s",
                        unit=publication.unit.name, headline=publication.headline)
        lines = [gettext("Topic: %(topic)s", topic=str(publication.topic.label)),
                 gettext("Accounts: %(names)s", names="、".join(a.name for a in publication.accounts)),
                 gettext("Planned publication time: %(time)s", time=datetime_text(publication.planned_at)),
                 gettext("Answer within %(hours)s hours of the unit leader's agreement.",
                         hours=settings.value("publication_urgent_hours"))]
        if config.get("SERVER_URL"):
            lines.append(f"{config['SERVER_URL'].rstrip('/')}/admin/publications/details/?id={publication.id}")
    sent, failed = 0, []
    for user in approvers():
        message = EmailMessage()
        try:
            # A subject is one line (a headline typed before this rule, or imported, may hold a line break).
            message["Subject"], message["From"], message["To"] = " ".join(title.split()), config["MAIL_SENDER"], \
                user.email
            message.set_content("\n".join(lines))
            reminders.deliver(message)
        except (OSError, ValueError, smtplib.SMTPException):
            failed.append(user.display_name)
            _note(publication, actor, f"notify mail {user.email} failed")
            continue
        sent += 1
        _note(publication, actor, f"notify mail {user.email} ok")
    for notice in notify.send_notice(config.get("DEPT_WECOM_WEBHOOK"), config.get("DEPT_DINGTALK_WEBHOOK"),
                                     config.get("DEPT_DINGTALK_SECRET"), title, lines):
        state = "ok" if notice.ok else f"failed after {notice.attempts} tries: {notice.reason}"
        _note(publication, actor, f"notify {notice.platform} {state}")
        if notice.ok:
            sent += 1
        else:
            failed.append(notice.platform)
    db.session.commit()
    return sent, failed


def _note(publication: Publication, actor, note: str) -> None:
    # Written for the record in English, as the reminders' entries (admin/audit.py shows them as sentences).
    audit.record(AuditAction.create, publication, user=actor, note=note[:500])
