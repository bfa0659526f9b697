"""the education bureau's stocktake season: a deadline for every school's annual stocktake

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stocktake_season',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('opened_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.Column('opened_by_name', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake_season')),
    )
    op.add_column('stocktake', sa.Column('season_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_stocktake_season_id'), 'stocktake', ['season_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_stocktake_season_id'), table_name='stocktake')
    with op.batch_alter_table('stocktake') as batch:
        batch.drop_column('season_id')
    op.drop_table('stocktake_season')
