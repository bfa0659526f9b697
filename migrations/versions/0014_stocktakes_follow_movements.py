"""a stocktake follows the transfers, loans, handovers and disposals of its items; texts the system writes are kept as
data and shown in the reader's language

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""
import re

from alembic import op
import sqlalchemy as sa
import tagsvc.extensions


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


# A broken return's report description as earlier versions wrote it, in the writer's language: now the pages say it.
_LOAN_PREFIX = re.compile(r"^(?:借用单 \S+ 归还时发现损坏：|Damaged on return from loan \S+: )")


def upgrade() -> None:
    with op.batch_alter_table('stocktake_item') as batch:
        batch.add_column(sa.Column('moved_by', sa.Enum('transfer', 'loan', 'handover', 'disposal', name='movement', native_enum=False,
                                                       create_constraint=False, length=32), nullable=True))
        batch.add_column(sa.Column('moved_by_number', sa.String(length=32), nullable=False, server_default=''))
        batch.add_column(sa.Column('moved_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('moved_at', tagsvc.extensions.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('left_list', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('ledger_event') as batch:
        batch.add_column(sa.Column('note_message', sa.JSON(), nullable=True))
    bind = op.get_bind()
    reports = sa.table('damage_report', sa.column('id', sa.Integer), sa.column('description', sa.Text), sa.column('handout_id', sa.Integer))
    for report_id, description in bind.execute(sa.select(reports.c.id, reports.c.description).where(reports.c.handout_id.is_not(None))).all():
        damage = _LOAN_PREFIX.sub("", description or "")
        if damage != description:
            bind.execute(reports.update().where(reports.c.id == report_id).values(description=damage))


def downgrade() -> None:
    with op.batch_alter_table('ledger_event') as batch:
        batch.drop_column('note_message')
    with op.batch_alter_table('stocktake_item') as batch:
        for column in ('left_list', 'moved_at', 'moved_by_id', 'moved_by_number', 'moved_by'):
            batch.drop_column(column)
