"""`flask seed demo`: built relative to today, nothing dated after now, and every feature shown (a dormant
account, a QR code in the public matrix, homepage URLs the matrix check recognises, e-mail on every demo login
so that `flask remind` sends)."""
import datetime as dt

import filetype
import pytest

from models import (Account, AccountStatus, Attachment, AttachmentKind, ChangeRecord, MonthlyReport, Role, User,
                    Violation, db)

from .test_reminders import smtp  # noqa: F401 (the loopback SMTP server fixture)

STAMPS = {Account: ("submitted_at", "unit_signed_at", "approved_at"),
          ChangeRecord: ("submitted_at", "unit_signed_at", "approved_at"),
          MonthlyReport: ("submitted_at", "unit_signed_at", "approved_at")}


def _load(today=None):
    from seeds.demo import _at, load_demo

    load_demo(today)
    db.session.commit()
    return _at(today, 12) if today else None


@pytest.mark.parametrize("today", [dt.date(2026, 12, 1), dt.date(2027, 1, 2), dt.date(2026, 3, 5),
                                   dt.date(2028, 2, 29)])
def test_nothing_is_dated_after_today(app, ctx, today):
    now = _load(today)
    for model, columns in STAMPS.items():
        for row in db.session.query(model):
            for column in columns:
                value = getattr(row, column)
                assert value is None or value <= now, (model.__name__, str(row), column, value, now)
    assert all(a.created_on < today and a.registration_due for a in db.session.query(Account))
    assert all(c.changed_on <= today for c in db.session.query(ChangeRecord))
    assert all(v.occurred_on <= today for v in db.session.query(Violation))
    from services.reports import reporting_period

    periods = {r.period for r in db.session.query(MonthlyReport)}
    assert max(periods) == reporting_period(today)  # months counted back from the current reporting period
    assert db.session.query(MonthlyReport).filter_by(involves_classified=True).count() == 1
    # Still loads once: a second run adds nothing.
    counts = {m.__name__: db.session.query(m).count() for m in (Account, ChangeRecord, MonthlyReport, Attachment)}
    _load(today)
    assert {m.__name__: db.session.query(m).count() for m in (Account, ChangeRecord, MonthlyReport, Attachment)} \
        == counts


def test_with_the_real_today_nothing_is_in_the_future(app, ctx):
    from models import utcnow

    _load()
    now = utcnow()
    for model, columns in STAMPS.items():
        for column in columns:
            latest = db.session.query(db.func.max(getattr(model, column))).scalar()
            assert latest is None or latest <= now, (model.__name__, column, latest)


def test_a_dormant_account_is_on_the_departments_home(app):
    from admin.dashboard import home_context
    from seeds.demo import DORMANT_ACCOUNT

    today = dt.date(2026, 12, 1)
    with app.test_request_context():
        _load(today)
        dept = db.session.query(User).filter_by(username="dept").one()
        cards = home_context(dept, today)["cards"]
        assert DORMANT_ACCOUNT in [row["name"] for row in cards["dormant"].rows]
        assert cards["overdue_accounts"].rows and cards["missing_reports"].rows


def test_a_qr_code_and_homepage_urls(app):
    from services import matrix
    from services.attachments import ALLOWED_TYPES
    from seeds.demo import QR_ACCOUNT

    with app.app_context():
        _load(dt.date(2026, 12, 1))
        qr = db.session.query(Attachment).filter_by(kind=AttachmentKind.qr_code).one()
        account = db.session.get(Account, qr.account_id)
        assert account.name == QR_ACCOUNT and account.in_matrix
        detected = filetype.guess(qr.content)
        assert detected.mime == "image/png" and detected.mime in ALLOWED_TYPES and qr.size == len(qr.content)
        urls = {a.name: a.homepage_url for a in db.session.query(Account).filter(Account.homepage_url.is_not(None))}
        assert len(urls) >= 3 and any("weibo.com/u/" in u for u in urls.values()) \
            and any("space.bilibili.com/" in u for u in urls.values())
        registered = next(a for a in db.session.query(Account).filter(Account.homepage_url.is_not(None))
                          if a.status == AccountStatus.approved)
        assert matrix.verify(registered.homepage_url)["official"]
        account_id = account.id
    response = app.test_client().get(f"/matrix/qr/{account_id}.img")
    assert response.status_code == 200 and response.mimetype == "image/png"
    pil = pytest.importorskip("PIL.Image")
    import io

    image = pil.open(io.BytesIO(response.data))
    image.load()  # decodes every row: a valid PNG
    assert image.size[0] == image.size[1] >= 100


def test_every_demo_login_has_an_email_and_remind_sends(app, smtp):  # noqa: F811
    with app.app_context():
        _load()  # the real today: `flask remind` counts from it too
        users = db.session.query(User).all()
        assert all(u.email and u.email.endswith("@example.edu.cn") for u in users)
        unit_users = {u.email for u in users if u.role in (Role.unit_editor, Role.unit_leader)}
    result = app.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    recipients = {rcpt for rcpts, _message in smtp.messages for rcpt in rcpts}
    assert recipients and recipients <= unit_users
    assert {"kj_editor@example.edu.cn", "tw_editor@example.edu.cn"} <= recipients


def test_the_audit_log_names_the_fields_of_the_demo_qr_code(app):
    """The QR code's creation is in the audit log; its fields read in Chinese (e2e/test_screens checks it)."""
    from admin.audit import _field_label
    from models import AuditLog

    with app.test_request_context():
        _load(dt.date(2026, 12, 1))
        entry = db.session.query(AuditLog).filter_by(object_type="Attachment").one()
        labels = {_field_label(field, "Attachment") for field in entry.changes}
        assert {"文件名", "文件类型", "大小（字节）"} <= labels
        assert not {"filename", "content_type", "size", "sha256"} & labels
