"""Files kept in the database when TAGSVC_STORAGE_URL is `database` (several app servers)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tagsvc.extensions import Base, utcnow


class StoredFile(Base):
    __tablename__ = "stored_file"
    __table_args__ = (UniqueConstraint("area", "name"), Index("ix_stored_file_age", "area", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(String(16))  # photos, prints, imports
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
