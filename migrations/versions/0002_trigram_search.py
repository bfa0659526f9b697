"""Trigram indexes for searching asset names and numbers on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

A search matches anywhere in a name ("%LaserJet%"), which a b-tree cannot serve; without these PostgreSQL
reads all assets for every search with Latin letters (ILIKE). pg_trgm is a trusted extension: the database
owner may create it. SQLite needs nothing: its LIKE over 100,000 names stays well under the search budget.
The models do not declare these indexes (they exist on one database only); tagsvc.database tells Alembic's
autogenerate to leave them alone.
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_asset_name_trgm ON asset USING gin (name gin_trgm_ops)")
    op.execute("CREATE INDEX ix_asset_asset_number_trgm ON asset USING gin (asset_number gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_asset_asset_number_trgm")
    op.execute("DROP INDEX IF EXISTS ix_asset_name_trgm")
