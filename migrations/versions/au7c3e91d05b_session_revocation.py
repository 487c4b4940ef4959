"""sessions that end on every server: signed-out session ids, and a per-user session epoch

A signed session cookie outlived sign-out (issue 16, finding 7). ``revoked_sessions`` keeps the ids of
signed-out sessions; ``users.session_epoch`` is raised to end all of a user's sessions at once.

Revision ID: au7c3e91d05b
Revises: f2c8d4e6a1b3
Create Date: 2026-12-01 20:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "au7c3e91d05b"
down_revision = "f2c8d4e6a1b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "revoked_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revoked_sessions")),
    )
    with op.batch_alter_table("revoked_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revoked_sessions_revoked_at"), ["revoked_at"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_check_constraint("session_epoch_nonneg", "session_epoch >= 0")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_session_epoch_nonneg"), type_="check")
        batch_op.drop_column("session_epoch")
    with op.batch_alter_table("revoked_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revoked_sessions_revoked_at"))
    op.drop_table("revoked_sessions")
