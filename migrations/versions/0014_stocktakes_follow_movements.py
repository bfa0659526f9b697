"""a stocktake follows the transfers, loans, handovers and disposals of its items; texts the system writes are kept as
data and shown in the reader's language

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('stocktake_item') as batch:
        batch.add_column(sa.Column('moved_by', sa.Enum('transfer', 'loan', 'handover', 'disposal', name='movement', native_enum=False,
                                                       create_constraint=False, length=32), nullable=True))
        batch.add_column(sa.Column('moved_by_number', sa.String(length=32), nullable=False, server_default=''))
        batch.add_column(sa.Column('moved_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('moved_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('left_list', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('stocktake_item') as batch:
        for column in ('left_list', 'moved_at', 'moved_by_id', 'moved_by_number', 'moved_by'):
            batch.drop_column(column)
