"""trigram indexes for the account and manager searches (PostgreSQL only)

The search boxes of the accounts, reports, change requests and assessments lists look up accounts by
name, platform ID, 原始ID or home page with ILIKE '%term%'; the managers list by name, staff number
or phone. A sequential scan of 3,000 accounts with a case-insensitive match of Chinese text takes
~3 ms per statement, and a list runs two (count and page); the trigram GIN indexes answer in
~0.1 ms (docs/benchmarks.md, session 3). SQLite keeps scanning.

Revision ID: 8d41c6a2f7e3
Revises: 3c1f5a7e2b90
Create Date: 2026-11-25 21:40:00

"""
from alembic import op

revision = "8d41c6a2f7e3"
down_revision = "3c1f5a7e2b90"
branch_labels = None
depends_on = None

INDEXES = {  # name: (table, column); listed in models.base.POSTGRESQL_ONLY_INDEXES
    "ix_accounts_name_trgm": ("accounts", "name"),
    "ix_accounts_platform_account_id_trgm": ("accounts", "platform_account_id"),
    "ix_accounts_wechat_original_id_trgm": ("accounts", "wechat_original_id"),
    "ix_accounts_homepage_url_trgm": ("accounts", "homepage_url"),
    "ix_managers_name_trgm": ("managers", "name"),
    "ix_managers_staff_no_trgm": ("managers", "staff_no"),
    "ix_managers_phone_trgm": ("managers", "phone"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
