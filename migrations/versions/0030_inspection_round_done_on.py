"""the school's date on which an inspection round had every line of every item or room checked

The education bureau's page shows each school's share of rounds done on time: across a district that is one
statement over the rounds, instead of working out every plan's items again. Rounds recorded before this revision
get their date from `tagsvc db settle`.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inspection_round') as batch:
        batch.add_column(sa.Column('done_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inspection_round') as batch:
        batch.drop_column('done_on')
