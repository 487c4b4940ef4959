"""the assessments list's order as an index: year DESC, rank

The list shows the newest year first and the best rank first within it. An index on (year, rank) can
only be read backwards as (year DESC, rank DESC), so PostgreSQL joined every account of the year
before sorting (9 ms); in this order the first page reads 20 entries.

Revision ID: e5a9b3c1d2f4
Revises: 8d41c6a2f7e3
Create Date: 2026-11-25 21:55:00

"""
from alembic import op
import sqlalchemy as sa

revision = "e5a9b3c1d2f4"
down_revision = "8d41c6a2f7e3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_year_rank")
        batch_op.create_index("ix_assessments_year_desc_rank", [sa.text("year DESC"), "rank"], unique=False)


def downgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_year_desc_rank")
        batch_op.create_index("ix_assessments_year_rank", ["year", "rank"], unique=False)
