"""settings: thresholds and weights the department edits on the 系统设置 screen

Revision ID: se7a41c2d9b0
Revises: f2c8d4e6a1b3
Create Date: 2026-12-01 20:40:00

"""
from alembic import op
import sqlalchemy as sa

revision = "se7a41c2d9b0"
down_revision = "f2c8d4e6a1b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("value >= 0", name=op.f("ck_settings_value_not_negative")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_settings_updated_by_id_users")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )


def downgrade():
    op.drop_table("settings")
