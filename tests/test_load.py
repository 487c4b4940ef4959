"""The write check of `flask --app wsgi bench load` (bench/load.py): what the virtual users were told
was saved against the database. The load run itself is a command, not a test (docs/load.md)."""
import pytest
import sqlalchemy as sa

from bench.load import check_writes, status_counts
from models import AuditLog, Role, db
from services import workflow

from .conftest import make_account, make_report, make_unit, make_user


@pytest.fixture
def submitted(ctx):
    """A draft report, the audit position and state counts before the 'run', then one real submit."""
    unit = make_unit()
    editor = make_user("load_editor", Role.unit_editor, unit)
    report = make_report(make_account(unit))
    db.session.commit()
    marker = db.session.execute(sa.select(sa.func.max(AuditLog.id))).scalar() or 0
    before = status_counts()
    workflow.submit(report, editor)
    db.session.commit()
    return report.id, marker, before


def _ok(findings):
    return {text.split(":")[0]: ok for text, ok in findings}


def test_confirmed_writes_match_the_database(submitted):
    report_id, marker, before = submitted
    ledger = {"confirmed": [["submit", report_id, "draft"]]}
    findings = check_writes(ledger, marker, before)
    assert all(ok for _text, ok in findings), findings
    assert "draft 1 → 0, unit_review 0 → 1" in " ".join(text for text, _ok in findings)


def test_a_confirmed_write_missing_from_the_database_is_a_lost_write(submitted):
    report_id, marker, before = submitted
    ledger = {"confirmed": [["submit", report_id, "draft"], ["confirm", report_id, ""]]}
    findings = check_writes(ledger, marker, before)
    assert _ok(findings)["report confirm"] is False
    assert "LOST 1" in " ".join(text for text, _ok in findings)
    assert _ok(findings)["reports per state as the confirmed steps predict"] is False


def test_a_write_no_client_was_told_about_fails_the_check(submitted):
    _report_id, marker, before = submitted
    findings = check_writes({"confirmed": []}, marker, before)
    assert _ok(findings)["report submit"] is False
    assert "1 written but not confirmed to a client" in " ".join(text for text, _ok in findings)
    assert _ok(findings)["reports per state as the confirmed steps predict"] is False
