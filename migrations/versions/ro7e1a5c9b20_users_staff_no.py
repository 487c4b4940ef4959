"""users: 工号 (staff_no), the link of a login to the 人事处 staff roster

`flask staff sync` deactivates the login of a person the roster lists as 离职 or 退休; a login is that
person's when its staff_no is their 工号. Nullable (department logins and logins not yet linked), unique.

Revision ID: ro7e1a5c9b20
Revises: ch5e0b3f1a7d2c
Create Date: 2026-12-01 21:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = "ro7e1a5c9b20"
down_revision = "ch5e0b3f1a7d2c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_no", sa.String(length=30), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_staff_no"), ["staff_no"])


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_staff_no"), type_="unique")
        batch_op.drop_column("staff_no")
