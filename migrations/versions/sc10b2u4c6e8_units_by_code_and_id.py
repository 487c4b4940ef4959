"""province scale (issue 18 items 3, 4): the units in code order with their ids; the classified reports by step

Revision ID: sc10b2u4c6e8
Revises: pv10a7c3e5d1
Create Date: 2026-12-02 02:40:00

The units list's deep page finds its 20 ids first (admin/paging.py): with 1,500 units that sorted every unit's
code for page 75; an index of (code, id) gives them by an index-only scan (1.7 → 0.4 ms in EXPLAIN ANALYZE,
docs/benchmarks.md "Province scale").

The home page's red flags (涉密 reports not approved) were counted by reading every classified report's row to keep
the few open ones (7,216 rows for 93 at 3.6 million reports): a partial index of the classified reports by
(status, period, id) counts them from 100 index entries.
"""
import sqlalchemy as sa
from alembic import op

revision = "sc10b2u4c6e8"
down_revision = "pv10a7c3e5d1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index("ix_units_code_id", ["code", "id"], unique=False)
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.create_index("ix_monthly_reports_classified_status_period", ["status", "period", "id"],
                              unique=False, postgresql_where=sa.text("involves_classified IS TRUE"),
                              sqlite_where=sa.text("involves_classified IS TRUE"))


def downgrade():
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_reports_classified_status_period")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index("ix_units_code_id")
