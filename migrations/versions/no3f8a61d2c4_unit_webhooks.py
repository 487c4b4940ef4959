"""units: 企业微信 / 钉钉 group robot webhooks (and the 钉钉 加签 secret) for the reminders' group notices

Revision ID: no3f8a61d2c4
Revises: ro7e1a5c9b20
Create Date: 2026-12-01 22:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = "no3f8a61d2c4"
down_revision = "ro7e1a5c9b20"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wecom_webhook", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("dingtalk_webhook", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("dingtalk_secret", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("dingtalk_secret")
        batch_op.drop_column("dingtalk_webhook")
        batch_op.drop_column("wecom_webhook")
