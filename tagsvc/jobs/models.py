"""What the queue's periodic work remembers in the database."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tagsvc.extensions import Base, utcnow


class DailyRun(Base):
    """The school day a daily job last ran (loan reminders): the first worker to claim the day runs it, once."""

    __tablename__ = "daily_run"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date]
    ran_at: Mapped[datetime] = mapped_column(default=utcnow)
