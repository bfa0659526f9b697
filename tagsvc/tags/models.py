from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from tagsvc.extensions import Base, utcnow


class Tag(Base):
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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"), index=True)
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

    def __repr__(self) -> str:
        return f"<Tag {self.code}>"
