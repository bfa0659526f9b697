"""group robots (WeCom, DingTalk), the news they want and its deliveries

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('department_ids', sa.JSON(), nullable=False),
    sa.Column('quiet_from', sa.Integer(), nullable=False),
    sa.Column('quiet_until', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel'))
    )
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('created_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('key', name=op.f('uq_notice_key'))
    )
    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_delivery_channel_id_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_delivery_notice_id_notice'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('notice_id', 'channel_id', name=op.f('uq_delivery_notice_id'))
    )
    op.create_index('ix_delivery_waiting', 'delivery', ['channel_id', 'status', 'next_attempt_at'], unique=False)
    op.create_table('channel_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notices', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_channel_message_channel_id_channel'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_message'))
    )
    op.create_index('ix_channel_message_recent', 'channel_message', ['channel_id', 'sent_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_channel_message_recent', table_name='channel_message')
    op.drop_table('channel_message')
    op.drop_index('ix_delivery_waiting', table_name='delivery')
    op.drop_table('delivery')
    op.drop_table('notice')
    op.drop_table('channel')
