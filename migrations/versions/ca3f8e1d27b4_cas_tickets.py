"""cas_tickets: the CAS service ticket of each CAS sign-in and its session id (back-channel logout)

Revision ID: ca3f8e1d27b4
Revises: no3f8a61d2c4
Create Date: 2026-12-01 22:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = "ca3f8e1d27b4"
down_revision = "no3f8a61d2c4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cas_tickets",
        sa.Column("ticket", sa.String(length=256), nullable=False),
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_cas_tickets_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket", name=op.f("pk_cas_tickets")),
    )
    with op.batch_alter_table("cas_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cas_tickets_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cas_tickets_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("cas_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cas_tickets_user_id"))
        batch_op.drop_index(batch_op.f("ix_cas_tickets_created_at"))
    op.drop_table("cas_tickets")
