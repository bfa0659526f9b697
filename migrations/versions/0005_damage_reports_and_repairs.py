"""Damage reports and repairs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('damage_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('broken', 'not_working', 'missing_part', 'unsafe', 'other', name='damagekind', native_enum=False, length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('reporter_name', sa.String(length=100), nullable=False),
    sa.Column('reporter_group', sa.String(length=100), nullable=False),
    sa.Column('reporter_contact', sa.String(length=100), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('new', 'accepted', 'in_progress', 'done', 'not_repairable', 'rejected', 'merged', name='reportstatus', native_enum=False, length=32), nullable=False),
    sa.Column('asset_status_before', sa.Enum('in_use', 'idle', 'on_loan', 'under_repair', 'damaged', 'lost', 'disposed', name='assetstatus', native_enum=False, length=32), nullable=False),
    sa.Column('priority', sa.Enum('urgent', 'normal', 'low', name='priority', native_enum=False, length=32), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('office_note', sa.Text(), nullable=False),
    sa.Column('triaged_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('repair_note', sa.Text(), nullable=False),
    sa.Column('parts_cost', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('repair_photo', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_damage_report_asset_id_asset'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'], name=op.f('fk_damage_report_assignee_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['damage_report.id'], name=op.f('fk_damage_report_merged_into_id_damage_report'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_damage_report_reporter_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_damage_report'))
    )
    with op.batch_alter_table('damage_report', schema=None) as batch_op:
        batch_op.create_index('ix_damage_report_asset_created', ['asset_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_damage_report_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_damage_report_client_hash'), ['client_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_damage_report_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_damage_report_status'), ['status'], unique=False)

    op.create_table('report_addition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('created_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reporter_name', sa.String(length=100), nullable=False),
    sa.Column('reporter_group', sa.String(length=100), nullable=False),
    sa.Column('reporter_contact', sa.String(length=100), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['damage_report.id'], name=op.f('fk_report_addition_report_id_damage_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_report_addition_reporter_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_addition'))
    )
    with op.batch_alter_table('report_addition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_addition_client_hash'), ['client_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_addition_report_id'), ['report_id'], unique=False)

    op.create_table('report_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['damage_report.id'], name=op.f('fk_report_photo_report_id_damage_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_photo'))
    )
    with op.batch_alter_table('report_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_photo_report_id'), ['report_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_photo_report_id'))

    op.drop_table('report_photo')
    with op.batch_alter_table('report_addition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_addition_report_id'))
        batch_op.drop_index(batch_op.f('ix_report_addition_client_hash'))

    op.drop_table('report_addition')
    with op.batch_alter_table('damage_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_damage_report_status'))
        batch_op.drop_index(batch_op.f('ix_damage_report_created_at'))
        batch_op.drop_index(batch_op.f('ix_damage_report_client_hash'))
        batch_op.drop_index(batch_op.f('ix_damage_report_assignee_id'))
        batch_op.drop_index('ix_damage_report_asset_created')

    op.drop_table('damage_report')
