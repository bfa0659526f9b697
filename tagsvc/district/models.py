"""What the education bureau keeps of its own: the annual stocktake season it sets for every school."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tagsvc.extensions import Base, utcnow


class StocktakeSeason(Base):
    """The district's annual stocktake (年度资产清查): every school opens its whole-school stocktake for it and closes
    it by the deadline; the bureau follows each school's progress and, once closed, its reconciliation."""

    __tablename__ = "stocktake_season"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    deadline: Mapped[date]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_name: Mapped[str] = mapped_column(String(100), default="")
