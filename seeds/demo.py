"""Demo data (`flask --app wsgi seed demo`): idempotent get-or-create by natural keys.

Built relative to today (nothing is submitted or approved after now): several units of different kinds,
accounts on several platforms in every status (some with a homepage URL, one with a QR code in the public
matrix, one 疑似僵尸号), managers, change records, monthly reports for the months before the current
reporting period (some late, some missing, one 涉密), a violation, and one login per role, each with an
e-mail address so that `flask remind` has someone to write to.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import struct
import zlib
from zoneinfo import ZoneInfo

from flask import current_app

from models import (Account, AccountStatus, Attachment, AttachmentKind, ChangeKind, ChangeRecord, EmploymentStatus,
                    Incident, IncidentKind, IncidentStatus, Maintenance, Manager, Measure, MonthlyReport, Platform,
                    Publication, PublicationStatus, PublicationTopic, ReviewStatus, Role, TeamMember, TeamRole, Unit,
                    UnitKind, Urgency, User, Violation, ViolationKind, db, utcnow)
from services import settings
from services.accounts import change_due, registration_due
from services.reports import add_months, report_window_end, reporting_period
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
#: Every demo login has an address of the reserved example domain (`flask remind` writes to the unit users).
EMAIL_DOMAIN = "example.edu.cn"

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

# (unit, name, platform, account id, original id, days before today it was opened, status, verified, head,
#  admins, homepage URL in a form each platform uses)
ACCOUNTS = [
    ("KJXY", "云财会计学院", Platform.wechat_subscription, "ynufe_kj", "gh_1a2b3c4d5e6f", 640,
     AccountStatus.approved, True, "张伟", ["刘洋"], None),
    ("KJXY", "会计学院微博", Platform.weibo, "5123456789", None, 550,
     AccountStatus.approved, False, "张伟", ["孙丽"], "https://weibo.com/u/5123456789"),
    ("KJXY", "会计学院抖音", Platform.douyin, "kjxy2026", None, 15,
     AccountStatus.draft, False, "张伟", ["刘洋"], None),
    ("KJXY", "会计学院视频号", Platform.wechat_channels, "sphkjxy", None, 21,
     AccountStatus.unit_review, False, "刘洋", ["孙丽"], None),
    ("TW", "云财青年", Platform.wechat_service, "ynufe_youth", "gh_0f1e2d3c4b5a", 820,
     AccountStatus.approved, True, "陈晨", ["黄海"], None),
    ("TW", "云财青年B站", Platform.bilibili, "2233445566", None, 43,
     AccountStatus.dept_review, False, "陈晨", ["林一"], "https://space.bilibili.com/2233445566"),
    ("TW", "云财青年小红书", Platform.xiaohongshu, "ynufe_xhs", None, 67,
     AccountStatus.returned, False, "陈晨", ["林一"], None),
    ("TW", "云财青年快手", Platform.kuaishou, "ks_ynufe", None, 1300,
     AccountStatus.suspended, False, "陈晨", ["林一"], None),
    ("TSG", "云财图书馆", Platform.wechat_subscription, "ynufe_lib", "gh_abcdef012345", 1700,
     AccountStatus.closed, True, "吴磊", ["钱程"], None),
    ("XXGL", "云财信息化", Platform.app, "cn.edu.ynufe.app", None, 1000,
     AccountStatus.approved, False, "郑华", ["冯晓"], None),
    # 疑似僵尸号: registered long ago, its last reports are older than the dormant thresholds.
    ("XXGL", "信息管理中心微博", Platform.weibo, "6012345678", None, 900,
     AccountStatus.approved, False, "郑华", ["冯晓"], "https://weibo.com/u/6012345678"),
]
#: The account whose QR code the public matrix shows.
QR_ACCOUNT = "云财会计学院"
#: The dormant account, and the accounts that report monthly.
DORMANT_ACCOUNT = "信息管理中心微博"
REPORTING = ("云财会计学院", "会计学院微博", "云财青年", "云财信息化")
#: Not reported for the month now due: one unit with logins to remind (提醒未报送单位), one without any.
MISSING_NOW = ("会计学院微博", "云财信息化")

UNIT_OPINION = "已知我单位开设此新媒体帐号，并明确对此帐号及发布内容负有管理责任。"


def _get_or_create(model, defaults=None, **keys):
    row = db.session.query(model).filter_by(**keys).one_or_none()
    if row is None:
        row = model(**keys, **(defaults or {}))
        db.session.add(row)
        db.session.flush()
    return row


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A time of day in the configured zone (Beijing), stored as naive UTC like every timestamp."""
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=_zone())
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def qr_png(text: str, scale: int = 6) -> bytes:
    """A small QR-code-like PNG drawn without any library: the three finder squares and modules derived from
    ``text`` (the same text gives the same image). A stand-in for the scan of a real QR code."""
    size, quiet = 25, 4
    digest = b""
    while len(digest) * 8 < size * size:
        digest += hashlib.sha256(text.encode() + len(digest).to_bytes(2, "big")).digest()
    bits = [(digest[i // 8] >> (i % 8)) & 1 for i in range(size * size)]

    def dark(row: int, col: int) -> bool:
        for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
            if top - 1 <= row <= top + 7 and left - 1 <= col <= left + 7:
                r, c = row - top, col - left
                if not (0 <= r <= 6 and 0 <= c <= 6):
                    return False  # the white separator
                return r in (0, 6) or c in (0, 6) or (2 <= r <= 4 and 2 <= c <= 4)
        if row == 6 or col == 6:
            return (row + col) % 2 == 0  # timing patterns
        return bool(bits[row * size + col])

    modules = size + 2 * quiet
    lines = []
    for y in range(modules * scale):
        row = y // scale - quiet
        line = bytearray([0])  # filter: none
        for x in range(modules * scale):
            col = x // scale - quiet
            line.append(0 if 0 <= row < size and 0 <= col < size and dark(row, col) else 255)
        lines.append(bytes(line))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    width = modules * scale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, width, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(lines), 9)) + chunk(b"IEND", b""))


