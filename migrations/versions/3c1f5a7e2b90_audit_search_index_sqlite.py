"""substring search index of the audit log on SQLite (FTS5 trigram)

PostgreSQL searches the audit log through trigram GIN indexes (0b7d2e4f9a11). SQLite has FTS5 with
the trigram tokenizer (SQLite 3.34+): an external-content index of the searched columns, kept by
triggers (the log is append-only; the delete trigger serves restores and tests that empty tables).
Terms of three characters or more are looked up in it (admin/audit.py); shorter ones scan.

Revision ID: 3c1f5a7e2b90
Revises: 0b7d2e4f9a11
Create Date: 2026-11-25 18:45:00

"""
from alembic import op

revision = "3c1f5a7e2b90"
down_revision = "0b7d2e4f9a11"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE audit_log_fts USING fts5(object_label, username, content='audit_log', "
               "content_rowid='id', tokenize='trigram')")
    op.execute("CREATE TRIGGER audit_log_fts_insert AFTER INSERT ON audit_log BEGIN "
               "INSERT INTO audit_log_fts(rowid, object_label, username) "
               "VALUES (new.id, new.object_label, new.username); END")
    op.execute("CREATE TRIGGER audit_log_fts_delete AFTER DELETE ON audit_log BEGIN "
               "INSERT INTO audit_log_fts(audit_log_fts, rowid, object_label, username) "
               "VALUES ('delete', old.id, old.object_label, old.username); END")
    op.execute("INSERT INTO audit_log_fts(audit_log_fts) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_fts_delete")
    op.execute("DROP TRIGGER IF EXISTS audit_log_fts_insert")
    op.execute("DROP TABLE IF EXISTS audit_log_fts")
