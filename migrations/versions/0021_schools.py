"""schools: the installation's register becomes school 1 of a district; every school-owned row carries its school

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""
import os

from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

# Every table whose rows belong to one school (tagsvc.schools.wall.SchoolOwned), besides user_account.
SCHOOL_OWNED = [
    'api_token', 'asset', 'asset_hold', 'category', 'channel', 'channel_message', 'damage_liability', 'damage_report',
    'delivery', 'department', 'disposal', 'disposal_item', 'disposal_photo', 'document_counter', 'handout', 'handout_item',
    'import_column_memory', 'import_run', 'label_batch', 'ledger_event', 'location', 'notice', 'print_job',
    'printer_offset', 'report_addition', 'report_photo', 'stocktake', 'stocktake_device', 'stocktake_finding',
    'stocktake_item', 'stocktake_participant', 'stocktake_scan', 'tag', 'transfer', 'transfer_item',
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    school = op.create_table(
        'school',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('created_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
        sa.UniqueConstraint('code', name=op.f('uq_school_code')),
    )
    # What was one school's register is now school 1's: its name is the one the installation printed until now.
    op.bulk_insert(school, [{'id': 1, 'code': 's1', 'name': os.environ.get('TAGSVC_SCHOOL_NAME', ''),
                             'created_at': tagsvc.extensions.utcnow()}])
    if not sqlite:
        op.execute("SELECT setval(pg_get_serial_sequence('school', 'id'), 1)")

    for table in SCHOOL_OWNED:
        # Filled with 1 as it is added (no table copy on either database); PostgreSQL then forgets the default, so
        # that a write which forgot its school fails instead of landing in school 1. SQLite cannot drop a default
        # without copying the table; there the application always gives the school.
        op.add_column(table, sa.Column('school_id', sa.Integer(), nullable=False, server_default='1'))
        if not sqlite:
            op.alter_column(table, 'school_id', server_default=None)
        if table != 'document_counter':  # its key starts with the school
            op.create_index(op.f(f'ix_{table}_school_id'), table, ['school_id'])

    op.add_column('user_account', sa.Column('school_id', sa.Integer(), nullable=True))
    op.execute("UPDATE user_account SET school_id = 1 WHERE role <> 'district'")  # the bureau's people belong to none
    op.create_index(op.f('ix_user_account_school_id'), 'user_account', ['school_id'])

    # Asset numbers, department names and document numbers are each school's own.
    with op.batch_alter_table('asset', recreate='auto') as batch:
        batch.drop_constraint('uq_asset_asset_number', type_='unique')
        batch.create_unique_constraint('uq_asset_school_asset_number', ['school_id', 'asset_number'])
    with op.batch_alter_table('department', recreate='auto') as batch:
        batch.drop_constraint('uq_department_name', type_='unique')
        batch.create_unique_constraint('uq_department_school_name', ['school_id', 'name'])
    with op.batch_alter_table('document_counter', recreate='auto') as batch:
        batch.drop_constraint('pk_document_counter', type_='primary')
        batch.create_primary_key('pk_document_counter', ['school_id', 'prefix', 'year'])


def downgrade() -> None:
    with op.batch_alter_table('document_counter') as batch:
        batch.drop_constraint('pk_document_counter', type_='primary')
        batch.create_primary_key('pk_document_counter', ['prefix', 'year'])
    with op.batch_alter_table('department') as batch:
        batch.drop_constraint('uq_department_school_name', type_='unique')
        batch.create_unique_constraint('uq_department_name', ['name'])
    with op.batch_alter_table('asset') as batch:
        batch.drop_constraint('uq_asset_school_asset_number', type_='unique')
        batch.create_unique_constraint('uq_asset_asset_number', ['asset_number'])
    op.drop_index(op.f('ix_user_account_school_id'), table_name='user_account')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('school_id')
    for table in SCHOOL_OWNED:
        if table != 'document_counter':
            op.drop_index(op.f(f'ix_{table}_school_id'), table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column('school_id')
    op.drop_table('school')
