"""imports on the job queue: the review's choices and the worker's lease

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_run') as batch:
        batch.add_column(sa.Column('options', sa.JSON(), nullable=False, server_default='{}'))
        batch.add_column(sa.Column('updated_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False,
                                   server_default=sa.text('CURRENT_TIMESTAMP')))


def downgrade() -> None:
    with op.batch_alter_table('import_run') as batch:
        batch.drop_column('updated_at')
        batch.drop_column('options')
