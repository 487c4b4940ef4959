"""Factories: one small function per kind of record, each adding one row (and what it needs) to
``db.session`` and flushing it. They run inside an app context; the caller commits.

tests/conftest.py re-exports every name here, so ``from .conftest import make_account`` keeps working.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from models import (Account, AccountStatus, Assessment, ChangeKind, ChangeRecord, DayKind, EmploymentStatus,
                    Incident, IncidentKind, IncidentStatus, Manager, Measure, MonthlyReport, Platform, ReviewStatus, Role, TeamMember, TeamRole, Unit,
                    UnitKind, User, Violation, ViolationKind, WorkCalendar, db)

PASSWORD = "test-password-123"

#: The smallest file that passes the attachment type check (a PDF by its content).
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

__all__ = ["PASSWORD", "TINY_PDF", "make_account", "make_assessment", "make_attachment", "make_calendar_day",
           "make_change", "make_incident", "make_manager", "make_report", "make_unit", "make_user", "make_violation"]


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
