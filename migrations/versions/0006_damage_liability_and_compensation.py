"""Damage liability and compensation

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('damage_liability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('party_kind', sa.Enum('student', 'class', 'dorm_room', 'department', 'unknown', name='liablepartykind', native_enum=False, length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('person_name', sa.String(length=100), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=100), nullable=False),
    sa.Column('paid_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_recorded_by_name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_damage_liability_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_damage_liability_location_id_location'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['report_id'], ['damage_report.id'], name=op.f('fk_damage_liability_report_id_damage_report'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_damage_liability')),
    sa.UniqueConstraint('report_id', name=op.f('uq_damage_liability_report_id'))
    )
    with op.batch_alter_table('damage_liability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_damage_liability_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_damage_liability_recorded_at'), ['recorded_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('damage_liability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_damage_liability_recorded_at'))
        batch_op.drop_index(batch_op.f('ix_damage_liability_department_id'))

    op.drop_table('damage_liability')
