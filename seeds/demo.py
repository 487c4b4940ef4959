"""Demo data (`flask --app wsgi seed demo`): idempotent get-or-create by natural keys.

Several units of different kinds, accounts on several platforms in every status, managers,
change records, monthly reports for recent months (some late, some missing, one 涉密),
a violation, and one login per role.
"""
from __future__ import annotations

import datetime as dt

from models import (Account, AccountStatus, ChangeKind, ChangeRecord, EmploymentStatus, Maintenance, Manager,
                    Measure, MonthlyReport, Platform, ReviewStatus, Role, TeamMember, TeamRole, Unit, UnitKind, User,
                    Violation, ViolationKind, db, utcnow)
from services.accounts import change_due, registration_due
from services.snapshots import platform_code
from services.workdays import sync_from_chinese_calendar

DEMO_PASSWORD = "demo-password-2026"

UNITS = [
    ("XCB", "党委宣传部", UnitKind.functional, "李明", "部长", "0871-65023456"),
    ("KJXY", "会计学院", UnitKind.college, "王芳", "院长", "0871-65023001"),
    ("XXGL", "信息管理中心", UnitKind.affiliated, "赵强", "主任", "0871-65023002"),
    ("TW", "校团委", UnitKind.student_org, "陈静", "书记", "0871-65023003"),
    ("TSG", "图书馆", UnitKind.affiliated, "周涛", "馆长", "0871-65023004"),
]

LOGINS = [
    ("dept", Role.dept_admin, None, "宣传部审核员"),
    ("auditor", Role.auditor, None, "信息中心审计"),
    ("kj_editor", Role.unit_editor, "KJXY", "会计学院管理员"),
    ("kj_leader", Role.unit_leader, "KJXY", "会计学院负责人"),
    ("tw_editor", Role.unit_editor, "TW", "校团委管理员"),
    ("tw_leader", Role.unit_leader, "TW", "校团委负责人"),
]

# (unit, name, staff_no, title, phone, email, status)
MANAGERS = [
    ("KJXY", "张伟", "20080012", "办公室主任", "13800001111", "zhangwei@example.edu.cn", EmploymentStatus.staff),
    ("KJXY", "刘洋", "20150033", "宣传干事", "13800002222", None, EmploymentStatus.staff),
    ("KJXY", "孙丽", "20210101", "辅导员", "13800003333", None, EmploymentStatus.non_staff),
    ("TW", "陈晨", "20120045", "团委副书记", "13900001111", "chenchen@example.edu.cn", EmploymentStatus.staff),
    ("TW", "林一", "2022110101", "学生记者", "13900002222", None, EmploymentStatus.student),
    ("TW", "黄海", "20100077", "宣传委员", "13900003333", None, EmploymentStatus.left),
    ("TSG", "吴磊", "20090021", "办公室主任", "13700001111", None, EmploymentStatus.staff),
    ("TSG", "钱程", "20160088", "馆员", "13700002222", None, EmploymentStatus.staff),
    ("XXGL", "郑华", "20110090", "网络科科长", "13600001111", None, EmploymentStatus.staff),
    ("XXGL", "冯晓", "20180066", "工程师", "13600002222", None, EmploymentStatus.staff),
]

