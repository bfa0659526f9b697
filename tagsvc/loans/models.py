"""A handout: one document (领用单 or 借用单) for one recipient, with the items handed to them one by one."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.extensions import Base, enum_column_type, utcnow
from tagsvc.schools.wall import SchoolOwned
from tagsvc.structure.models import Department, Location


class HandoutKind(StrEnum):
    ISSUE = "issue"  # 领用: handed over for dedicated use; the custodian (and place) change, nothing comes back
    LOAN = "loan"  # 借用: lent until a due date, and returned


class RecipientKind(StrEnum):
    STAFF = "staff"  # a teacher or staff member (an account, or just a name)
    STUDENT = "student"  # by name and class
    DEPARTMENT = "department"
    ROOM = "room"  # handed over to a room (for dedicated use only)


class Handout(SchoolOwned, Base):
    __tablename__ = "handout"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # JY-2026-0001 (loan) or LY-2026-0001 (issue)
    kind: Mapped[HandoutKind] = mapped_column(enum_column_type(HandoutKind), index=True)
    recipient_kind: Mapped[RecipientKind] = mapped_column(enum_column_type(RecipientKind))
    # The person's name, or the department's or room's, as the slip shows it.
    recipient_name: Mapped[str] = mapped_column(String(100))
    recipient_class: Mapped[str] = mapped_column(String(100), default="")  # a student's class, as typed or chosen
    recipient_contact: Mapped[str] = mapped_column(String(100), default="")
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    # The department borrowing (or the student's class, when it is one in the register): liability goes there.
    recipient_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))  # the room, for an issue
    due_on: Mapped[date | None] = mapped_column(index=True)  # loans only
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    # A loan closes when every item is back; an issue when the person who hands out says it is finished.
    closed_at: Mapped[datetime | None]
    # Signed on the phone by the recipient (instead of, or as well as, on the printed slip): the drawn signature, kept
    # as a stored picture, and the name they signed under.
    signature: Mapped[str] = mapped_column(String(80), default="")
    signed_at: Mapped[datetime | None]
    signed_name: Mapped[str] = mapped_column(String(100), default="")

    recipient_department: Mapped[Department | None] = relationship()
    location: Mapped[Location | None] = relationship()
    items: Mapped[list[HandoutItem]] = relationship(back_populates="handout", order_by="HandoutItem.id", cascade="all, delete-orphan")

    @property
    def is_loan(self) -> bool:
        return self.kind == HandoutKind.LOAN

    @property
    def recipient(self) -> str:
        """The recipient as a person reads it: 张三 (高一(3)班)."""
        return f"{self.recipient_name} ({self.recipient_class})" if self.recipient_class else self.recipient_name


class HandoutItem(SchoolOwned, Base):
    """One asset handed out, as it was then (for the slip), and, for a loan, how it came back."""

    __tablename__ = "handout_item"
    __table_args__ = (UniqueConstraint("handout_id", "asset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    handout_id: Mapped[int] = mapped_column(ForeignKey("handout.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"), index=True)
    asset_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    status_before: Mapped[AssetStatus] = mapped_column(enum_column_type(AssetStatus))  # restored on return
    handed_at: Mapped[datetime] = mapped_column(default=utcnow)
    handed_by_name: Mapped[str] = mapped_column(String(100), default="")
    returned_at: Mapped[datetime | None] = mapped_column(index=True)
    returned_by_name: Mapped[str] = mapped_column(String(100), default="")
    return_condition: Mapped[AssetCondition | None] = mapped_column(enum_column_type(AssetCondition))
    return_note: Mapped[str] = mapped_column(Text, default="")
    damage_report_id: Mapped[int | None] = mapped_column(ForeignKey("damage_report.id", ondelete="RESTRICT"))
    reminded_on: Mapped[date | None]  # the last overdue reminder, so that one is sent a day at most

    handout: Mapped[Handout] = relationship(back_populates="items")
    asset: Mapped[Asset] = relationship()
