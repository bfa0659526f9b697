"""revocable sign-ins, the sign-in lock, and what the security review found in stored data

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""
import re

from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# The borrower, as earlier versions wrote it into the public description of a report opened by a broken return.
_BORROWER_IN_DESCRIPTION = re.compile(r"（借用人：[^）]*）| \(borrower: [^)]*\)")


def upgrade() -> None:
    op.create_table('sign_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.Column('created_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sign_in_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in'))
    )
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_user_id'), ['user_id'], unique=False)
    op.create_table('sign_in_lock',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('touched_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_sign_in_lock'))
    )
    _strip_borrowers_from_public_descriptions()


def _strip_borrowers_from_public_descriptions() -> None:
    bind = op.get_bind()
    reports = sa.table('damage_report', sa.column('id', sa.Integer), sa.column('description', sa.Text), sa.column('handout_id', sa.Integer))
    for report_id, description in bind.execute(sa.select(reports.c.id, reports.c.description).where(reports.c.handout_id.is_not(None))).all():
        cleaned = _BORROWER_IN_DESCRIPTION.sub("", description or "")
        if cleaned != description:
            bind.execute(reports.update().where(reports.c.id == report_id).values(description=cleaned))


def downgrade() -> None:
    op.drop_table('sign_in_lock')
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_user_id'))
    op.drop_table('sign_in')
