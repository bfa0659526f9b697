"""a damage report on a room: a safety inspection's failed line of a room (a lab's gas left on, a dorm's broken
socket) opens a report for the office to triage as any other, with the room instead of an item

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('damage_report') as batch:
        batch.add_column(sa.Column('location_id', sa.Integer(), nullable=True))
        batch.alter_column('asset_id', existing_type=sa.Integer(), nullable=True)
        batch.alter_column('asset_status_before', existing_type=sa.String(length=32), nullable=True)
        batch.create_foreign_key(batch.f('fk_damage_report_location_id_location'), 'location', ['location_id'], ['id'], ondelete='RESTRICT')
        batch.create_index('ix_damage_report_location_id', ['location_id'], unique=False)
        batch.create_check_constraint('ck_damage_report_item_or_room', '(asset_id IS NULL) <> (location_id IS NULL)')


def downgrade() -> None:
    with op.batch_alter_table('damage_report') as batch:
        batch.drop_constraint('ck_damage_report_item_or_room', type_='check')
        batch.drop_index('ix_damage_report_location_id')
        batch.drop_constraint(batch.f('fk_damage_report_location_id_location'), type_='foreignkey')
        batch.alter_column('asset_status_before', existing_type=sa.String(length=32), nullable=False)
        batch.alter_column('asset_id', existing_type=sa.Integer(), nullable=False)
        batch.drop_column('location_id')
