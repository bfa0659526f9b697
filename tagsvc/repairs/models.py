from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.extensions import Base, enum_column_type, utcnow
from tagsvc.schools.wall import SchoolOwned
from tagsvc.loans.models import Handout
from tagsvc.structure.models import Department, Location

if TYPE_CHECKING:
    from tagsvc.accounts.models import User


class DamageKind(StrEnum):
    BROKEN = "broken"
    NOT_WORKING = "not_working"
    MISSING_PART = "missing_part"
    UNSAFE = "unsafe"
    OTHER = "other"


class ReportStatus(StrEnum):
    NEW = "new"  # waiting for the office
    ACCEPTED = "accepted"  # a fault: repair scheduled, a repairer assigned
    IN_PROGRESS = "in_progress"
    DONE = "done"
    NOT_REPAIRABLE = "not_repairable"  # the repairer proposes disposal to the office
    REJECTED = "rejected"  # not a fault
    MERGED = "merged"  # the same fault as another report


OPEN_STATUSES = (ReportStatus.NEW, ReportStatus.ACCEPTED, ReportStatus.IN_PROGRESS)


class Priority(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"
    LOW = "low"


class DamageReport(SchoolOwned, Base):
    """One report of damage and, once accepted, its repair work order."""

    __tablename__ = "damage_report"
    __table_args__ = (Index("ix_damage_report_asset_created", "asset_id", "created_at"),
                      CheckConstraint("(asset_id IS NULL) <> (location_id IS NULL)", name="item_or_room"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # An item's report, or a room's (a safety inspection's failed line of a lab or a dorm room): one of the two.
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[DamageKind] = mapped_column(enum_column_type(DamageKind))
    description: Mapped[str] = mapped_column(Text)
    # Optional, and only for the office: who reported it and how to reach them.
    reporter_name: Mapped[str] = mapped_column(String(100), default="")
    reporter_group: Mapped[str] = mapped_column(String(100), default="")  # class or department, as typed
    reporter_contact: Mapped[str] = mapped_column(String(100), default="")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    client_hash: Mapped[str] = mapped_column(String(64), default="", index=True)  # rate limiting; never the raw address
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[ReportStatus] = mapped_column(enum_column_type(ReportStatus), default=ReportStatus.NEW, index=True)
    asset_status_before: Mapped[AssetStatus | None] = mapped_column(enum_column_type(AssetStatus))  # restored on rejection; a room's: none
    priority: Mapped[Priority] = mapped_column(enum_column_type(Priority), default=Priority.NORMAL)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("damage_report.id", ondelete="RESTRICT"))
    office_note: Mapped[str] = mapped_column(Text, default="")
    triaged_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    repair_note: Mapped[str] = mapped_column(Text, default="")
    parts_cost: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    repair_photo: Mapped[str] = mapped_column(String(100), default="")
    # Found damaged when it came back from a loan: the borrower is the likely liable party. Who borrowed it is the
    # office's to read (repairs.views.detail), never written into the description, which anyone scanning the label reads.
    handout_id: Mapped[int | None] = mapped_column(ForeignKey("handout.id", ondelete="RESTRICT"))

    asset: Mapped[Asset | None] = relationship(lazy="joined")
    location: Mapped[Location | None] = relationship(foreign_keys=[location_id])
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    handout: Mapped[Handout | None] = relationship(foreign_keys=[handout_id])

    @property
    def description_words(self) -> str:
        """What is wrong, in the reporter's words; a broken return's in the reader's language names its loan."""
        if self.handout_id is None:
            return self.description
        from flask_babel import gettext

        return gettext("Damaged on return from loan %(number)s: %(damage)s", number=self.handout.number, damage=self.description)
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    photos: Mapped[list[ReportPhoto]] = relationship(order_by="ReportPhoto.id", cascade="all, delete-orphan")
    additions: Mapped[list[ReportAddition]] = relationship(order_by="ReportAddition.id", cascade="all, delete-orphan")
    liability: Mapped[Liability | None] = relationship(back_populates="report", uselist=False)

    @property
    def subject_name(self) -> str:
        """What is reported: the item's name, or the room's full name."""
        return self.asset.name if self.asset is not None else self.location.full_name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def readable_by(self, user) -> bool:
        """The office, the repairer it is assigned to, the keepers of the item's department (who follow their
        department's repairs) and the person who reported it may read it; the office alone decides on it."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        return (user.is_admin or self.assignee_id == user.id or self.reporter_id == user.id
                or (user.role == "keeper" and self.asset is not None and user.keeps(self.asset.department_id)))


class ReportPhoto(SchoolOwned, Base):
    __tablename__ = "report_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("damage_report.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # a stored photo's random name (photos.services)


class ReportAddition(SchoolOwned, Base):
    """Someone else saw the same fault: their details join the open report instead of a second report."""

    __tablename__ = "report_addition"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("damage_report.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    reporter_name: Mapped[str] = mapped_column(String(100), default="")
    reporter_group: Mapped[str] = mapped_column(String(100), default="")
    reporter_contact: Mapped[str] = mapped_column(String(100), default="")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    client_hash: Mapped[str] = mapped_column(String(64), default="", index=True)


class LiablePartyKind(StrEnum):
    STUDENT = "student"
    CLASS = "class"
    DORM_ROOM = "dorm_room"
    DEPARTMENT = "department"
    UNKNOWN = "unknown"


class Liability(SchoolOwned, Base):
    """Who answers for a confirmed damage and what they pay (损坏赔偿)."""

    __tablename__ = "damage_liability"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("damage_report.id", ondelete="RESTRICT"), unique=True)
    party_kind: Mapped[LiablePartyKind] = mapped_column(enum_column_type(LiablePartyKind))
    # The class or department that answers (for a student, their class), counted in the class assessment.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))  # a dorm room
    person_name: Mapped[str] = mapped_column(String(100), default="")  # a student
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    recorded_by_name: Mapped[str] = mapped_column(String(100), default="")
    paid_at: Mapped[datetime | None]
    paid_recorded_by_name: Mapped[str] = mapped_column(String(100), default="")

    report: Mapped[DamageReport] = relationship(back_populates="liability")
    department: Mapped[Department | None] = relationship()
    location: Mapped[Location | None] = relationship()

    @property
    def receipt_number(self) -> str:
        return f"PC{self.recorded_at:%Y}-{self.id:05d}"
