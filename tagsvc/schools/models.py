"""A school of the district: its own register, structure, people, documents and settings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tagsvc.extensions import Base, utcnow


class School(Base):
    """One school. An installation for one school is a district of one: the migration made school 1 of it."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # short, for commands and account names: s1, yz, 第一中学
    name: Mapped[str] = mapped_column(String(100), default="")  # printed on its labels and in its pages' header
    # The school's own settings; empty: the installation's (TAGSVC_FIXED_ASSET_THRESHOLD, TAGSVC_DEFAULT_LANGUAGE).
    fixed_asset_threshold: Mapped[int | None]  # 单位价值 at or above which an item is a fixed asset, in 元
    default_language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __str__(self) -> str:
        return self.name or self.code
