"""One import of a register file: who, when, what it did. Every asset it created or changed has a ledger event naming
it, and the school's last column mapping is remembered for the next file."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tagsvc.extensions import Base, utcnow
from tagsvc.schools.wall import SchoolOwned


class ImportRun(SchoolOwned, Base):
    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    # The assets it created, for "print their labels" (ids, in the file's order).
    asset_ids: Mapped[list] = mapped_column(JSON, default=list)
    # A large file is imported in the background: "queued", "running", then "done" or "failed" (with why).
    status: Mapped[str] = mapped_column(String(16), default="done")
    error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None]
    # On the job queue: the review's choices (see spreadsheets.jobs) and when a worker last held it (its lease).
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def running(self) -> bool:
        return self.status in ("queued", "running")


class ColumnMemory(SchoolOwned, Base):
    """A header the school's files use, and the column it was mapped to last time (a person's correction wins over
    the built-in synonyms next time)."""

    __tablename__ = "import_column_memory"

    header: Mapped[str] = mapped_column(String(200), primary_key=True)  # folded (see columns.folded)
    key: Mapped[str] = mapped_column(String(40))  # a column key, or "" for a column to leave out
