"""indexes of the register that start with the school: a school's sort by last change and its status filter, and the
district page's sums per school and category (covering price and quantity on PostgreSQL)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""
from alembic import op


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_asset_school_updated', 'asset', ['school_id', 'updated_at'])
    op.create_index('ix_asset_school_status', 'asset', ['school_id', 'status'])
    op.create_index('ix_asset_school_category', 'asset', ['school_id', 'category_id'], postgresql_include=['status', 'price', 'quantity'])


def downgrade() -> None:
    for name in ('ix_asset_school_category', 'ix_asset_school_status', 'ix_asset_school_updated'):
        op.drop_index(name, table_name='asset')
