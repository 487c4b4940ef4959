"""Factories: one small function per kind of record, each adding one row (and what it needs) to
``db.session`` and flushing it. They run inside an app context; the caller commits.

tests/conftest.py re-exports every name here, so ``from .conftest import make_account`` keeps working.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from models import (Account, AccountStatus, Assessment, ChangeKind, ChangeRecord, DayKind, EmploymentStatus,
                    Incident, IncidentKind, IncidentStatus, Manager, Measure, MonthlyReport, Platform, Publication,
                    PublicationStatus, PublicationTopic, ReviewStatus, Role, TeamMember, TeamRole, Unit, UnitKind,
                    Urgency, User, Violation, ViolationKind, WorkCalendar, db, utcnow)

PASSWORD = "test-password-123"

#: The smallest file that passes the attachment type check (a PDF by its content).
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

__all__ = ["PASSWORD", "TINY_PDF", "make_account", "make_assessment", "make_attachment", "make_calendar_day",
           "make_change", "make_incident", "make_manager", "make_publication", "make_report", "make_responsibility",
           "make_unit", "make_unit_rules", "make_user", "make_violation"]


def make_unit(code="KJXY", name=None, kind=UnitKind.college) -> Unit:
    unit = Unit(code=code, name=name or f"{code}单位", kind=kind)
    db.session.add(unit)
    db.session.flush()
    return unit


def make_user(username, role: Role, unit: Unit | None = None) -> User:
    user = User(username=username, display_name=username, role=role, unit=unit)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def make_manager(unit: Unit, name="张伟", status=EmploymentStatus.staff, staff_no=None) -> Manager:
    manager = Manager(name=name, unit=unit, staff_no=staff_no, phone="13800001111",
                      employment_status=status)
    db.session.add(manager)
    db.session.flush()
    return manager


def make_account(unit: Unit, name="测试帐号", status=AccountStatus.draft, platform=Platform.weibo,
                 account_id=None, **kwargs) -> Account:
    head = make_manager(unit, name=f"{name}负责人")
    admin = make_manager(unit, name=f"{name}管理员")
    account = Account(name=name, platform=platform, platform_account_id=account_id or f"id-{name}",
                      creator_entity=unit.name, unit=unit, created_on=dt.date(2026, 9, 1), status=status,
                      team=[TeamMember(manager=head, role=TeamRole.head),
                            TeamMember(manager=admin, role=TeamRole.admin)], **kwargs)
    if status in (AccountStatus.approved, AccountStatus.suspended, AccountStatus.closed):
        account.approved_at = dt.datetime(2026, 9, 5, 10)
    db.session.add(account)
    db.session.flush()
    return account


def make_report(account: Account, period=dt.date(2026, 10, 1), status=ReviewStatus.draft) -> MonthlyReport:
    report = MonthlyReport(account=account, unit=account.unit, period=period, post_count=3,
                           snapshot_unit_name=account.unit.name, snapshot_platform=str(account.platform.name),
                           snapshot_account_name=account.name, status=status,
                           approved_at=dt.datetime(2026, 11, 3) if status == ReviewStatus.approved else None)
    db.session.add(report)
    db.session.flush()
    return report


def make_change(account: Account, kind=ChangeKind.name, status=ReviewStatus.draft) -> ChangeRecord:
    change = ChangeRecord(account=account, unit=account.unit, kind=kind, changed_on=dt.date(2026, 10, 8),
                          before={"name": account.name}, after={"name": f"{account.name}新名"},
                          reason=f"{account.name}更名", status=status)
    db.session.add(change)
    db.session.flush()
    return change


def make_violation(account: Account, kind=ViolationKind.late_report, measure=Measure.rectify) -> Violation:
    violation = Violation(account=account, unit=account.unit, occurred_on=dt.date(2026, 10, 9), kind=kind,
                          measure=measure, description=f"{account.name}逾期报送",
                          responsible_persons=f"{account.name}负责人")
    db.session.add(violation)
    db.session.flush()
    return violation


def make_incident(account: Account, kind=IncidentKind.harmful_content, found_at=dt.datetime(2026, 10, 12, 1, 30),
                  status=IncidentStatus.draft, **kwargs) -> Incident:
    """An incident (第十四条) on ``account``; a handled one was handled six hours after it was found and accepted
    by the department (approved_at) a day later."""
    if status == IncidentStatus.handled:
        kwargs.setdefault("handled_at", found_at + dt.timedelta(hours=6))
        kwargs.setdefault("action_taken", f"{account.name}已删除")
        kwargs.setdefault("approved_at", found_at + dt.timedelta(days=1))
    kwargs.setdefault("description", f"{account.name}评论区不良信息")
    incident = Incident(account=account, unit=account.unit, kind=kind, status=status, found_at=found_at,
                        found_by=f"{account.name}值班员", **kwargs)
    db.session.add(incident)
    db.session.flush()
    return incident


def make_assessment(unit: Unit, account: Account | None = None, year=2025) -> Assessment:
    assessment = Assessment(year=year, unit=unit, account=account, reports_expected=12, reports_on_time=10,
                            posts=100, violations=0, remarks=f"{account.name if account else unit.name}考核")
    db.session.add(assessment)
    db.session.flush()
    return assessment


def make_calendar_day(day=dt.date(2030, 1, 1), kind=DayKind.holiday, name="元旦") -> WorkCalendar:
    entry = WorkCalendar(day=day, kind=kind, name=name, source="manual")
    db.session.add(entry)
    db.session.flush()
    return entry


def make_attachment(owner, filename=None, content=TINY_PDF):
    from models import Attachment, AttachmentKind

    field = {Account: "account", ChangeRecord: "change", MonthlyReport: "report", Incident: "incident",
             Violation: "violation"}[type(owner)]
    attachment = Attachment(unit_id=owner.unit_id, kind=AttachmentKind.signed_form,
                            filename=filename or f"{owner}.pdf", content_type="application/pdf", size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), content=content, **{f"{field}_id": owner.id})
    db.session.add(attachment)
    db.session.flush()
    return attachment


def make_publication(account: Account, headline=None, status=PublicationStatus.draft, urgency=Urgency.normal,
                     topic=PublicationTopic.major_event, planned_in=dt.timedelta(days=2), **kwargs) -> Publication:
    """A 发布报批 of ``account``'s unit for that account, planned ``planned_in`` from now."""
    publication = Publication(unit_id=account.unit_id, accounts=[account], topic=topic, urgency=urgency,
                              headline=headline or f"{account.name}发布报批", body="拟发布的文字",
                              planned_at=utcnow() + planned_in, status=status, **kwargs)
    if status == PublicationStatus.approved:
        publication.approved_at = utcnow()
    if status == PublicationStatus.unrequested and publication.published_at is None:  # found published
        publication.published_url, publication.published_at = "https://weibo.com/found", utcnow()
    db.session.add(publication)
    db.session.flush()
    return publication


def make_responsibility(unit: Unit, first="王书记", leader="李副院长"):
    """The unit's 第一责任人 and 责任领导 (第九条, 第十条)."""
    from models import UnitResponsibility

    row = UnitResponsibility(unit_id=unit.id, first_name=first, first_title="党委书记", first_phone="0871-65023456",
                             media_leader_name=leader, media_leader_title="副院长", media_leader_phone="13800000000")
    db.session.add(row)
    db.session.flush()
    return row


def make_unit_rules(unit: Unit, title=None, adopted_on=dt.date(2025, 3, 1), content=TINY_PDF):
    """A 新媒体管理制度 on file (第十条, 第十九条)."""
    from models import UnitRules

    rules = UnitRules(unit_id=unit.id, title=title or f"{unit.name}新媒体管理办法", adopted_on=adopted_on,
                      covers_review=True, covers_three_reviews=True, filename="rules.pdf",
                      content_type="application/pdf", size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                      content=content)
    db.session.add(rules)
    db.session.flush()
    return rules
