"""Fixtures: an app on a fresh database built by the Alembic migrations, per-test clean tables,
a client per role (``login_as``) and small factories. DATABASE_URL selects PostgreSQL."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile

import pytest
import sqlalchemy as sa

from app import create_app
from models import (Account, AccountStatus, EmploymentStatus, Manager, MonthlyReport, Platform, ReviewStatus,
                    Role, TeamMember, TeamRole, Unit, UnitKind, User, db)

PASSWORD = "test-password-123"


def _database_url(tmpdir: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    return f"sqlite:///{tmpdir}/test.sqlite3"


@pytest.fixture(scope="session")
def app():
    tmpdir = tempfile.mkdtemp(prefix="xmt-test-")
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_url(tmpdir),
        "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashing in tests only
        # Thousands of logins from 127.0.0.1; tests/test_hardening.py lowers it to test the throttle.
        "LOGIN_RATE_LIMIT": "1000000 per minute",
    })
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
    shutil.rmtree(tmpdir, ignore_errors=True)


@pytest.fixture(autouse=True)
def clean_tables(app):
    yield
    from views.matrix import rendered

    rendered.clear()  # the public pages rendered per matrix version (one process serves every test)
    from services.exports import file_cache

    file_cache.clear()
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(sa.text(f"DELETE FROM {name}"))


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


# --- factories -------------------------------------------------------------------------------
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


@pytest.fixture
def world(app):
    """Two units with a user of every role, and records of each kind in both units."""
    with app.app_context():
        own, other = make_unit("KJXY", "会计学院"), make_unit("TW", "校团委", UnitKind.student_org)
        users = {
            "unit_editor": make_user("editor", Role.unit_editor, own),
            "unit_leader": make_user("leader", Role.unit_leader, own),
            "dept_admin": make_user("dept", Role.dept_admin),
            "auditor": make_user("auditor", Role.auditor),
            "other_editor": make_user("other_editor", Role.unit_editor, other),
        }
        own_account = make_account(own, "本单位帐号")
        other_account = make_account(other, "外单位帐号")
        data = {
            "own_unit": own.id, "other_unit": other.id,
            "own_account": own_account.id, "other_account": other_account.id,
            "own_manager": own_account.team[0].manager_id, "other_manager": other_account.team[0].manager_id,
            "own_admin": own_account.team[1].manager_id,
            "own_report": make_report(own_account).id, "other_report": make_report(other_account).id,
            "users": {k: v.id for k, v in users.items()},
        }
        db.session.commit()
    return data


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1) or match.group(2)


class RoleClient:
    def __init__(self, client):
        self.client = client
        self.csrf = None

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def login_as(app, world):
    def _login(role: str) -> RoleClient:
        username = {"unit_editor": "editor", "unit_leader": "leader", "dept_admin": "dept",
                    "auditor": "auditor", "other_editor": "other_editor"}[role]
        client = app.test_client()
        page = client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        rc = RoleClient(client)
        # A token for Flask-Admin's SecureForm (same session-bound token).
        rc.csrf = csrf_from(client.get("/admin/accounts/new/").get_data(as_text=True)) if role != "auditor" \
            else token
        return rc

    return _login


# --- appended for tests/test_access.py: records of every kind in both units ------------------
from models import (AuditLog, Assessment, ChangeKind, ChangeRecord, DayKind, Measure, Violation,  # noqa: E402
                    ViolationKind, WorkCalendar)


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


@pytest.fixture
def access_world(app, world):
    """``world`` plus a change request, a violation and an assessment in each unit, a calendar day,
    and ``rows[view] = {"own": id, "other": id}`` for every admin view (calendar rows have no unit)."""
    with app.app_context():
        own_account = db.session.get(Account, world["own_account"])
        other_account = db.session.get(Account, world["other_account"])
        own_change, other_change = make_change(own_account), make_change(other_account)
        own_violation, other_violation = make_violation(own_account), make_violation(other_account)
        own_assessment = make_assessment(own_account.unit, own_account)
        other_assessment = make_assessment(other_account.unit, other_account)
        day = make_calendar_day()
        db.session.commit()

        def audit_id(account_id):
            return db.session.query(AuditLog.id).filter_by(object_type="Account", object_id=account_id) \
                .order_by(AuditLog.id).limit(1).scalar()

        rows = {
            "accounts": {"own": world["own_account"], "other": world["other_account"]},
            "managers": {"own": world["own_manager"], "other": world["other_manager"]},
            "reports": {"own": world["own_report"], "other": world["other_report"]},
            "changes": {"own": own_change.id, "other": other_change.id},
            "violations": {"own": own_violation.id, "other": other_violation.id},
            "assessments": {"own": own_assessment.id, "other": other_assessment.id},
            "audit": {"own": audit_id(world["own_account"]), "other": audit_id(world["other_account"])},
            "units": {"own": world["own_unit"], "other": world["other_unit"]},
            "users": {"own": world["users"]["unit_editor"], "other": world["users"]["other_editor"]},
            "calendar": {"own": day.id, "other": day.id},
        }
        assert all(pair["own"] and pair["other"] for pair in rows.values()), rows
    return {**world, "rows": rows}


@pytest.fixture
def deletable(app, access_world):
    """``access_world["rows"]``, with accounts and managers that nothing refers to (so that an allowed
    delete really deletes; the world's accounts have reports, the managers are on teams)."""
    rows = {view: dict(pair) for view, pair in access_world["rows"].items()}
    with app.app_context():
        own, other = db.session.get(Unit, access_world["own_unit"]), db.session.get(Unit, access_world["other_unit"])
        rows["accounts"] = {"own": make_account(own, "本单位帐号草稿", account_id="own-spare").id,
                            "other": make_account(other, "外单位帐号草稿", account_id="other-spare").id}
        rows["managers"] = {"own": make_manager(own, "本单位帐号闲置人员").id,
                            "other": make_manager(other, "外单位帐号闲置人员").id}
        db.session.commit()
    return rows


import hashlib  # noqa: E402

#: The smallest file that passes the attachment type check (a PDF by its content).
TINY_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def make_attachment(owner, filename=None, content=TINY_PDF):
    from models import Attachment, AttachmentKind

    field = {Account: "account", ChangeRecord: "change", MonthlyReport: "report"}[type(owner)]
    attachment = Attachment(unit_id=owner.unit_id, kind=AttachmentKind.signed_form,
                            filename=filename or f"{owner}.pdf", content_type="application/pdf", size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), content=content, **{f"{field}_id": owner.id})
    db.session.add(attachment)
    db.session.flush()
    return attachment


@pytest.fixture
def attachment_world(app, access_world):
    """``access_world`` plus one attachment on each unit's account: ``attachments = {"own": id, "other": id}``."""
    with app.app_context():
        own = make_attachment(db.session.get(Account, access_world["own_account"]), "本单位帐号备案表.pdf")
        other = make_attachment(db.session.get(Account, access_world["other_account"]), "外单位帐号备案表.pdf")
        db.session.commit()
        ids = {"own": own.id, "other": other.id}
    return {**access_world, "attachments": ids}
