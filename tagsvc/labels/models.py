from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tagsvc.extensions import Base, enum_column_type, utcnow
from tagsvc.schools.wall import SchoolOwned


class PrintJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PrintJobKind(StrEnum):
    ASSETS = "assets"
    ROOMS = "rooms"
    BLANK = "blank"


class PrintJob(SchoolOwned, Base):
    """One PDF of labels. Small ones are made while the person waits; large ones in the background, with
    progress, so thousands of labels never time out a request."""

    __tablename__ = "print_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[PrintJobKind] = mapped_column(enum_column_type(PrintJobKind))
    sheet_slug: Mapped[str] = mapped_column(String(64))
    start_position: Mapped[int] = mapped_column(default=0)  # 0-based position of the first label on page one
    qr_level: Mapped[str] = mapped_column(String(1), default="M")
    tag_ids: Mapped[list] = mapped_column(JSON, default=list)  # in print order
    label_count: Mapped[int] = mapped_column(default=0)
    done_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[PrintJobStatus] = mapped_column(enum_column_type(PrintJobStatus), default=PrintJobStatus.QUEUED)
    error: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(100), default="")  # under PRINT_DIR once done
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class PrinterOffset(SchoolOwned, Base):
    """How far a printer misses a sheet's labels: everything printed on that sheet is moved by this much."""

    __tablename__ = "printer_offset"

    sheet_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    x_mm: Mapped[float] = mapped_column(default=0.0)  # positive moves the print right
    y_mm: Mapped[float] = mapped_column(default=0.0)  # positive moves the print down
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_name: Mapped[str] = mapped_column(String(100), default="")
