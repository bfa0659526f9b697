"""asset register

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 20:35:53.043455
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('fixed_asset', 'low_value', 'consumable', name='assetkind', native_enum=False, length=32), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('full_name', sa.String(length=1000), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['category.id'], name=op.f('fk_category_parent_id_category'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('parent_id', 'name', name=op.f('uq_category_parent_id'))
    )
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_parent_id'), ['parent_id'], unique=False)

    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('office', 'teaching_group', 'class', 'dorm_block', 'other', name='departmentkind', native_enum=False, length=32), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('name', name=op.f('uq_department_name'))
    )
    op.create_table('location',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('campus', 'building', 'floor', 'room', 'spot', name='locationkind', native_enum=False, length=32), nullable=False),
    sa.Column('full_name', sa.String(length=1000), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['location.id'], name=op.f('fk_location_parent_id_location'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_location')),
    sa.UniqueConstraint('parent_id', 'name', name=op.f('uq_location_parent_id'))
    )
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_location_parent_id'), ['parent_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.Enum('admin', 'keeper', 'staff', 'repairer', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    op.create_table('asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_number', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('brand', sa.String(length=100), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('serial_number', sa.String(length=100), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('custodian_name', sa.String(length=100), nullable=False),
    sa.Column('custodian_phone', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('in_use', 'idle', 'on_loan', 'under_repair', 'damaged', 'lost', 'disposed', name='assetstatus', native_enum=False, length=32), nullable=False),
    sa.Column('condition', sa.Enum('new', 'good', 'fair', 'poor', 'broken', name='assetcondition', native_enum=False, length=32), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('supplier', sa.String(length=200), nullable=False),
    sa.Column('invoice_number', sa.String(length=100), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('photo', sa.String(length=80), nullable=False),
    sa.Column('last_confirmed_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_asset_category_id_category'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_asset_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_asset_location_id_location'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_asset')),
    sa.UniqueConstraint('asset_number', name=op.f('uq_asset_asset_number'))
    )
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_asset_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_asset_updated_at'), ['updated_at'], unique=False)

    op.create_table('department_keeper',
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_department_keeper_department_id_department'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_department_keeper_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('department_id', 'user_id', name=op.f('pk_department_keeper'))
    )
    op.create_table('ledger_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=False),
    sa.Column('at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.Enum('created', 'updated', 'tag_issued', 'tag_replaced', 'photo_changed', name='ledgeraction', native_enum=False, length=32), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_ledger_event_actor_id_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_ledger_event_asset_id_asset'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_event'))
    )
    with op.batch_alter_table('ledger_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_event_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_event_at'), ['at'], unique=False)

    op.create_table('tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['asset_id'], ['asset.id'], name=op.f('fk_tag_asset_id_asset'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['tag.id'], name=op.f('fk_tag_replaced_by_id_tag')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag')),
    sa.UniqueConstraint('code', name=op.f('uq_tag_code'))
    )
    with op.batch_alter_table('tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index('uq_tag_current_per_asset', ['asset_id'], unique=True, sqlite_where=sa.text('retired_at IS NULL'), postgresql_where=sa.text('retired_at IS NULL'))

    _protect_ledger()


def downgrade() -> None:
    _unprotect_ledger()
    with op.batch_alter_table('tag', schema=None) as batch_op:
        batch_op.drop_index('uq_tag_current_per_asset', sqlite_where=sa.text('retired_at IS NULL'), postgresql_where=sa.text('retired_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_tag_asset_id'))

    op.drop_table('tag')
    with op.batch_alter_table('ledger_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_event_at'))
        batch_op.drop_index(batch_op.f('ix_ledger_event_asset_id'))

    op.drop_table('ledger_event')
    op.drop_table('department_keeper')
    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_asset_updated_at'))
        batch_op.drop_index(batch_op.f('ix_asset_status'))
        batch_op.drop_index(batch_op.f('ix_asset_name'))
        batch_op.drop_index(batch_op.f('ix_asset_location_id'))
        batch_op.drop_index(batch_op.f('ix_asset_department_id'))
        batch_op.drop_index(batch_op.f('ix_asset_category_id'))

    op.drop_table('asset')
    op.drop_table('user_account')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_location_parent_id'))

    op.drop_table('location')
    op.drop_table('department')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_parent_id'))

    op.drop_table('category')


# The ledger is append-only in the database too, so no tool or hand-written SQL can rewrite history.
def _protect_ledger() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ledger_event_no_{verb.lower()} BEFORE {verb} ON ledger_event "
                "BEGIN SELECT RAISE(ABORT, 'ledger_event is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION ledger_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'ledger_event is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER ledger_event_append_only BEFORE UPDATE OR DELETE ON ledger_event "
            "FOR EACH ROW EXECUTE FUNCTION ledger_event_append_only()"
        )


def _unprotect_ledger() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS ledger_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS ledger_event_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_event_append_only ON ledger_event")
        op.execute("DROP FUNCTION IF EXISTS ledger_event_append_only()")
