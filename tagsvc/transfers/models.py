"""A transfer (调拨) of one or many assets from one department to another, and each item's arrival."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tagsvc.assets.models import Asset
from tagsvc.extensions import Base, enum_column_type, utcnow
from tagsvc.schools.wall import BetweenSchools, SchoolOwned
from tagsvc.structure.models import Department, Location


class TransferStatus(StrEnum):
    REQUESTED = "requested"  # waiting for the receiver to accept and the office to approve (in either order)
    APPROVED = "approved"  # under way: each item moves in the books when the receiver confirms its arrival
    COMPLETED = "completed"  # every item arrived
    DECLINED = "declined"  # the receiving side said no
    REJECTED = "rejected"  # the office said no
    CANCELLED = "cancelled"  # withdrawn before the office approved


OPEN_STATUSES = (TransferStatus.REQUESTED, TransferStatus.APPROVED)


class ArrivalMethod(StrEnum):
    TAP = "tap"  # the button on the label's page or the transfer's page
    CAMERA = "camera"  # the in-page scanner
    TYPED = "typed"  # a typed code or a hand-held scanner


class Transfer(SchoolOwned, Base):
    __tablename__ = "transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # DB-2026-0001, on the printed slip
    status: Mapped[TransferStatus] = mapped_column(enum_column_type(TransferStatus), default=TransferStatus.REQUESTED, index=True)
    direct: Mapped[bool] = mapped_column(default=False)  # recorded by the office without approvals
    from_department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    to_department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    to_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    to_custodian: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    requested_by_name: Mapped[str] = mapped_column(String(100), default="")
    accepted_at: Mapped[datetime | None]
    accepted_by_name: Mapped[str] = mapped_column(String(100), default="")
    approved_at: Mapped[datetime | None]
    approved_by_name: Mapped[str] = mapped_column(String(100), default="")
    # Completed, declined, rejected or cancelled: when, by whom, and why (a decline's or rejection's reason).
    closed_at: Mapped[datetime | None]
    closed_by_name: Mapped[str] = mapped_column(String(100), default="")
    close_reason: Mapped[str] = mapped_column(Text, default="")

    from_department: Mapped[Department] = relationship(foreign_keys=[from_department_id])
    to_department: Mapped[Department] = relationship(foreign_keys=[to_department_id])
    to_location: Mapped[Location | None] = relationship()
    items: Mapped[list[TransferItem]] = relationship(back_populates="transfer", order_by="TransferItem.asset_number",
                                                     cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TransferItem(SchoolOwned, Base):
    """One asset of a transfer, as it was when requested (for the slip), and its arrival."""

    __tablename__ = "transfer_item"
    __table_args__ = (UniqueConstraint("transfer_id", "asset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"), index=True)
    asset_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    from_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    from_custodian: Mapped[str] = mapped_column(String(100), default="")
    arrived_at: Mapped[datetime | None]
    arrived_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    arrived_by_name: Mapped[str] = mapped_column(String(100), default="")
    arrival_method: Mapped[ArrivalMethod | None] = mapped_column(enum_column_type(ArrivalMethod))

    transfer: Mapped[Transfer] = relationship(back_populates="items")
    asset: Mapped[Asset] = relationship()
    from_location: Mapped[Location | None] = relationship()



class SchoolTransferStatus(StrEnum):
    """A transfer to another school (划拨), step by step: offered, accepted, approved by the bureau, arrived."""

    OFFERED = "offered"  # the sending school's office offered the items; the receiving school decides
    ACCEPTED = "accepted"  # the receiving school said yes (and where they go); the education bureau decides
    APPROVED = "approved"  # the bureau approved: each item changes school when the receiver scans its label
    COMPLETED = "completed"  # every item arrived
    DECLINED = "declined"  # the receiving school said no
    REJECTED = "rejected"  # the bureau said no
    CANCELLED = "cancelled"  # the sending school withdrew it before the bureau approved


SCHOOL_TRANSFER_OPEN = (SchoolTransferStatus.OFFERED, SchoolTransferStatus.ACCEPTED, SchoolTransferStatus.APPROVED)


class SchoolTransfer(BetweenSchools, Base):
    """A transfer of assets to another school (划拨): both schools read it, and the education bureau decides it.

    The receiving school's department, place and custodian are written as names too: the sending school reads them
    but cannot read the receiving school's rows."""

    __tablename__ = "school_transfer"
    __table_args__ = (UniqueConstraint("from_school_id", "number", name="uq_school_transfer_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))  # HB-2026-0001, the sending school's numbering
    status: Mapped[SchoolTransferStatus] = mapped_column(enum_column_type(SchoolTransferStatus), default=SchoolTransferStatus.OFFERED, index=True)
    from_school_name: Mapped[str] = mapped_column(String(200), default="")
    to_school_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    offered_at: Mapped[datetime] = mapped_column(default=utcnow)
    offered_by_name: Mapped[str] = mapped_column(String(100), default="")
    # Chosen by the receiving school when it accepts; ids of its own rows, and their names for the sender.
    to_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    to_department_name: Mapped[str] = mapped_column(String(200), default="")
    to_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    to_location_name: Mapped[str] = mapped_column(String(1000), default="")
    to_custodian: Mapped[str] = mapped_column(String(100), default="")
    accepted_at: Mapped[datetime | None]
    accepted_by_name: Mapped[str] = mapped_column(String(100), default="")
    approved_at: Mapped[datetime | None]  # by the education bureau
    approved_by_name: Mapped[str] = mapped_column(String(100), default="")
    closed_at: Mapped[datetime | None]
    closed_by_name: Mapped[str] = mapped_column(String(100), default="")
    close_reason: Mapped[str] = mapped_column(Text, default="")

    items: Mapped[list[SchoolTransferItem]] = relationship(back_populates="transfer", order_by="SchoolTransferItem.asset_number",
                                                           cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status in SCHOOL_TRANSFER_OPEN

    @property
    def total_value(self) -> Decimal:
        return sum((item.price or Decimal(0)) for item in self.items)


class SchoolTransferItem(BetweenSchools, Base):
    """One asset of a transfer to another school: as the sender's register had it, its label, and its arrival (the
    receiving school's new record of it)."""

    __tablename__ = "school_transfer_item"
    __table_args__ = (UniqueConstraint("transfer_id", "asset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("school_transfer.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"), index=True)  # the sender's record
    asset_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    tag_code: Mapped[str] = mapped_column(String(16), default="")  # its label: the receiver scans it on arrival
    arrived_at: Mapped[datetime | None]
    arrived_by_name: Mapped[str] = mapped_column(String(100), default="")
    arrival_method: Mapped[ArrivalMethod | None] = mapped_column(enum_column_type(ArrivalMethod))
    new_asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"))  # the receiver's record

    transfer: Mapped[SchoolTransfer] = relationship(back_populates="items")
