"""Printing labels: print jobs, printer offsets, room labels and blank label batches

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

from tagsvc.extensions import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], name=op.f("fk_label_batch_created_by_id_user_account"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_label_batch")),
    )
    op.create_table(
        "print_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.Enum("assets", "rooms", "blank", name="printjobkind", native_enum=False, length=32, create_constraint=False), nullable=False),
        sa.Column("sheet_slug", sa.String(length=64), nullable=False),
        sa.Column("start_position", sa.Integer(), nullable=False),
        sa.Column("qr_level", sa.String(length=1), nullable=False),
        sa.Column("tag_ids", sa.JSON(), nullable=False),
        sa.Column("label_count", sa.Integer(), nullable=False),
        sa.Column("done_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("queued", "running", "done", "failed", name="printjobstatus", native_enum=False, length=32, create_constraint=False), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], name=op.f("fk_print_job_created_by_id_user_account"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_job")),
    )
    op.create_index(op.f("ix_print_job_created_by_id"), "print_job", ["created_by_id"], unique=False)
    op.create_table(
        "printer_offset",
        sa.Column("sheet_slug", sa.String(length=64), nullable=False),
        sa.Column("x_mm", sa.Double(), nullable=False),
        sa.Column("y_mm", sa.Double(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("sheet_slug", name=op.f("pk_printer_offset")),
    )
    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("printed_at", UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_tag_location_id_location"), "location", ["location_id"], ["id"], ondelete="RESTRICT")
        batch_op.create_foreign_key(batch_op.f("fk_tag_batch_id_label_batch"), "label_batch", ["batch_id"], ["id"], ondelete="RESTRICT")
        batch_op.create_index(batch_op.f("ix_tag_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            "uq_tag_current_per_location", ["location_id"], unique=True,
            sqlite_where=sa.text("retired_at IS NULL"), postgresql_where=sa.text("retired_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.drop_index("uq_tag_current_per_location")
        batch_op.drop_index(batch_op.f("ix_tag_batch_id"))
        batch_op.drop_constraint(batch_op.f("fk_tag_batch_id_label_batch"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_tag_location_id_location"), type_="foreignkey")
        batch_op.drop_column("printed_at")
        batch_op.drop_column("batch_id")
        batch_op.drop_column("location_id")
    op.drop_table("printer_offset")
    op.drop_index(op.f("ix_print_job_created_by_id"), table_name="print_job")
    op.drop_table("print_job")
    op.drop_table("label_batch")