def load_demo(today: dt.date | None = None, now: dt.datetime | None = None) -> list[tuple[str, str, str | None]]:
    """Load the demo data as of ``today`` (default: today in the configured zone); nothing in it is dated after
    ``now`` (default: now, or noon of ``today`` when only ``today`` is given)."""
    if now is None:
        now = utcnow() if today is None else _at(today, 12)
    if today is None:
        today = now.replace(tzinfo=dt.timezone.utc).astimezone(_zone()).date()
    latest = now - dt.timedelta(minutes=5)

    def past(moment: dt.datetime) -> dt.datetime:
        return min(moment, latest)

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
        if not user.email:
            user.email = f"{username}@{EMAIL_DOMAIN}"
        logins.append((username, role.name, unit_code))
    db.session.flush()
    dept = db.session.query(User).filter_by(username="dept").one()

    people = {}
    for unit_code, name, staff_no, title, phone, email, status in MANAGERS:
        people[name] = _get_or_create(Manager, dict(name=name, title=title, phone=phone, email=email,
                                                    employment_status=status),
                                      unit_id=units[unit_code].id, staff_no=staff_no)

    accounts = {}
    for unit_code, name, platform, account_id, original, days, status, verified, head, admins, url in ACCOUNTS:
        account = db.session.query(Account).filter_by(name=name).one_or_none()
        if account is None:
            created = today - dt.timedelta(days=days)
            due = registration_due(created)
            submitted = past(_at(created + dt.timedelta(days=3 if name != "云财青年B站" else 20), 9, 30))
            account = Account(
                name=name, platform=platform, platform_account_id=account_id, wechat_original_id=original,
                creator_entity=units[unit_code].name, unit=units[unit_code], created_on=created, verified=verified,
                positioning_function="发布本单位工作动态、通知公告", positioning_content="新闻、通知、服务信息",
                positioning_audience="本单位师生及校友", maintenance=Maintenance.self_run, homepage_url=url,
                status=status, registration_due=due,
            )
            if status != AccountStatus.draft:
                account.submitted_at = submitted
                account.is_late = submitted.date() > due
            if status in (AccountStatus.dept_review, AccountStatus.approved, AccountStatus.suspended,
                          AccountStatus.closed):
                account.unit_opinion = UNIT_OPINION
                account.unit_signed_at = past(submitted + dt.timedelta(hours=2))
            if status in (AccountStatus.approved, AccountStatus.suspended, AccountStatus.closed):
                account.dept_opinion = "同意备案。"
                account.approved_by = dept
                account.approved_at = past(submitted + dt.timedelta(days=1))
                account.in_matrix = status == AccountStatus.approved
            if status == AccountStatus.returned:
                account.return_reason = "媒体定位填写不完整，请补充受众定位。"
            account.team = [TeamMember(manager=people[head], role=TeamRole.head)] + [
                TeamMember(manager=people[a], role=TeamRole.admin) for a in admins
            ]
            db.session.add(account)
            db.session.flush()
        accounts[name] = account

    # The QR code shown on the public matrix page.
    qr_account = accounts[QR_ACCOUNT]
    if not db.session.query(Attachment).filter_by(account_id=qr_account.id, kind=AttachmentKind.qr_code).first():
        image = qr_png(f"https://mp.weixin.qq.com/ynufe/{qr_account.platform_account_id}")
        db.session.add(Attachment(
            unit_id=qr_account.unit_id, account_id=qr_account.id, kind=AttachmentKind.qr_code,
            filename=f"{qr_account.name}二维码.png", content_type="image/png", size=len(image),
            sha256=hashlib.sha256(image).hexdigest(), content=image, uploaded_by_id=dept.id))

    # A change request (name change, awaiting the unit) and an approved maintenance change.
    weibo = accounts["会计学院微博"]
    if not db.session.query(ChangeRecord).filter_by(account_id=weibo.id).first():
        changed = today - dt.timedelta(days=3)
        db.session.add(ChangeRecord(
            account=weibo, unit=weibo.unit, kind=ChangeKind.name, changed_on=changed,
            before={"name": weibo.name}, after={"name": "云财会计学院微博"}, reason="统一学院新媒体命名",
            status=ReviewStatus.unit_review, due_on=change_due(changed),
            submitted_at=past(_at(today - dt.timedelta(days=1), 10))))
        older = add_months(reporting_period(today), -3) + dt.timedelta(days=9)
        db.session.add(ChangeRecord(
            account=weibo, unit=weibo.unit, kind=ChangeKind.maintenance, changed_on=older,
            before={"maintenance": "outsourced"}, after={"maintenance": "self_run"}, reason="收回自行维护",
            status=ReviewStatus.approved, due_on=change_due(older), is_late=True,
            submitted_at=past(_at(older + dt.timedelta(days=12), 10)),
            unit_opinion="同意。", dept_opinion="准予变更备案。", approved_by=dept,
            approved_at=past(_at(older + dt.timedelta(days=13), 15))))

    # Monthly reports for the current reporting period and the two months before it: on time, late, missing
    # and one 涉密 red flag. The current period's reports wait for the department; its window may still be
    # open, so those not yet submitted by now are simply missing.
    current = reporting_period(today)
    for months_ago in (0, 1, 2):
        period = add_months(current, -months_ago)
        window_end = report_window_end(period)
        for name in REPORTING:
            account = accounts[name]
            if name in MISSING_NOW and months_ago == 0:
                continue  # missing report
            if db.session.query(MonthlyReport).filter_by(account_id=account.id, period=period).first():
                continue
            late = name == "会计学院微博" and months_ago == 1
            submitted = past(_at(window_end + dt.timedelta(days=4 if late else -2), 16))
            classified = name == "云财青年" and months_ago == 0
            pending = months_ago == 0
            _add_report(account, period, submitted, is_late=late or submitted.date() > window_end,
                        post_count=0 if name == "云财信息化" else 15 + months_ago * 3, classified=classified,
                        pending=pending, dept=dept, latest=latest)

    # The dormant account: its last reports (few posts, then none) are older than the thresholds.
    dormant = accounts[DORMANT_ACCOUNT]
    window = max(settings.value("dormant_no_posts_months"), settings.value("dormant_no_report_months"))
    for months_ago, posts in ((window + 2, 3), (window + 1, 1), (window, 0)):
        period = add_months(current, -months_ago)
        if not db.session.query(MonthlyReport).filter_by(account_id=dormant.id, period=period).first():
            _add_report(dormant, period, past(_at(report_window_end(period) - dt.timedelta(days=1), 11)),
                        is_late=False, post_count=posts, classified=False, pending=False, dept=dept, latest=latest)

    kuaishou = accounts["云财青年快手"]
    if not db.session.query(Violation).filter_by(account_id=kuaishou.id).first():
        occurred = today - dt.timedelta(days=109)
        db.session.add(Violation(
            account=kuaishou, unit=kuaishou.unit, occurred_on=occurred,
            kind=ViolationKind.unauthorised_sensitive, description="未经授权转发涉及学校突发事件的未核实信息。",
            measure=Measure.suspend, responsible_persons="陈晨（校团委新媒体中心负责人）",
            responsible_people=[{"name": "陈晨", "post": "校团委新媒体中心负责人"}],
            rectification_due=occurred + dt.timedelta(days=31)))
    # 第十四条: an incident 会计学院 found hours ago and submitted at once (awaiting its leader's opinion), and one
    # 校团委 handled within hours, confirmed by its leader and accepted by the department (已处置).
    for account, kind, found, handled, text, action in (
            (accounts["会计学院微博"], IncidentKind.public_opinion, past(now - dt.timedelta(hours=5)), None,
             "微博评论区出现关于学校食堂的不实传言，转发量上升。", None),
            (accounts["云财青年"], IncidentKind.harmful_content, past(now - dt.timedelta(days=3, hours=6)),
             past(now - dt.timedelta(days=3, hours=2)), "公众号留言区出现违反规定的广告信息。", "已删除留言并关闭该文章留言功能。")):
        if not db.session.query(Incident).filter_by(account_id=account.id, description=text).first():
            review = {"submitted_at": past(found + dt.timedelta(hours=1))}
            if handled:
                review.update(unit_opinion="情况属实，已按规定处置。", unit_signed_at=past(handled + dt.timedelta(hours=1)),
                              unit_signed_by=db.session.query(User).filter_by(username="tw_leader").one(),
                              dept_opinion="处置及时，同意。", approved_by=dept,
                              approved_at=past(handled + dt.timedelta(hours=3)))
            db.session.add(Incident(account=account, unit=account.unit, kind=kind, found_at=found, found_by="值班员",
                                    description=text, action_taken=action, handled_at=handled,
                                    status=IncidentStatus.handled if handled else IncidentStatus.unit_review,
                                    **review))
    # 发布报批 (第十二条): a request the department authorised with a condition, published a week ago.
    youth = accounts["云财青年"]
    headline = "校运会期间交通管制安排"
    if not db.session.query(Publication).filter_by(headline=headline).first():
        asked = past(_at(today - dt.timedelta(days=8), 9))
        db.session.add(Publication(
            unit=youth.unit, accounts=[youth], topic=PublicationTopic.major_event, urgency=Urgency.normal,
            headline=headline, body="校运会期间，体育场周边道路实行交通管制，请师生提前规划出行。",
            planned_at=past(_at(today - dt.timedelta(days=7), 10)), status=PublicationStatus.approved,
            submitted_at=asked, unit_opinion="同意发布，报请宣传部授权。", unit_signed_at=asked + dt.timedelta(hours=1),
            due_at=asked + dt.timedelta(days=3), dept_opinion="同意发布。", conditions="以学校通知原文为准，不得增删。",
            approved_by=dept, approved_at=asked + dt.timedelta(hours=5), decided_by=dept,
            decided_at=asked + dt.timedelta(hours=5), published_url="https://mp.weixin.qq.com/s/ynufe-demo-traffic",
            published_at=past(_at(today - dt.timedelta(days=7), 10, 5))))
    _add_governance(units, people, dept, today)
    db.session.flush()
    return logins


