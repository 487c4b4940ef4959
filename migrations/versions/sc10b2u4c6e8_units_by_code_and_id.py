"""province scale (issue 18 item 4): the units in code order, read off an index with their ids

Revision ID: sc10b2u4c6e8
Revises: pv10a7c3e5d1
Create Date: 2026-12-02 02:40:00

The units list's deep page finds its 20 ids first (admin/paging.py): with 1,500 units that sorted every unit's
code for page 75; an index of (code, id) gives them by an index-only scan (1.7 → 0.4 ms in EXPLAIN ANALYZE,
docs/benchmarks.md "Province scale").
"""
from alembic import op

revision = "sc10b2u4c6e8"
down_revision = "pv10a7c3e5d1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index("ix_units_code_id", ["code", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index("ix_units_code_id")
