"""SQLite: the assessments list's order index in its order again, year DESC, rank

e5a9b3c1d2f4 made ix_assessments_year_desc_rank as (year DESC, rank). On SQLite, pb12a7c3e9f1 then rebuilt the
assessments table (its new CHECK constraint) and made its indexes again from what SQLite reports of them, which
has no column order: the index became (year, rank), and the list's first page sorted every assessment of the
table again (12 ms at scale 1, against 0.3 ms read in order; docs/benchmarks.md "SQLite after session 9").
PostgreSQL kept the index as made; nothing to do there.

Revision ID: sq9a4d2c6e8b1
Revises: sc10b2u4c6e8
Create Date: 2026-12-02 06:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "sq9a4d2c6e8b1"
down_revision = "sc10b2u4c6e8"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_assessments_year_desc_rank", table_name="assessments")
    op.create_index("ix_assessments_year_desc_rank", "assessments", [sa.text("year DESC"), "rank"], unique=False)


def downgrade():
    pass  # the index as e5a9b3c1d2f4 meant it; nothing to undo
