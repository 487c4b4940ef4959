"""province scale (issue 18 item 4): reports by state and month, a unit's audit log by time

Revision ID: pv10a7c3e5d1
Revises: hp4c2e9a7d15
Create Date: 2026-12-01 23:35:00

At 3.6 million reports the department's list filtered by state and month sorted ~16,000 rows for its 20;
at 10 million audit rows a unit's log of one month read every unit's rows of that month (docs/benchmarks.md,
"Province scale").
"""
from alembic import op

revision = "pv10a7c3e5d1"
down_revision = "hp4c2e9a7d15"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.create_index("ix_monthly_reports_status_period_id", ["status", "period", "id"], unique=False)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_unit_id_at", ["unit_id", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_unit_id_at")
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_reports_status_period_id")
