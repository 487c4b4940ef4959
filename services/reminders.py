"""Reminders (`flask --app wsgi remind`, run daily by cron, and the department's 提醒未报送单位 on the
missing-reports list): one e-mail per responsible unit user listing what is due soon or overdue for their
unit; the same items are on their home page. Never twice a day: the reminder log decides."""
from __future__ import annotations

import datetime as dt
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from flask import current_app
from flask_babel import force_locale, gettext

from models import UNIT_ROLES
from models import (Account, AccountStatus, AuditAction, AuditLog, ChangeRecord, MonthlyReport, ReminderLog, ReviewStatus,
                    Role, Unit, User, db, policy)
from services import audit, notify, reports, settings
from services.staff import staff_problems
from services.text import date_text, month_text, stored_time
from services.workdays import add_working_days, is_provisional, provisional_note


def items_for(user: User, today: dt.date, period: dt.date | None = None) -> list[str]:
    """What this unit user should act on: drafts near or past their deadline, reports not yet
    submitted for ``period`` (default: the month now due), verified accounts whose 管理员 is not 在岗在编
    (第八条), and (for the unit leader) submissions waiting for the unit's opinion."""
    # "Due soon": this many working days away or closer (系统设置).
    soon = add_working_days(today, settings.value("reminder_lead_working_days"))
    lines = []
    accounts = db.session.query(Account).filter(
        Account.unit_id == user.unit_id, Account.status.in_((AccountStatus.draft, AccountStatus.returned)),
        Account.registration_due <= soon).order_by(Account.registration_due)
    for account in accounts:
        lines.append(_due_line(gettext("Registration of “%(name)s”", name=account.name), account.registration_due,
                               today, working_days=True))
    changes = db.session.query(ChangeRecord).filter(
        ChangeRecord.unit_id == user.unit_id, ChangeRecord.status.in_((ReviewStatus.draft, ReviewStatus.returned)),
        ChangeRecord.due_on <= soon).order_by(ChangeRecord.due_on)
    for change in changes:
        lines.append(_due_line(gettext("Change request “%(name)s”", name=str(change)), change.due_on, today,
                               working_days=True))
    period = reports.month_start(period) if period else reports.reporting_period(today)
    window_end = reports.report_window_end(period)
    submitted = sa.select(MonthlyReport.account_id).where(MonthlyReport.period == period,
                                                          MonthlyReport.submitted_at.is_not(None))
    missing = db.session.query(Account).filter(
        Account.unit_id == user.unit_id, Account.status == AccountStatus.approved,
        Account.created_on <= reports.month_end(period), Account.id.not_in(submitted)).order_by(Account.name)
    for account in missing:
        lines.append(_due_line(gettext("Monthly report of %(month)s for “%(name)s”",
                                       month=month_text(period), name=account.name), window_end, today))
    for problem in staff_problems(user):  # 第八条, as on the home page (e.g. after `flask staff sync`)
        if problem["verified_breach"]:
            lines.append(gettext("Article 8: %(manager)s, administrator of the verified account “%(name)s”, is "
                                 "not on-staff (在岗在编); replace them with a change request.",
                                 manager=str(problem["manager"]), name=problem["account"].name))
    if user.role == Role.unit_leader:
        waiting = (db.session.query(Account).filter(Account.unit_id == user.unit_id,
                                                    Account.status == AccountStatus.unit_review).count()
                   + db.session.query(ChangeRecord).filter(ChangeRecord.unit_id == user.unit_id,
                                                           ChangeRecord.status == ReviewStatus.unit_review).count()
                   + db.session.query(MonthlyReport).filter(MonthlyReport.unit_id == user.unit_id,
                                                            MonthlyReport.status == ReviewStatus.unit_review).count())
        if waiting:
            lines.append(gettext("%(count)s submissions are waiting for the unit's opinion.", count=waiting))
    return lines


def _due_line(what: str, due: dt.date, today: dt.date, working_days: bool = False) -> str:
    """One line of the e-mail; a deadline counted in working days in a year without a holiday schedule is
    marked provisional."""
    if due < today:
        line = gettext("OVERDUE since %(day)s: %(what)s", day=date_text(due), what=what)
    else:
        line = gettext("Due by %(day)s: %(what)s", day=date_text(due), what=what)
    return f"{line}{provisional_note()}" if working_days and is_provisional(due) else line


