"""safety inspection rounds (安全巡检): plans, rounds (a plan's period) and results (a checklist line of an item or room)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

THIS_SCHOOL = "(SELECT nullif(current_setting('tagsvc.school', true), '')::int)"
OWN = f"{THIS_SCHOOL} IS NULL OR school_id = {THIS_SCHOOL}"
TABLES = ('inspection_plan', 'inspection_round', 'inspection_result')


def upgrade() -> None:
    when = tagsvc.extensions.UTCDateTime(timezone=True)
    op.create_table(
        'inspection_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('target_kind', sa.Enum('category', 'items', 'rooms', name='targetkind', native_enum=False, length=32, create_constraint=False), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('asset_ids', sa.JSON(), nullable=False),
        sa.Column('location_ids', sa.JSON(), nullable=False),
        sa.Column('checklist', sa.JSON(), nullable=False),
        sa.Column('frequency', sa.Enum('daily', 'weekly', 'monthly', 'term', 'once', name='frequency', native_enum=False, length=32, create_constraint=False), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('inspector_ids', sa.JSON(), nullable=False),
        sa.Column('department_ids', sa.JSON(), nullable=False),
        sa.Column('service_years', sa.Integer(), nullable=True),
        sa.Column('replace_warning_days', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', when, nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', when, nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_inspection_plan_category_id_category'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_inspection_plan_created_by_id_user_account'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_plan')),
    )
    op.create_index(op.f('ix_inspection_plan_school_id'), 'inspection_plan', ['school_id'])
    op.create_table(
        'inspection_round',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('checklist', sa.JSON(), nullable=False),
        sa.Column('begun_at', when, nullable=False),
        sa.Column('closed_at', when, nullable=True),
        sa.Column('closed_by_name', sa.String(length=100), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['inspection_plan.id'], name=op.f('fk_inspection_round_plan_id_inspection_plan'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_round')),
        sa.UniqueConstraint('plan_id', 'period_start', name=op.f('uq_inspection_round_plan_id')),
    )
    op.create_index(op.f('ix_inspection_round_plan_id'), 'inspection_round', ['plan_id'])
    op.create_index(op.f('ix_inspection_round_school_id'), 'inspection_round', ['school_id'])
    op.create_table(
        'inspection_result',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('result_id', sa.String(length=64), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=24), nullable=False),
        sa.Column('asset_id', sa.Integer(), nullable=True),
        sa.Column('location_id', sa.Integer(), nullable=True),
        sa.Column('line_key', sa.String(length=20), nullable=False),
        sa.Column('line_text', sa.String(length=200), nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('photo', sa.String(length=80), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_name', sa.String(length=100), nullable=False),
        sa.Column('checked_at', when, nullable=False),
        sa.Column('received_at', when, nullable=False),
        sa.Column('damage_report_id', sa.Integer(), nullable=True),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['inspection_round.id'], name=op.f('fk_inspection_result_round_id_inspection_round'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_inspection_result_asset_id_asset'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_inspection_result_location_id_location'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_inspection_result_recorded_by_id_user_account'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['damage_report_id'], ['damage_report.id'], name=op.f('fk_inspection_result_damage_report_id_damage_report'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_result')),
        sa.UniqueConstraint('result_id', name=op.f('uq_inspection_result_result_id')),
        sa.UniqueConstraint('round_id', 'target', 'line_key', name=op.f('uq_inspection_result_round_id')),
    )
    op.create_index(op.f('ix_inspection_result_round_id'), 'inspection_result', ['round_id'])
    op.create_index(op.f('ix_inspection_result_asset_id'), 'inspection_result', ['asset_id'])
    op.create_index(op.f('ix_inspection_result_school_id'), 'inspection_result', ['school_id'])
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY school_wall ON {table} USING ({OWN}) WITH CHECK ({OWN})")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
