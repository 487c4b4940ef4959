"""publications: 发布报批 (第十二条) — requests, their accounts, attachments; unauthorised publications in the assessment

Revision ID: pb12a7c3e9f1
Revises: ic4d2e8f1a93
Create Date: 2026-12-01 23:09:52.322431

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'pb12a7c3e9f1'
down_revision = 'ic4d2e8f1a93'
branch_labels = None
depends_on = None

KINDS_OLD = ("signed_form", "evidence", "qr_code", "screenshot", "decision", "other")  # as ic4d2e8f1a93 left them
KINDS_NEW = ("signed_form", "material", "evidence", "qr_code", "screenshot", "decision", "other")
OWNERS_OLD = ("account_id", "change_id", "report_id", "incident_id", "violation_id")
OWNERS_NEW = (*OWNERS_OLD, "publication_id")


def _kind_check(values):
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _owner_check(columns):
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


def upgrade():
    op.create_table('publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.Enum('major_event', 'emergency', 'social_hotspot', 'sensitive', name='publication_topic', native_enum=False, create_constraint=True, length=22), nullable=False),
    sa.Column('urgency', sa.Enum('normal', 'urgent', name='urgency', native_enum=False, create_constraint=True, length=14), nullable=False),
    sa.Column('headline', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('planned_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'unit_review', 'dept_review', 'approved', 'returned', 'refused', 'unrequested', name='publication_status', native_enum=False, create_constraint=True, length=19), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('approved_content', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('published_url', sa.String(length=500), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('violation_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('is_late', sa.Boolean(), nullable=False),
    sa.Column('unit_opinion', sa.Text(), nullable=True),
    sa.Column('unit_signed_by_id', sa.Integer(), nullable=True),
    sa.Column('unit_signed_at', sa.DateTime(), nullable=True),
    sa.Column('dept_opinion', sa.Text(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("headline <> ''", name=op.f('ck_publications_headline_not_empty')),
    sa.CheckConstraint("status <> 'approved' OR approved_at IS NOT NULL", name=op.f('ck_publications_approved_has_time')),
    sa.CheckConstraint("status <> 'unrequested' OR published_at IS NOT NULL", name=op.f('ck_publications_unrequested_is_published')),
    sa.CheckConstraint('(published_url IS NULL) = (published_at IS NULL)', name=op.f('ck_publications_published_url_and_time')),
    sa.CheckConstraint('violation_id IS NULL OR published_at IS NOT NULL', name=op.f('ck_publications_violation_after_publication')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_publications_approved_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_publications_decided_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_publications_unit_id_units')),
    sa.ForeignKeyConstraint(['unit_signed_by_id'], ['users.id'], name=op.f('fk_publications_unit_signed_by_id_users')),
    sa.ForeignKeyConstraint(['violation_id'], ['violations.id'], name=op.f('fk_publications_violation_id_violations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publications')),
    sa.UniqueConstraint('violation_id', name=op.f('uq_publications_violation_id'))
    )
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publications_approved_by_id'), ['approved_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_is_late'), ['is_late'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_planned_at'), ['planned_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_status'), ['status'], unique=False)
        batch_op.create_index('ix_publications_status_urgency_due_at', ['status', 'urgency', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_topic'), ['topic'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_publications_unit_id_status', ['unit_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_unit_signed_by_id'), ['unit_signed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publications_urgency'), ['urgency'], unique=False)

    op.create_table('publication_accounts',
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_publication_accounts_account_id_accounts')),
    sa.ForeignKeyConstraint(['publication_id'], ['publications.id'], name=op.f('fk_publication_accounts_publication_id_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('publication_id', 'account_id', name=op.f('pk_publication_accounts'))
    )
    with op.batch_alter_table('publication_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_accounts_account_id'), ['account_id'], unique=False)

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unauthorised_publications', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('unauthorised_publications_nonneg', 'unauthorised_publications >= 0')

    # An attachment may belong to a request (its material to publish): a fourth owner, a fifth kind. The enum
    # and the one-owner rule are CHECK constraints: replaced (SQLite recreates the table).
    with op.batch_alter_table('attachments', schema=None, recreate='always') as batch_op:
        batch_op.add_column(sa.Column('publication_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachments_publication_id'), ['publication_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachments_publication_id_publications'), 'publications', ['publication_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_attachments_exactly_one_owner'), type_='check')
        batch_op.create_check_constraint('exactly_one_owner', _owner_check(OWNERS_NEW))
        batch_op.drop_constraint(op.f('ck_attachments_attachment_kind'), type_='check')
        batch_op.create_check_constraint('attachment_kind', _kind_check(KINDS_NEW))


def downgrade():
    op.execute("DELETE FROM attachments WHERE publication_id IS NOT NULL OR kind = 'material'")
    with op.batch_alter_table('attachments', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f('ck_attachments_exactly_one_owner'), type_='check')
        batch_op.drop_constraint(op.f('ck_attachments_attachment_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_attachments_publication_id_publications'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachments_publication_id'))
        batch_op.drop_column('publication_id')
        batch_op.create_check_constraint('exactly_one_owner', _owner_check(OWNERS_OLD))
        batch_op.create_check_constraint('attachment_kind', _kind_check(KINDS_OLD))

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assessments_unauthorised_publications_nonneg'), type_='check')
        batch_op.drop_column('unauthorised_publications')

    with op.batch_alter_table('publication_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_accounts_account_id'))

    op.drop_table('publication_accounts')
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publications_urgency'))
        batch_op.drop_index(batch_op.f('ix_publications_unit_signed_by_id'))
        batch_op.drop_index('ix_publications_unit_id_status')
        batch_op.drop_index(batch_op.f('ix_publications_unit_id'))
        batch_op.drop_index(batch_op.f('ix_publications_topic'))
        batch_op.drop_index('ix_publications_status_urgency_due_at')
        batch_op.drop_index(batch_op.f('ix_publications_status'))
        batch_op.drop_index(batch_op.f('ix_publications_published_at'))
        batch_op.drop_index(batch_op.f('ix_publications_planned_at'))
        batch_op.drop_index(batch_op.f('ix_publications_is_late'))
        batch_op.drop_index(batch_op.f('ix_publications_decided_by_id'))
        batch_op.drop_index(batch_op.f('ix_publications_decided_at'))
        batch_op.drop_index(batch_op.f('ix_publications_approved_by_id'))

    op.drop_table('publications')
