"""files kept in the database (TAGSVC_STORAGE_URL=database): photos, label PDFs, registers waiting for import

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file')),
    sa.UniqueConstraint('area', 'name', name=op.f('uq_stored_file_area'))
    )
    op.create_index('ix_stored_file_age', 'stored_file', ['area', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_stored_file_age', table_name='stored_file')
    op.drop_table('stored_file')