def send_reminders(today: dt.date | None = None) -> tuple[int, int, list[tuple[Unit, notify.Notice]]]:
    """Send today's reminders; returns (messages sent, users skipped because already reminded today, the
    group notices posted to the units' 企业微信 / 钉钉 robots after the e-mails)."""
    today = today or dt.date.today()
    users = db.session.query(User).filter(User.role.in_(UNIT_ROLES), User.active.is_(True),
                                          User.email.is_not(None), User.email != "").order_by(User.id).all()
    reminded = reminded_today(today)
    sent = skipped = 0
    for user in users:
        if user.id in reminded:
            skipped += 1
            continue
        if remind(user, today) is not None:
            # Recorded per user at once: a failure later in the run does not resend to those done.
            db.session.commit()
            sent += 1
    return sent, skipped, notify_units(today)


def reminded_today(today: dt.date) -> set[int]:
    """The users the reminder log shows as reminded on ``today`` (by `flask remind` or from the list)."""
    return {user_id for (user_id,) in db.session.query(ReminderLog.user_id).filter(ReminderLog.day == today)}


def remind(user: User, today: dt.date, period: dt.date | None = None, actor: User | None = None) -> ReminderLog | None:
    """Send ``user`` the reminder e-mail of what is due for their unit (the monthly reports of ``period``,
    default the month now due) and record it in the reminder log and the audit log. Nothing is sent (None)
    when nothing is due. The one sending path of `flask remind` and of the missing-reports list."""
    config = current_app.config
    period = reports.month_start(period) if period else reports.reporting_period(today)
    with force_locale(config["BABEL_DEFAULT_LOCALE"]):
        lines = items_for(user, today, period)
        if not lines:
            return None
        message = EmailMessage()
        message["Subject"] = gettext("[New-media registry] %(count)s items due for %(unit)s",
                                     count=len(lines), unit=user.unit.name)
        message["From"] = config["MAIL_SENDER"]
        message["To"] = user.email
        body = [gettext("Dear %(name)s,", name=user.display_name), "",
                gettext("These items of %(unit)s need your attention:", unit=user.unit.name), ""]
        body += [f"  • {line}" for line in lines]
        body += ["", gettext("Log in to the New-Media Account Registry to deal with them."),
                 config.get("SERVER_URL") or ""]
        message.set_content("\n".join(body))
    # The day's row is claimed before the e-mail goes: another run at the same moment (the button twice,
    # `flask remind`) waits on the log's one-row-a-day key and then sends nothing. A failed delivery undoes
    # the claim (the savepoint) and is raised to the caller.
    row = ReminderLog(user_id=user.id, day=today, items=len(lines))
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
            _deliver(message)
    except IntegrityError:
        return None
    # Written for the record in English (shown as a sentence by admin/audit.py); the unit's users see it.
    entry = audit.record(AuditAction.create, row, user=actor, note=f"remind {period:%Y-%m} {user.email}")
    entry.object_label, entry.unit_id = f"{user.display_name}（{user.unit.name}）"[:200], user.unit_id
    return row


@dataclass
class MissingReminders:
    """Who a reminder of a month's missing monthly reports reaches (the department's 提醒未报送单位)."""
    period: dt.date
    #: Unit users with an e-mail address, not yet reminded today: to be reminded (after sending: reminded).
    to_remind: list[User] = field(default_factory=list)
    #: Already reminded today (the reminder log): not reminded twice.
    already: list[User] = field(default_factory=list)
    #: Unit users without an e-mail address: cannot be reached.
    no_email: list[User] = field(default_factory=list)
    #: Units with an account shown but no active unit user at all.
    no_user: list[str] = field(default_factory=list)
    #: After sending: those the mail server did not take (it failed; the rest were not tried).
    failed: list[User] = field(default_factory=list)
    sent: bool = False


def missing_reminders(actor: User, period: dt.date, unit_id: int | None = None,
                      account_ids: list[int] | None = None, today: dt.date | None = None) -> MissingReminders:
    """Who a reminder of ``period``'s missing monthly reports would reach: the responsible users of the
    units with an account not reported (of ``account_ids`` only, when given; within the unit filter)."""
    policy.require(policy.can_remind(actor))
    today = today or dt.date.today()
    result = MissingReminders(period=reports.month_start(period))
    unit_ids = reports.units_missing(actor, result.period, unit_id, account_ids)
    if not unit_ids:
        return result
    users = db.session.query(User).join(Unit, User.unit_id == Unit.id).filter(
        User.unit_id.in_(unit_ids), User.role.in_(UNIT_ROLES), User.active.is_(True)) \
        .order_by(Unit.name, User.id).all()
    reminded = reminded_today(today)
    for user in users:
        if not (user.email or "").strip():
            result.no_email.append(user)
        elif user.id in reminded:
            result.already.append(user)
        else:
            result.to_remind.append(user)
    with_users = {user.unit_id for user in users}
    result.no_user = [name for (name,) in db.session.query(Unit.name).filter(
        Unit.id.in_(set(unit_ids) - with_users)).order_by(Unit.name)]
    return result


