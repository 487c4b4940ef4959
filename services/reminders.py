"""Reminders (`flask --app wsgi remind`, run daily by cron): one e-mail per responsible unit user listing
what is due soon or overdue for their unit; the same items are on their home page. Never twice a day."""
from __future__ import annotations

import datetime as dt
import smtplib
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext

from models import (Account, AccountStatus, ChangeRecord, MonthlyReport, ReminderLog, ReviewStatus, Role, User,
                    db)
from services import reports
from services.staff import staff_problems
from services.text import date_text, month_text
from services.workdays import add_working_days, is_provisional, provisional_note

#: A deadline this many working days away or closer is "due soon".
SOON_WORKING_DAYS = 2


def items_for(user: User, today: dt.date) -> list[str]:
    """What this unit user should act on: drafts near or past their deadline, reports not yet
    submitted in the window, verified accounts whose 管理员 is not 在岗在编 (第八条), and (for the unit leader) submissions waiting for the unit's opinion."""
    soon = add_working_days(today, SOON_WORKING_DAYS)
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
    period = reports.reporting_period(today)
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


def send_reminders(today: dt.date | None = None) -> tuple[int, int]:
    """Send today's reminders; returns (messages sent, users skipped because already reminded today)."""
    today = today or dt.date.today()
    config = current_app.config
    users = db.session.query(User).filter(User.role.in_((Role.unit_editor, Role.unit_leader)),
                                          User.active.is_(True), User.email.is_not(None), User.email != "") \
        .order_by(User.id).all()
    reminded = {row.user_id for row in db.session.query(ReminderLog).filter(ReminderLog.day == today)}
    sent = skipped = 0
    with force_locale(config["BABEL_DEFAULT_LOCALE"]):
        for user in users:
            if user.id in reminded:
                skipped += 1
                continue
            lines = items_for(user, today)
            if not lines:
                continue
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
            _deliver(message)
            # Recorded per user at once: a failure later in the run does not resend to those done.
            db.session.add(ReminderLog(user_id=user.id, day=today, items=len(lines)))
            db.session.commit()
            sent += 1
    return sent, skipped


def _deliver(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
