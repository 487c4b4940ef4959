"""A unit's change requests by deadline: (unit_id, due_on, id)

Since a request that only read ends with COMMIT (models/prepared.py), PostgreSQL keeps the plans of the statements
psycopg prepared, and after five runs may use one plan for every value of its parameters. For a unit's home page
that plan read the unit's change requests to submit by walking the deadlines of every unit's requests (9,700 rows
at scale 1, 3.7 ms); with this index it reads the unit's own, in deadline order (docs/benchmarks.md, session 10).

Revision ID: pp12d4f6a8c0
Revises: uv11c3d5e7f9
Create Date: 2026-12-02 09:30:00
"""
from alembic import op

revision = "pp12d4f6a8c0"
down_revision = "uv11c3d5e7f9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_change_records_unit_id_due_on_id", "change_records", ["unit_id", "due_on", "id"],
                    unique=False)


def downgrade():
    op.drop_index("ix_change_records_unit_id_due_on_id", table_name="change_records")
