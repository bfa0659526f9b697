"""one lower-cased column of each asset's name and number for the register's search; the trigram indexes go

Since 0022 the app's queries run under row-level security, and PostgreSQL uses an index for a condition under a
policy only when the condition's operator is leakproof: LIKE and ILIKE are not, so the trigram indexes of 0002 were
never used again, yet every insert and update of an asset still paid for them. A school's search reads its own rows
(about 10,000); ILIKE over two columns cost 7.5 ms of that, LIKE over one column lower-cased once when the row is
written costs 2 ms. The newline between the two can never be typed into a search (input_checks refuses it), so a
search never matches across them.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

SEARCH_TEXT = "lower(name) || '\n' || lower(asset_number)"


def upgrade() -> None:
    # PostgreSQL stores it (rewriting the table once); SQLite computes it as it reads (an added column may not be stored).
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.add_column('asset', sa.Column('search_text', sa.Text(), sa.Computed(SEARCH_TEXT, persisted=postgresql), nullable=True))
    if postgresql:
        op.execute("DROP INDEX IF EXISTS ix_asset_name_trgm")
        op.execute("DROP INDEX IF EXISTS ix_asset_asset_number_trgm")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE INDEX IF NOT EXISTS ix_asset_name_trgm ON asset USING gin (name gin_trgm_ops)")
        op.execute("CREATE INDEX IF NOT EXISTS ix_asset_asset_number_trgm ON asset USING gin (asset_number gin_trgm_ops)")
    op.drop_column('asset', 'search_text')
