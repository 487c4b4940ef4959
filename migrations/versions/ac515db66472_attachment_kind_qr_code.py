"""attachment kind qr_code

Revision ID: ac515db66472
Revises: c7c7187297f6
Create Date: 2026-11-25 15:42:55.847671

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ac515db66472'
down_revision = 'c7c7187297f6'
branch_labels = None
depends_on = None


OLD = ("signed_form", "evidence", "other")
NEW = ("signed_form", "evidence", "qr_code", "other")


def _kind_check(values):
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    # The enum is a VARCHAR with a CHECK constraint: replace the constraint.
    with op.batch_alter_table("attachments", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_attachments_attachment_kind"), type_="check")
        batch_op.create_check_constraint("attachment_kind", _kind_check(NEW))


def downgrade():
    op.execute("DELETE FROM attachments WHERE kind = 'qr_code'")
    with op.batch_alter_table("attachments", recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_attachments_attachment_kind"), type_="check")
        batch_op.create_check_constraint("attachment_kind", _kind_check(OLD))
