"""Keep each tag's label QR matrix

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

Existing tags start empty ('' server default) and get their matrix the first time a label is printed.
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qr_text", sa.String(length=300), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("qr_level", sa.String(length=1), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("qr_matrix", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.drop_column("qr_matrix")
        batch_op.drop_column("qr_level")
        batch_op.drop_column("qr_text")
