"""unit governance: 第一责任人 and 责任领导 (第九条, 第十条), 新媒体管理制度 on file (第十条, 第十九条), and the
assessment's missing_governance figure

Revision ID: gv4b7e2a9c15
Revises: pb12a7c3e9f1
Create Date: 2026-12-01 23:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "gv4b7e2a9c15"
down_revision = "pb12a7c3e9f1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "unit_responsibilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("first_manager_id", sa.Integer(), nullable=True),
        sa.Column("first_name", sa.String(length=50), nullable=False),
        sa.Column("first_title", sa.String(length=50), nullable=False),
        sa.Column("first_phone", sa.String(length=30), nullable=True),
        sa.Column("media_leader_manager_id", sa.Integer(), nullable=True),
        sa.Column("media_leader_name", sa.String(length=50), nullable=False),
        sa.Column("media_leader_title", sa.String(length=50), nullable=False),
        sa.Column("media_leader_phone", sa.String(length=30), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("first_name <> '' AND first_title <> ''",
                           name=op.f("ck_unit_responsibilities_first_named")),
        sa.CheckConstraint("media_leader_name <> '' AND media_leader_title <> ''",
                           name=op.f("ck_unit_responsibilities_media_leader_named")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_responsibilities_unit_id_units")),
        sa.ForeignKeyConstraint(["first_manager_id"], ["managers.id"],
                                name=op.f("fk_unit_responsibilities_first_manager_id_managers")),
        sa.ForeignKeyConstraint(["media_leader_manager_id"], ["managers.id"],
                                name=op.f("fk_unit_responsibilities_media_leader_manager_id_managers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_responsibilities")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_unit_responsibilities_unit_id")),
    )
    with op.batch_alter_table("unit_responsibilities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_responsibilities_first_manager_id"), ["first_manager_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_unit_responsibilities_media_leader_manager_id"), ["media_leader_manager_id"],
                              unique=False)
    op.create_table(
        "unit_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("adopted_on", sa.Date(), nullable=False),
        sa.Column("covers_review", sa.Boolean(), nullable=False),
        sa.Column("covers_three_reviews", sa.Boolean(), nullable=False),
        sa.Column("covers_traces", sa.Boolean(), nullable=False),
        sa.Column("covers_maintenance", sa.Boolean(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("title <> ''", name=op.f("ck_unit_rules_title_not_empty")),
        sa.CheckConstraint("size > 0", name=op.f("ck_unit_rules_size_positive")),
        sa.CheckConstraint("content_type IN ('application/pdf', 'image/jpeg', 'image/png')",
                           name=op.f("ck_unit_rules_content_type")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_unit_rules_unit_id_units")),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["users.id"], name=op.f("fk_unit_rules_uploaded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_rules")),
    )
    with op.batch_alter_table("unit_rules", schema=None) as batch_op:
        batch_op.create_index("ix_unit_rules_unit_id_adopted_on", ["unit_id", "adopted_on"], unique=False)
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("governance_missing", sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_column("governance_missing")
    with op.batch_alter_table("unit_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_rules_unit_id_adopted_on")
    op.drop_table("unit_rules")
    with op.batch_alter_table("unit_responsibilities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_responsibilities_media_leader_manager_id"))
        batch_op.drop_index(batch_op.f("ix_unit_responsibilities_first_manager_id"))
    op.drop_table("unit_responsibilities")
