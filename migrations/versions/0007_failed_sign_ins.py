"""Failed sign-ins

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure'))
    )
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_failure_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_failure_client_hash'), ['client_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_failure_username'), ['username'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_failure_username'))
        batch_op.drop_index(batch_op.f('ix_sign_in_failure_client_hash'))
        batch_op.drop_index(batch_op.f('ix_sign_in_failure_at'))

    op.drop_table('sign_in_failure')
