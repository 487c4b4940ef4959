"""`flask remind`: one message per responsible unit user, over real SMTP on loopback, never twice a day."""
import datetime as dt
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from flask_babel import force_locale

from models import Account, MonthlyReport, ReminderLog, User, db
from services.text import date_text


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    old = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield inbox
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = old
    controller.stop()


@pytest.fixture
def due(app, world):
    with app.app_context():
        for username in ("editor", "leader", "other_editor"):
            db.session.query(User).filter_by(username=username).one().email = f"{username}@example.edu.cn"
        account = db.session.get(Account, world["own_account"])
        account.registration_due = dt.date.today() - dt.timedelta(days=3)
        db.session.query(MonthlyReport).delete()
        db.session.commit()
    return world


def test_each_unit_user_gets_one_message_once_a_day(app, due, smtp):
    result = app.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    recipients = sorted(rcpt[0] for rcpt, _ in smtp.messages)
    assert recipients == ["editor@example.edu.cn", "leader@example.edu.cn"]  # the other unit has nothing due
    body = smtp.messages[0][1].get_content()
    assert "本单位帐号" in body and "已逾期" in body
    with app.app_context(), force_locale("zh_Hans_CN"):
        due_day = date_text(dt.date.today() - dt.timedelta(days=3))
    assert due_day in body and (dt.date.today() - dt.timedelta(days=3)).isoformat() not in body  # 2026年11月28日
    assert "会计学院" in str(smtp.messages[0][1]["Subject"])
    again = app.test_cli_runner().invoke(args=["remind"])
    assert "0 sent" in again.output and len(smtp.messages) == 2
    with app.app_context():
        assert db.session.query(ReminderLog).count() == 2


def test_nothing_due_sends_nothing(app, world, smtp):
    with app.app_context():
        db.session.query(User).filter_by(username="editor").one().email = "editor@example.edu.cn"
        db.session.get(Account, world["own_account"]).registration_due = dt.date.today() + dt.timedelta(days=30)
        db.session.commit()
    app.test_cli_runner().invoke(args=["remind"])
    assert smtp.messages == []


def test_unreachable_mail_server_fails_loudly_without_logging_a_send(app, due):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    try:
        result = app.test_cli_runner().invoke(args=["remind"])
    finally:
        app.config.update(MAIL_SERVER="localhost", MAIL_PORT=25)
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.query(ReminderLog).count() == 0
