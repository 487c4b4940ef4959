"""SQLite: two indexes as the app's statements can use them — the assessments' order, the classified reports

e5a9b3c1d2f4 made ix_assessments_year_desc_rank as (year DESC, rank). On SQLite, pb12a7c3e9f1 then rebuilt the
assessments table (its new CHECK constraint) and made its indexes again from what SQLite reports of them, which
has no column order: the index became (year, rank), and the list's first page sorted every assessment of the
table again (14.2 ms of SQL at scale 1, 0.2 ms read in order).

sc10b2u4c6e8 made the classified reports' partial index WHERE involves_classified IS TRUE. SQLite uses a partial
index only for a query whose WHERE has the index's condition in the same words, and SQLAlchemy writes
``involves_classified.is_(True)`` as ``involves_classified IS 1`` there: the index was never used, and the home
page's red flags read the reports in period order (95.7 → 1.2 ms at scale 1; docs/benchmarks.md "SQLite after
session 9"). PostgreSQL kept both indexes as made; nothing to do there.

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
    op.drop_index("ix_monthly_reports_classified_status_period", table_name="monthly_reports")
    op.create_index("ix_monthly_reports_classified_status_period", "monthly_reports", ["status", "period", "id"],
                    unique=False, sqlite_where=sa.text("involves_classified IS 1"))


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_monthly_reports_classified_status_period", table_name="monthly_reports")
    op.create_index("ix_monthly_reports_classified_status_period", "monthly_reports", ["status", "period", "id"],
                    unique=False, sqlite_where=sa.text("involves_classified IS TRUE"))
    # (the assessments' index stays in its order: the order e5a9b3c1d2f4 meant)
