"""the words of each message sent to a group, for the office's delivery log

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_message') as batch:
        batch.add_column(sa.Column('title', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('text', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('channel_message') as batch:
        batch.drop_column('text')
        batch.drop_column('title')