# (unit, name, platform, account id, original id, created_on, status, verified, head, admins)
ACCOUNTS = [
    ("KJXY", "云财会计学院", Platform.wechat_subscription, "ynufe_kj", "gh_1a2b3c4d5e6f", dt.date(2025, 3, 3),
     AccountStatus.approved, True, "张伟", ["刘洋"]),
    ("KJXY", "会计学院微博", Platform.weibo, "5123456789", None, dt.date(2025, 6, 2),
     AccountStatus.approved, False, "张伟", ["孙丽"]),
    ("KJXY", "会计学院抖音", Platform.douyin, "kjxy2026", None, dt.date(2026, 11, 16),
     AccountStatus.draft, False, "张伟", ["刘洋"]),
    ("KJXY", "会计学院视频号", Platform.wechat_channels, "sphkjxy", None, dt.date(2026, 11, 10),
     AccountStatus.unit_review, False, "刘洋", ["孙丽"]),
    ("TW", "云财青年", Platform.wechat_service, "ynufe_youth", "gh_0f1e2d3c4b5a", dt.date(2024, 9, 2),
     AccountStatus.approved, True, "陈晨", ["黄海"]),
    ("TW", "云财青年B站", Platform.bilibili, "2233445566", None, dt.date(2026, 10, 19),
     AccountStatus.dept_review, False, "陈晨", ["林一"]),
    ("TW", "云财青年小红书", Platform.xiaohongshu, "ynufe_xhs", None, dt.date(2026, 9, 25),
     AccountStatus.returned, False, "陈晨", ["林一"]),
    ("TW", "云财青年快手", Platform.kuaishou, "ks_ynufe", None, dt.date(2023, 5, 8),
     AccountStatus.suspended, False, "陈晨", ["林一"]),
    ("TSG", "云财图书馆", Platform.wechat_subscription, "ynufe_lib", "gh_abcdef012345", dt.date(2022, 4, 11),
     AccountStatus.closed, True, "吴磊", ["钱程"]),
    ("XXGL", "云财信息化", Platform.app, "cn.edu.ynufe.app", None, dt.date(2024, 2, 26),
     AccountStatus.approved, False, "郑华", ["冯晓"]),
]

UNIT_OPINION = "已知我单位开设此新媒体帐号，并明确对此帐号及发布内容负有管理责任。"


def _get_or_create(model, defaults=None, **keys):
    row = db.session.query(model).filter_by(**keys).one_or_none()
    if row is None:
        row = model(**keys, **(defaults or {}))
        db.session.add(row)
        db.session.flush()
    return row


def _months_back(today: dt.date, n: int) -> dt.date:
    year, month = today.year, today.month - n
    while month <= 0:
        month += 12
        year -= 1
    return dt.date(year, month, 1)


