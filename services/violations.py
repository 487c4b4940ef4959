"""Violations, measures and rectification (第十一~十三条, 第十七~十八条)."""
from __future__ import annotations

from flask_babel import gettext

from models import (Account, AccountStatus, ChangeRecord, Measure, MonthlyReport, Publication, Violation, ViolationKind,
                    db, policy, utcnow)
from services import workflow
from services.text import date_text, local_time, month_text


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
