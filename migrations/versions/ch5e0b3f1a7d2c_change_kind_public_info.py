"""change kind public_info: a published account's new QR code or homepage address, reviewed (issue 16, finding 6)

Revision ID: ch5e0b3f1a7d2c
Revises: au7c3e91d05b
Create Date: 2026-12-01 20:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ch5e0b3f1a7d2c'
down_revision = 'au7c3e91d05b'
branch_labels = None
depends_on = None


OLD = ("name", "managers", "maintenance", "closure", "other")
NEW = (*OLD, "public_info")


def _kind_check(values):
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    # The enum is a VARCHAR with a CHECK constraint (its length, 19, is unchanged): replace the constraint.
    with op.batch_alter_table("change_records") as batch_op:
        batch_op.drop_constraint(op.f("ck_change_records_change_kind"), type_="check")
        batch_op.create_check_constraint("change_kind", _kind_check(NEW))


def downgrade():
    # Kept as "other" changes: their proposed values and attachments stay readable.
    op.execute("UPDATE change_records SET kind = 'other', reason = COALESCE(NULLIF(reason, ''), 'public_info') "
               "WHERE kind = 'public_info'")
    with op.batch_alter_table("change_records") as batch_op:
        batch_op.drop_constraint(op.f("ck_change_records_change_kind"), type_="check")
        batch_op.create_check_constraint("change_kind", _kind_check(OLD))
