"""a disposal above the district's limit: the education bureau approves it after the office

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('disposal') as batch:
        batch.add_column(sa.Column('bureau_needed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('bureau_approved_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('bureau_approved_by_name', sa.String(length=100), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('disposal') as batch:
        batch.drop_column('bureau_approved_by_name')
        batch.drop_column('bureau_approved_at')
        batch.drop_column('bureau_needed')
