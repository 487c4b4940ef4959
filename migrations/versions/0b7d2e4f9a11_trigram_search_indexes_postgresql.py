"""trigram indexes for substring search (PostgreSQL only)

The audit log (a million rows) and the reports' topics are searched with ILIKE '%term%'; a B-tree
cannot serve that, a trigram GIN index can (docs/benchmarks.md: the audit search 533 -> 20 ms). SQLite
has no such index and keeps scanning. pg_trgm is a trusted extension: the database owner may create it.

Revision ID: 0b7d2e4f9a11
Revises: 5209b16d38cc
Create Date: 2026-11-25 18:10:00

"""
from alembic import op

revision = "0b7d2e4f9a11"
down_revision = "5209b16d38cc"
branch_labels = None
depends_on = None

INDEXES = {  # name: (table, column); listed in models.base.POSTGRESQL_ONLY_INDEXES
    "ix_audit_log_object_label_trgm": ("audit_log", "object_label"),
    "ix_audit_log_username_trgm": ("audit_log", "username"),
    "ix_monthly_reports_topics_trgm": ("monthly_reports", "topics"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
