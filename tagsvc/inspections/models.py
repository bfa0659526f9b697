"""Safety inspection rounds (安全巡检): a plan says what is checked, against which checklist, how often and by whom; a
round is one plan's one period (this month's extinguishers, today's labs); a result is one checklist line of one
item or room in a round, sent from a phone once however often it is sent."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tagsvc.extensions import Base, enum_column_type, utcnow
from tagsvc.schools.wall import SchoolOwned


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"  # Monday to Sunday
    MONTHLY = "monthly"
    TERM = "term"  # a school term: 1 September to 31 January, 1 February to 31 August
    ONCE = "once"  # one round, from the plan's first day to its last


class TargetKind(StrEnum):
    CATEGORY = "category"  # every item on the books in a category and the categories below it (灭火器)
    ITEMS = "items"  # items chosen one by one
    ROOMS = "rooms"  # rooms: chosen ones, or every room of a chosen building or floor (the labs, the dorms)


class InspectionPlan(SchoolOwned, Base):
    __tablename__ = "inspection_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    target_kind: Mapped[TargetKind] = mapped_column(enum_column_type(TargetKind))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    asset_ids: Mapped[list] = mapped_column(JSON, default=list)  # TargetKind.ITEMS
    location_ids: Mapped[list] = mapped_column(JSON, default=list)  # TargetKind.ROOMS
    # [{"key": "k1", "text": "压力表指针在绿区"}, …]: a line keeps its key when its words are edited, so that results
    # recorded before still name it; each round keeps the lines it was walked with.
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    frequency: Mapped[Frequency] = mapped_column(enum_column_type(Frequency))
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]  # the last day of a ONCE plan's round; for the others, the plan stops after it
    # Who walks it: these people, and the keepers of these departments.
    inspector_ids: Mapped[list] = mapped_column(JSON, default=list)
    department_ids: Mapped[list] = mapped_column(JSON, default=list)
    # Items that wear out by date (an extinguisher: GA 95 scraps a dry-powder unit 10 years after manufacture): the
    # purchase date plus these years is its end; the office is told this many days before it.
    service_years: Mapped[int | None]
    replace_warning_days: Mapped[int] = mapped_column(default=60)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class InspectionRound(SchoolOwned, Base):
    """One plan's one period, begun by its first result (or its first opening on a phone)."""

    __tablename__ = "inspection_round"
    __table_args__ = (UniqueConstraint("plan_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id", ondelete="RESTRICT"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    checklist: Mapped[list] = mapped_column(JSON, default=list)  # the plan's lines when the round began
    begun_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Closed by the office when the record is signed: no result is taken after that.
    closed_at: Mapped[datetime | None]
    closed_by_name: Mapped[str] = mapped_column(String(100), default="")
    # The school's date when every line of every item or room it checked had a result (the bureau's "on time").
    done_on: Mapped[date | None]

    plan: Mapped[InspectionPlan] = relationship(lazy="joined")


class InspectionResult(SchoolOwned, Base):
    """One checklist line of one item or room in a round. The first result for a line stands (a second phone's is
    answered "already checked by …"); a result id made on the phone makes a resent batch count nothing twice."""

    __tablename__ = "inspection_result"
    __table_args__ = (UniqueConstraint("round_id", "target", "line_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[str] = mapped_column(String(64), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("inspection_round.id", ondelete="RESTRICT"), index=True)
    target: Mapped[str] = mapped_column(String(24))  # "asset:12" or "location:7": one column, so that it can be unique
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    line_key: Mapped[str] = mapped_column(String(20))
    line_text: Mapped[str] = mapped_column(String(200))
    passed: Mapped[bool]
    note: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str] = mapped_column(String(80), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    recorded_by_name: Mapped[str] = mapped_column(String(100), default="")
    checked_at: Mapped[datetime]  # on the phone's clock (within a tolerance), when the line was checked
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A failed line of an item opened (or joined) this damage report.
    damage_report_id: Mapped[int | None] = mapped_column(ForeignKey("damage_report.id", ondelete="RESTRICT"))
