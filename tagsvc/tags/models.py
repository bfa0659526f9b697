from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from tagsvc.extensions import Base, utcnow
from tagsvc.schools.wall import SchoolOwned


class Tag(SchoolOwned, Base):
    """A printed label's code. An asset has one current tag; replaced tags stay to redirect old labels."""

    __tablename__ = "tag"
    __table_args__ = (
        # One current (not retired) tag per asset.
        Index(
            "uq_tag_current_per_asset",
            "asset_id",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
        # One current room label per location.
        Index(
            "uq_tag_current_per_location",
            "location_id",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    # A tag names an asset, or a room (its room label), or nothing yet: a blank label from a batch, waiting to
    # be stuck on a new purchase and claimed when first scanned.
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("label_batch.id", ondelete="RESTRICT"), index=True)
    printed_at: Mapped[datetime | None]  # when its label was last printed; never printed while None
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("tag.id"))
    # The label's QR matrix, computed once (see tags.services.tag_qr); valid while the URL and level still match.
    qr_text: Mapped[str] = mapped_column(String(300), default="")
    qr_level: Mapped[str] = mapped_column(String(1), default="")
    qr_matrix: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_current(self) -> bool:
        return self.retired_at is None

    @property
    def is_blank(self) -> bool:
        return self.asset_id is None and self.location_id is None


class LabelBatch(SchoolOwned, Base):
    """A run of blank labels printed ahead of new purchases (验收入库: claimed one by one as items arrive)."""

    __tablename__ = "label_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    size: Mapped[int]

    def __repr__(self) -> str:
        return f"<Tag {self.code}>"
