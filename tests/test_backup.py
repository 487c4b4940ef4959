"""Backup and restore of the whole register (attachments included), on the configured database."""

import sqlalchemy as sa

from models import Account, Attachment, AuditLog, MonthlyReport, Unit, User, db

from .test_attachments import PDF, _upload

MODELS = (Unit, User, Account, MonthlyReport, Attachment, AuditLog)


def _counts():
    return {m.__name__: db.session.query(m).count() for m in MODELS}


def test_backup_then_restore_finds_every_record(app, world, login_as, tmp_path):
    _upload(login_as("unit_editor"), "account", world["own_account"], PDF)
    runner = app.test_cli_runner()
    with app.app_context():
        before = _counts()
        attachment_content = db.session.query(Attachment).one().content
    result = runner.invoke(args=["backup", "create", str(tmp_path / "register.backup")])
    assert result.exit_code == 0, result.output
    # Damage the database after the backup: a lost account and a new stray unit.
    with app.app_context():
        db.session.execute(sa.text("DELETE FROM attachments"))
        db.session.execute(sa.text("DELETE FROM monthly_reports"))
        db.session.commit()
        assert _counts() != before
    result = runner.invoke(args=["backup", "restore", "--yes", str(tmp_path / "register.backup")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _counts() == before
        assert db.session.query(Attachment).one().content == attachment_content
        assert db.session.get(Account, world["own_account"]).name == "本单位帐号"


def test_restore_of_a_missing_file_is_refused(app):
    result = app.test_cli_runner().invoke(args=["backup", "restore", "--yes", "/nonexistent/file"])
    assert result.exit_code != 0
