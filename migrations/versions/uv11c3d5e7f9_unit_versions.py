"""which units each change touched (issue 18 item 3): the department's home counts again only the changed units

Revision ID: uv11c3d5e7f9
Revises: sq9a4d2c6e8b1
Create Date: 2026-12-02 06:00:00

``data_version.epoch``: a random mark, made anew when the content is replaced (a restore), so that numbers that
repeat after it are not taken for the old content's. ``unit_versions`` holds, per unit, the data version's number of the last commit that changed that unit's rows;
``data_version.everything_at`` the number of the last commit whose change was not a few units' (settings, the
work calendar, a person on teams, statements over many rows). models/data_version.py writes both in the writing
transaction; admin/home_figures.py reads them to count afresh only what changed.

The department's cards of registrations waiting and to submit take their first five off (status, submitted_at, id)
and (status, registration_due, id) instead of sorting every registration in that state; the red flags card (涉密
reports not approved) its first five off a partial index by (period, id) instead of reading every such report
(PostgreSQL: the card's condition has the status as a bound value, which SQLite would not match to the index).
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "uv11c3d5e7f9"
down_revision = "sq9a4d2c6e8b1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("data_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("everything_at", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("epoch", sa.String(length=32), server_default="", nullable=False))
    # Whatever was kept before this migration is made afresh: everything changed at the number now, a new epoch.
    op.execute(sa.text("UPDATE data_version SET everything_at = number, epoch = :epoch")
               .bindparams(epoch=secrets.token_hex(8)))
    op.create_table(
        "unit_versions",
        sa.Column("unit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_unit_versions")),
    )
    with op.batch_alter_table("unit_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_versions_number"), ["number"], unique=False)
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_status_submitted_at_id", ["status", "submitted_at", "id"], unique=False)
        batch_op.create_index("ix_accounts_status_registration_due_id", ["status", "registration_due", "id"],
                              unique=False)
    if op.get_bind().dialect.name == "postgresql":  # SQLite matches a partial index's condition only to literals
        op.create_index("ix_monthly_reports_red_flags_period_id", "monthly_reports", ["period", "id"], unique=False,
                        postgresql_where=sa.text("involves_classified IS TRUE AND status <> 'approved'"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_monthly_reports_red_flags_period_id", table_name="monthly_reports")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_status_registration_due_id")
        batch_op.drop_index("ix_accounts_status_submitted_at_id")
    with op.batch_alter_table("unit_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_versions_number"))
    op.drop_table("unit_versions")
    with op.batch_alter_table("data_version", schema=None) as batch_op:
        batch_op.drop_column("epoch")
        batch_op.drop_column("everything_at")
