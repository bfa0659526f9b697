"""transfers between schools (划拨): a document both schools read, its items, and (on PostgreSQL) the wall that lets
exactly those two schools through

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

THIS_SCHOOL = "nullif(current_setting('tagsvc.school', true), '')::int"
# Read and written by the sending school and the receiving school (and, with no school chosen, the bureau).
BETWEEN = f"{THIS_SCHOOL} IS NULL OR from_school_id = {THIS_SCHOOL} OR to_school_id = {THIS_SCHOOL}"
STATUSES = ('offered', 'accepted', 'approved', 'completed', 'declined', 'rejected', 'cancelled')


def upgrade() -> None:
    when = tagsvc.extensions.UTCDateTime(timezone=True)
    op.create_table(
        'school_transfer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('from_school_id', sa.Integer(), nullable=False),
        sa.Column('to_school_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=32), nullable=False),
        sa.Column('status', sa.Enum(*STATUSES, name='schooltransferstatus', native_enum=False, length=32, create_constraint=False), nullable=False),
        sa.Column('from_school_name', sa.String(length=200), nullable=False),
        sa.Column('to_school_name', sa.String(length=200), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('offered_at', when, nullable=False),
        sa.Column('offered_by_name', sa.String(length=100), nullable=False),
        sa.Column('to_department_id', sa.Integer(), nullable=True),
        sa.Column('to_department_name', sa.String(length=200), nullable=False),
        sa.Column('to_location_id', sa.Integer(), nullable=True),
        sa.Column('to_location_name', sa.String(length=1000), nullable=False),
        sa.Column('to_custodian', sa.String(length=100), nullable=False),
        sa.Column('accepted_at', when, nullable=True),
        sa.Column('accepted_by_name', sa.String(length=100), nullable=False),
        sa.Column('approved_at', when, nullable=True),
        sa.Column('approved_by_name', sa.String(length=100), nullable=False),
        sa.Column('closed_at', when, nullable=True),
        sa.Column('closed_by_name', sa.String(length=100), nullable=False),
        sa.Column('close_reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['to_department_id'], ['department.id'], name=op.f('fk_school_transfer_to_department_id_department'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['to_location_id'], ['location.id'], name=op.f('fk_school_transfer_to_location_id_location'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_school_transfer')),
        sa.UniqueConstraint('from_school_id', 'number', name='uq_school_transfer_number'),
    )
    for column in ('from_school_id', 'to_school_id', 'status'):
        op.create_index(op.f(f'ix_school_transfer_{column}'), 'school_transfer', [column])
    op.create_table(
        'school_transfer_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('from_school_id', sa.Integer(), nullable=False),
        sa.Column('to_school_id', sa.Integer(), nullable=False),
        sa.Column('transfer_id', sa.Integer(), nullable=False),
        sa.Column('asset_id', sa.Integer(), nullable=False),
        sa.Column('asset_number', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('tag_code', sa.String(length=16), nullable=False),
        sa.Column('arrived_at', when, nullable=True),
        sa.Column('arrived_by_name', sa.String(length=100), nullable=False),
        sa.Column('arrival_method', sa.Enum('tap', 'camera', 'typed', name='arrivalmethod', native_enum=False, length=32, create_constraint=False), nullable=True),
        sa.Column('new_asset_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['transfer_id'], ['school_transfer.id'], name=op.f('fk_school_transfer_item_transfer_id_school_transfer'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_school_transfer_item_asset_id_asset'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['new_asset_id'], ['asset.id'], name=op.f('fk_school_transfer_item_new_asset_id_asset'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_school_transfer_item')),
        sa.UniqueConstraint('transfer_id', 'asset_id', name=op.f('uq_school_transfer_item_transfer_id')),
    )
    for column in ('from_school_id', 'to_school_id', 'transfer_id', 'asset_id'):
        op.create_index(op.f(f'ix_school_transfer_item_{column}'), 'school_transfer_item', [column])
    if op.get_bind().dialect.name == 'postgresql':
        for table in ('school_transfer', 'school_transfer_item'):
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY school_wall ON {table} USING ({BETWEEN}) WITH CHECK ({BETWEEN})")


def downgrade() -> None:
    op.drop_table('school_transfer_item')
    op.drop_table('school_transfer')
