"""a school's own settings: its fixed-asset threshold and its default language (empty: the installation's)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('school') as batch:
        batch.add_column(sa.Column('fixed_asset_threshold', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('default_language', sa.String(length=8), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('school') as batch:
        batch.drop_column('default_language')
        batch.drop_column('fixed_asset_threshold')