#: A one-page PDF standing in for a scanned 新媒体管理办法.
RULES_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _add_governance(units, people, dept, today: dt.date) -> None:
    """第九条, 第十条: 校团委 has named its 第一责任人 and 责任领导 (linked to its 陈晨) and keeps its 新媒体管理办法 on
    file (an older one superseded); 图书馆 has named its persons only; 会计学院 and 信息管理中心 have done neither."""
    from models import UnitResponsibility, UnitRules

    tw, tsg = units["TW"], units["TSG"]
    if not db.session.query(UnitResponsibility).filter_by(unit_id=tw.id).first():
        db.session.add(UnitResponsibility(unit_id=tw.id, first_name="陈静", first_title="校团委书记",
                                          first_phone="0871-65023003", media_leader_manager=people["陈晨"],
                                          media_leader_name="陈晨", media_leader_title="团委副书记"))
        for title, adopted in (("校团委新媒体管理暂行办法", dt.date(today.year - 4, 3, 1)),
                               ("校团委新媒体管理办法（含三审三校规定）", dt.date(today.year - 1, 9, 1))):
            db.session.add(UnitRules(unit_id=tw.id, title=title, adopted_on=adopted, covers_review=True,
                                     covers_three_reviews=adopted.year == today.year - 1, covers_traces=True,
                                     covers_maintenance=True, filename=f"{title}.pdf", content_type="application/pdf",
                                     size=len(RULES_PDF), sha256=hashlib.sha256(RULES_PDF).hexdigest(),
                                     content=RULES_PDF, uploaded_by_id=dept.id))
    if not db.session.query(UnitResponsibility).filter_by(unit_id=tsg.id).first():
        db.session.add(UnitResponsibility(unit_id=tsg.id, first_name="周涛", first_title="馆长",
                                          first_phone="0871-65023004", media_leader_name="吴磊",
                                          media_leader_title="办公室主任", media_leader_manager=people["吴磊"]))


def _add_report(account: Account, period: dt.date, submitted: dt.datetime, *, is_late: bool, post_count: int,
                classified: bool, pending: bool, dept: User, latest: dt.datetime) -> None:
    """A submitted monthly report with the account's snapshot: approved the next day, or waiting for the
    department (``pending``)."""
    db.session.add(MonthlyReport(
        account=account, unit=account.unit, period=period,
        snapshot_unit_name=account.unit.name, snapshot_platform=platform_code(account),
        snapshot_account_name=account.name,
        snapshot_account_id=account.platform_account_id or account.wechat_original_id,
        snapshot_staff=[{"role": m.role.name, "name": m.manager.name, "title": m.manager.title}
                        for m in account.team],
        post_count=post_count, topics="学院新闻、通知公告、学生活动报道", involves_classified=classified,
        status=ReviewStatus.dept_review if pending else ReviewStatus.approved,
        submitted_at=submitted, is_late=is_late, unit_opinion="属实。", unit_signed_at=submitted,
        dept_opinion=None if pending else "已阅。", approved_by=None if pending else dept,
        approved_at=None if pending else min(submitted + dt.timedelta(days=1), latest),
    ))
