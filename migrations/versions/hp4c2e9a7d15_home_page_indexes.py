"""home page (issue 18 item 3): the cards' first rows and counts read off indexes; the data version

The department's home listed the five oldest reports (and change requests) waiting for it by sorting every
report in that state (3,500 at scale 1, ten times as many at province scale) and counted the open reports by
reading each row for its 涉密 flag. These indexes give the first five in index order, the counts per state from
the index alone (the 涉密 ones are counted apart, from their own index), and a unit's reports by state.

``data_version`` holds one number that every commit changing the registry's data raises (models/data_version.py):
the home page keeps its figures per scope and day until it moves.

Revision ID: hp4c2e9a7d15
Revises: gv4b7e2a9c15
Create Date: 2026-12-01 23:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "hp4c2e9a7d15"
down_revision = "gv4b7e2a9c15"
branch_labels = None
depends_on = None


def upgrade():
    version = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(version, [{"id": 1, "number": 0}])
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.create_index("ix_monthly_reports_status_submitted_at_id", ["status", "submitted_at", "id"],
                              unique=False)
        batch_op.create_index("ix_monthly_reports_unit_id_status", ["unit_id", "status"], unique=False)
    with op.batch_alter_table("change_records", schema=None) as batch_op:
        batch_op.create_index("ix_change_records_status_submitted_at_id", ["status", "submitted_at", "id"],
                              unique=False)
        batch_op.create_index("ix_change_records_status_due_on_id", ["status", "due_on", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("change_records", schema=None) as batch_op:
        batch_op.drop_index("ix_change_records_status_due_on_id")
        batch_op.drop_index("ix_change_records_status_submitted_at_id")
    with op.batch_alter_table("monthly_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_monthly_reports_unit_id_status")
        batch_op.drop_index("ix_monthly_reports_status_submitted_at_id")
    op.drop_table("data_version")