def remind_missing(actor: User, period: dt.date, unit_id: int | None = None,
                   account_ids: list[int] | None = None, today: dt.date | None = None) -> MissingReminders:
    """The department reminds the units that have not reported ``period``: each responsible user with an
    e-mail, not reminded today, gets the reminder of `flask remind` (listing that month's missing reports).
    Each is committed at once; if the mail server fails, the rest are returned as ``failed``."""
    today = today or dt.date.today()
    result = missing_reminders(actor, period, unit_id, account_ids, today)
    reminded = []
    for index, user in enumerate(result.to_remind):
        try:
            row = remind(user, today, result.period, actor)
        except (OSError, smtplib.SMTPException):
            db.session.rollback()
            result.failed = result.to_remind[index:]
            break
        if row is not None:
            db.session.commit()
            reminded.append(user)
    result.to_remind, result.sent = reminded, True
    notify_units(today, result.period, {user.unit_id for user in reminded}, actor)
    return result


def unit_items(unit: Unit, today: dt.date, period: dt.date | None = None) -> list[str]:
    """What a unit should act on, for its group notice: the items of its active responsible users, each once."""
    users = db.session.query(User).filter(User.unit_id == unit.id, User.role.in_(UNIT_ROLES),
                                          User.active.is_(True)).order_by(User.role.desc(), User.id)
    lines: list[str] = []
    for user in users:
        lines += [line for line in items_for(user, today, period) if line not in lines]
    return lines


def notify_units(today: dt.date, period: dt.date | None = None, unit_ids: set[int] | None = None,
                 actor: User | None = None) -> list[tuple[Unit, notify.Notice]]:
    """Post one notice per unit (of ``unit_ids``, default all) with a 企业微信 / 钉钉 group robot and something
    due, listing the unit's items; each post is in the audit log (unit, platform, sent or failed — never the
    URL) and committed. A failing webhook is reported here and never stops the e-mail (sent before). Like the
    e-mail, never twice a day: a platform the unit's notice went to today (the audit log) is not posted again;
    a failed one is tried again by the next run."""
    query = db.session.query(Unit).filter(Unit.active.is_(True), sa.or_(Unit.wecom_webhook.is_not(None),
                                                                        Unit.dingtalk_webhook.is_not(None)))
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.filter(Unit.id.in_(unit_ids))
    since = stored_time(dt.datetime.combine(today, dt.time()))
    done: dict[int, set[str]] = {}
    for unit_id, note in db.session.query(AuditLog.object_id, AuditLog.note).filter(
            AuditLog.object_type == "GroupNotice", AuditLog.at >= since,
            AuditLog.note.in_([f"notify {platform} ok" for platform in (notify.WECOM, notify.DINGTALK)])):
        done.setdefault(unit_id, set()).add(note.split()[1])
    results = []
    for unit in query.order_by(Unit.code).all():
        skip = frozenset(done.get(unit.id, ()))
        if {platform for platform, url in ((notify.WECOM, unit.wecom_webhook),
                                           (notify.DINGTALK, unit.dingtalk_webhook)) if url} <= skip:
            continue
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            lines = unit_items(unit, today, period)
            title = gettext("[New-media registry] %(count)s items due for %(unit)s", count=len(lines),
                            unit=unit.name)
        if not lines:
            continue
        for notice in notify.send_unit_notice(unit, title, lines, skip):
            state = "ok" if notice.ok else f"failed after {notice.attempts} tries: {notice.reason}"
            entry = audit.record(AuditAction.create, user=actor, note=f"notify {notice.platform} {state}"[:500])
            entry.object_type, entry.object_id, entry.object_label, entry.unit_id = \
                "GroupNotice", unit.id, unit.name[:200], unit.id
            results.append((unit, notice))
        db.session.commit()
    return results


def deliver(message: EmailMessage) -> None:
    """Send one e-mail through the configured SMTP server (the reminders' and the 发布报批 notices' one sender)."""
    _deliver(message)


def _deliver(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
