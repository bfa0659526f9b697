"""A disposal (报废): one proposal of one or many assets, with its reason, approvals and record (报废单)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tagsvc.assets.models import Asset, AssetCondition
from tagsvc.extensions import Base, enum_column_type, utcnow
from tagsvc.schools.wall import SchoolOwned


class DisposalStatus(StrEnum):
    PROPOSED = "proposed"  # waiting for the approvals its book value needs
    APPROVED = "approved"  # done: the items are disposed of, their labels retired
    REJECTED = "rejected"  # the office said no; the items stay as they were
    CANCELLED = "cancelled"  # withdrawn by whoever proposed it (or the office) before approval


class DisposalReason(StrEnum):
    NOT_REPAIRABLE = "not_repairable"
    OBSOLETE = "obsolete"
    LOST = "lost"
    STOLEN = "stolen"
    OTHER = "other"


class Disposal(SchoolOwned, Base):
    __tablename__ = "disposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # BF-2026-0001, on the printed record
    status: Mapped[DisposalStatus] = mapped_column(enum_column_type(DisposalStatus), default=DisposalStatus.PROPOSED, index=True)
    reason_kind: Mapped[DisposalReason] = mapped_column(enum_column_type(DisposalReason))
    reason: Mapped[str] = mapped_column(Text, default="")
    repair_report_id: Mapped[int | None] = mapped_column(ForeignKey("damage_report.id", ondelete="RESTRICT"))  # the repair that said so
    total_value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    # How many office approvals its book value needs (the rule when it was proposed: 1, or 2 above the limit).
    approvals_needed: Mapped[int] = mapped_column(default=1)
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    proposed_by_name: Mapped[str] = mapped_column(String(100), default="")
    first_approved_at: Mapped[datetime | None]
    first_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    first_approved_by_name: Mapped[str] = mapped_column(String(100), default="")
    second_approved_at: Mapped[datetime | None]
    second_approved_by_name: Mapped[str] = mapped_column(String(100), default="")
    # Above the district's limit when proposed: after the office, the education bureau (区教育局) approves it.
    bureau_needed: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    bureau_approved_at: Mapped[datetime | None]
    bureau_approved_by_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    closed_at: Mapped[datetime | None]  # approved (the disposal date), rejected or cancelled
    closed_by_name: Mapped[str] = mapped_column(String(100), default="")
    close_reason: Mapped[str] = mapped_column(Text, default="")

    items: Mapped[list[DisposalItem]] = relationship(back_populates="disposal", order_by="DisposalItem.asset_number",
                                                     cascade="all, delete-orphan")
    photos: Mapped[list[DisposalPhoto]] = relationship(order_by="DisposalPhoto.id", cascade="all, delete-orphan")

    @property
    def approvals_given(self) -> int:
        return (self.first_approved_at is not None) + (self.second_approved_at is not None)

    @property
    def waiting_for_bureau(self) -> bool:
        """The office has given every approval it must; the bureau has not decided yet."""
        return (self.status == DisposalStatus.PROPOSED and self.bureau_needed and self.bureau_approved_at is None
                and self.approvals_given >= self.approvals_needed)


class DisposalItem(SchoolOwned, Base):
    """One asset of a disposal, as it was when proposed: the record lists these."""

    __tablename__ = "disposal_item"
    __table_args__ = (UniqueConstraint("disposal_id", "asset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disposal_id: Mapped[int] = mapped_column(ForeignKey("disposal.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"), index=True)
    asset_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200), default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    purchase_date: Mapped[date | None]
    condition: Mapped[AssetCondition] = mapped_column(enum_column_type(AssetCondition))
    department_name: Mapped[str] = mapped_column(String(100), default="")
    # The minimum years of use of its category and how long it has been used, when it is younger (a warning).
    min_years: Mapped[int | None]

    disposal: Mapped[Disposal] = relationship(back_populates="items")
    asset: Mapped[Asset] = relationship()


class DisposalPhoto(SchoolOwned, Base):
    __tablename__ = "disposal_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    disposal_id: Mapped[int] = mapped_column(ForeignKey("disposal.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # a stored photo's random name (photos.services)