def load_demo(today: dt.date | None = None) -> list[tuple[str, str, str | None]]:
    today = today or dt.date.today()
    sync_from_chinese_calendar()
    units = {}
    for code, name, kind, leader, title, phone in UNITS:
        units[code] = _get_or_create(Unit, dict(name=name, kind=kind, leader_name=leader, leader_title=title,
                                                phone=phone), code=code)
    logins = []
    for username, role, unit_code, display in LOGINS:
        user = db.session.query(User).filter_by(username=username).one_or_none()
        if user is None:
            user = User(username=username, display_name=display, role=role,
                        unit=units[unit_code] if unit_code else None)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
        logins.append((username, role.name, unit_code))
    db.session.flush()
    dept = db.session.query(User).filter_by(username="dept").one()

    people = {}
    for unit_code, name, staff_no, title, phone, email, status in MANAGERS:
        people[name] = _get_or_create(Manager, dict(name=name, title=title, phone=phone, email=email,
                                                    employment_status=status),
                                      unit_id=units[unit_code].id, staff_no=staff_no)

    accounts = {}
    for unit_code, name, platform, account_id, original, created, status, verified, head, admins in ACCOUNTS:
        account = db.session.query(Account).filter_by(name=name).one_or_none()
        if account is None:
            due = registration_due(created)
            submitted = dt.datetime.combine(created + dt.timedelta(days=3 if name != "云财青年B站" else 20),
                                            dt.time(9, 30))
            account = Account(
                name=name, platform=platform, platform_account_id=account_id, wechat_original_id=original,
                creator_entity=units[unit_code].name, unit=units[unit_code], created_on=created, verified=verified,
                positioning_function="发布本单位工作动态、通知公告", positioning_content="新闻、通知、服务信息",
                positioning_audience="本单位师生及校友", maintenance=Maintenance.self_run,
                status=status, registration_due=due,
            )
            if status != AccountStatus.draft:
                account.submitted_at = submitted
                account.is_late = submitted.date() > due
            if status in (AccountStatus.dept_review, AccountStatus.approved, AccountStatus.suspended,
                          AccountStatus.closed):
                account.unit_opinion = UNIT_OPINION
                account.unit_signed_at = submitted + dt.timedelta(hours=2)
            if status in (AccountStatus.approved, AccountStatus.suspended, AccountStatus.closed):
                account.dept_opinion = "同意备案。"
                account.approved_by = dept
                account.approved_at = submitted + dt.timedelta(days=1)
                account.in_matrix = status == AccountStatus.approved
            if status == AccountStatus.returned:
                account.return_reason = "媒体定位填写不完整，请补充受众定位。"
            account.team = [TeamMember(manager=people[head], role=TeamRole.head)] + [
                TeamMember(manager=people[a], role=TeamRole.admin) for a in admins
            ]
            db.session.add(account)
            db.session.flush()
        accounts[name] = account

    # A change request (name change, awaiting the unit) and an approved maintenance change.
    weibo = accounts["会计学院微博"]
    if not db.session.query(ChangeRecord).filter_by(account_id=weibo.id).first():
        changed = today - dt.timedelta(days=3)
        db.session.add(ChangeRecord(
            account=weibo, unit=weibo.unit, kind=ChangeKind.name, changed_on=changed,
            before={"name": weibo.name}, after={"name": "云财会计学院微博"}, reason="统一学院新媒体命名",
            status=ReviewStatus.unit_review, due_on=change_due(changed),
            submitted_at=utcnow()))
        older = _months_back(today, 4) + dt.timedelta(days=9)
        db.session.add(ChangeRecord(
            account=weibo, unit=weibo.unit, kind=ChangeKind.maintenance, changed_on=older,
            before={"maintenance": "outsourced"}, after={"maintenance": "self_run"}, reason="收回自行维护",
            status=ReviewStatus.approved, due_on=change_due(older), is_late=True,
            submitted_at=dt.datetime.combine(older + dt.timedelta(days=12), dt.time(10)),
            unit_opinion="同意。", dept_opinion="准予变更备案。", approved_by=dept,
            approved_at=dt.datetime.combine(older + dt.timedelta(days=13), dt.time(15))))

    # Monthly reports for the last three months: on time, late, missing, and one 涉密 red flag.
    for months_ago in (1, 2, 3):
        period = _months_back(today, months_ago)
        window_end = (_months_back(today, months_ago - 1)).replace(day=5)
        for name in ("云财会计学院", "会计学院微博", "云财青年", "云财信息化"):
            account = accounts[name]
            if name == "云财信息化" and months_ago == 1:
                continue  # missing report
            if db.session.query(MonthlyReport).filter_by(account_id=account.id, period=period).first():
                continue
            late = name == "会计学院微博" and months_ago == 2
            submitted = dt.datetime.combine(window_end + dt.timedelta(days=4 if late else -2), dt.time(16))
            classified = name == "云财青年" and months_ago == 1
            db.session.add(MonthlyReport(
                account=account, unit=account.unit, period=period,
                snapshot_unit_name=account.unit.name, snapshot_platform=platform_code(account),
                snapshot_account_name=account.name,
                snapshot_account_id=account.platform_account_id or account.wechat_original_id,
                snapshot_staff=[{"role": m.role.name, "name": m.manager.name, "title": m.manager.title}
                                for m in account.team],
                post_count=0 if name == "云财信息化" else 12 + months_ago * 3,
                topics="学院新闻、通知公告、学生活动报道",
                involves_classified=classified,
                status=ReviewStatus.dept_review if months_ago == 1 else ReviewStatus.approved,
                submitted_at=submitted, is_late=late,
                unit_opinion="属实。", unit_signed_at=submitted,
                dept_opinion=None if months_ago == 1 else "已阅。",
                approved_by=None if months_ago == 1 else dept,
                approved_at=None if months_ago == 1 else submitted + dt.timedelta(days=1),
            ))

    kuaishou = accounts["云财青年快手"]
    if not db.session.query(Violation).filter_by(account_id=kuaishou.id).first():
        db.session.add(Violation(
            account=kuaishou, unit=kuaishou.unit, occurred_on=dt.date(2026, 8, 14),
            kind=ViolationKind.unauthorised_sensitive, description="未经授权转发涉及学校突发事件的未核实信息。",
            measure=Measure.suspend, responsible_persons="陈晨", rectification_due=dt.date(2026, 9, 14)))
    db.session.flush()
    return logins
