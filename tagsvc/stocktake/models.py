"""A stocktake (盘点): what the books expected when it opened, and what people found walking room by room."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tagsvc.assets.models import AssetCondition
from tagsvc.extensions import Base, enum_column_type, utcnow
from tagsvc.schools.wall import SchoolOwned
from tagsvc.structure.models import AssetKind, Department, Location


class StocktakeStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ConfirmMethod(StrEnum):
    TAP = "tap"  # the button on a label's scan page (any scanner)
    CAMERA = "camera"  # the in-page scanner
    TYPED = "typed"  # typed, or a hand-held scanner in keyboard mode
    PHOTO = "photo"  # a still photo of the label, decoded on the phone
    DOCUMENT = "document"  # not seen: accounted for by a loan, a handover or a transfer out of the scope (moved_by_*)


class Movement(StrEnum):
    """What moved an item while its stocktake was open: the stocktake follows (see stocktake.following)."""

    TRANSFER = "transfer"  # arrived elsewhere: expected there now, or accounted for if that is outside the scope
    LOAN = "loan"  # lent out: accounted for
    HANDOVER = "handover"  # handed over for someone's use: accounted for
    DISPOSAL = "disposal"  # disposed of: off the list
    SCHOOL_TRANSFER = "school_transfer"  # arrived at another school (划拨): off the list


class ScanOutcome(StrEnum):
    CONFIRMED = "confirmed"  # counted: the first confirmation of an expected item
    ALREADY_CONFIRMED = "already_confirmed"  # someone (or this phone) confirmed it before: not counted again
    NOT_ON_LIST = "not_on_list"  # a registered asset outside the scope, or outside the person's assignment
    NOT_REGISTERED = "not_registered"  # a blank label or a code nobody registered: needs a name (see findings)
    ROOM_LABEL = "room_label"  # a room's label: where the person stands, not an item


class FindingKind(StrEnum):
    OUTSIDE_SCOPE = "outside_scope"  # a registered asset this stocktake did not expect
    OUTSIDE_ASSIGNMENT = "outside_assignment"  # expected, but not in this person's part of the walk
    BLANK_LABEL = "blank_label"
    UNKNOWN_CODE = "unknown_code"
    NO_LABEL = "no_label"


class Resolution(StrEnum):
    # For an expected item that was not where the books said
    MOVED = "moved"  # the books now say where it was found
    LOST = "lost"  # marked lost (盘亏)
    LEFT_OPEN = "left_open"  # nothing changed, a note says why
    # For something found that was not on the list (盘盈)
    REGISTERED = "registered"
    ATTACHED = "attached"
    DISMISSED = "dismissed"


class Stocktake(SchoolOwned, Base):
    __tablename__ = "stocktake"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[StocktakeStatus] = mapped_column(enum_column_type(StocktakeStatus), default=StocktakeStatus.OPEN, index=True)
    # {"departments": [ids], "locations": [ids], "categories": [ids], "kinds": [values]}: all empty = the whole school
    scope: Mapped[dict] = mapped_column(JSON, default=dict)
    scope_text: Mapped[str] = mapped_column(Text, default="")  # before 0.14: the scope in words, in the opener's language (see scope_words)
    deadline: Mapped[date | None]
    expected_count: Mapped[int] = mapped_column(default=0)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    opened_by_name: Mapped[str] = mapped_column(String(100), default="")
    closed_at: Mapped[datetime | None]
    closed_by_name: Mapped[str] = mapped_column(String(100), default="")
    # Confirmations phones still held when the office closed it anyway (0 when nothing was waiting).
    closed_with_pending: Mapped[int] = mapped_column(default=0)
    # The bureau's stocktake season this is the school's stocktake for (tagsvc.district.models.StocktakeSeason), if any.
    season_id: Mapped[int | None] = mapped_column(index=True)

    participants: Mapped[list[StocktakeParticipant]] = relationship(
        back_populates="stocktake", cascade="all, delete-orphan", order_by="StocktakeParticipant.id")

    @property
    def is_open(self) -> bool:
        return self.status == StocktakeStatus.OPEN

    @property
    def scope_words(self) -> str:
        """The scope as it was when opened, in the reader's language (older stocktakes: in the opener's)."""
        from tagsvc.i18n.messages import say

        described = (self.scope or {}).get("described")
        return "; ".join(say(part) for part in described) if described else self.scope_text


class StocktakeParticipant(SchoolOwned, Base):
    """Who takes part, and in which part: a department's items, or the items booked in a place (building,
    floor, room). The office takes part anywhere without being listed."""

    __tablename__ = "stocktake_participant"
    __table_args__ = (UniqueConstraint("stocktake_id", "user_id", "department_id", "location_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktake.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))

    stocktake: Mapped[Stocktake] = relationship(back_populates="participants")
    user = relationship("User", lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    location: Mapped[Location | None] = relationship(lazy="joined")


class StocktakeItem(SchoolOwned, Base):
    """One expected asset: the books' word at opening (a snapshot that later edits do not change), then the first
    confirmation that counted, then what the office decided about a difference."""

    __tablename__ = "stocktake_item"
    __table_args__ = (
        UniqueConstraint("stocktake_id", "asset_id"),
        Index("ix_stocktake_item_room", "stocktake_id", "expected_location_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktake.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"), index=True)
    # The asset's id while the stocktake is open, None after: the unique index lets an asset be in one open
    # stocktake at most, even when two are opened at the same moment.
    open_asset_id: Mapped[int | None] = mapped_column(unique=True)
    asset_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AssetKind | None] = mapped_column(enum_column_type(AssetKind))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    expected_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    expected_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    expected_custodian: Mapped[str] = mapped_column(String(100), default="")
    condition_before: Mapped[AssetCondition] = mapped_column(enum_column_type(AssetCondition))

    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    confirmed_by_name: Mapped[str] = mapped_column(String(100), default="")
    confirmed_location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    confirmed_method: Mapped[ConfirmMethod | None] = mapped_column(enum_column_type(ConfirmMethod))
    confirmed_device: Mapped[str] = mapped_column(String(200), default="")
    misplaced: Mapped[bool] = mapped_column(default=False)
    condition_seen: Mapped[AssetCondition | None] = mapped_column(enum_column_type(AssetCondition))
    # The transfer, loan, handover or disposal that moved it while the stocktake was open (its number shown, its id
    # linked), and whether that took it off the list (a disposal: counted nowhere).
    moved_by: Mapped[Movement | None] = mapped_column(enum_column_type(Movement))
    moved_by_number: Mapped[str] = mapped_column(String(32), default="")
    moved_by_id: Mapped[int | None]
    moved_at: Mapped[datetime | None]
    left_list: Mapped[bool] = mapped_column(default=False)

    resolution: Mapped[Resolution | None] = mapped_column(enum_column_type(Resolution))
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None]
    resolved_by_name: Mapped[str] = mapped_column(String(100), default="")

    expected_location: Mapped[Location | None] = relationship(foreign_keys=[expected_location_id], lazy="joined")
    expected_department: Mapped[Department | None] = relationship(foreign_keys=[expected_department_id], lazy="joined")
    confirmed_location: Mapped[Location | None] = relationship(foreign_keys=[confirmed_location_id], lazy="joined")

    @property
    def found(self) -> bool:
        return self.confirmed_at is not None

    @property
    def accounted_for(self) -> bool:
        """Not seen, but a document says where it is (lent, handed over, transferred out of the scope)."""
        return self.confirmed_method == ConfirmMethod.DOCUMENT


class StocktakeScan(SchoolOwned, Base):
    """Every confirmation received, once per id made on the phone (or by the server for a tapped button): a
    batch sent twice finds its ids here and counts nothing again."""

    __tablename__ = "stocktake_scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[str] = mapped_column(String(64), unique=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktake.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    user_name: Mapped[str] = mapped_column(String(100), default="")
    device: Mapped[str] = mapped_column(String(200), default="")
    scanned_at: Mapped[datetime]  # on the phone's clock, when the label was seen
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    code: Mapped[str] = mapped_column(String(16), default="")
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    method: Mapped[ConfirmMethod] = mapped_column(enum_column_type(ConfirmMethod))
    outcome: Mapped[ScanOutcome] = mapped_column(enum_column_type(ScanOutcome))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("stocktake_item.id", ondelete="CASCADE"))


class StocktakeFinding(SchoolOwned, Base):
    """Something found that was not on the participant's list (盘盈), until the office resolves it."""

    __tablename__ = "stocktake_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktake.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FindingKind] = mapped_column(enum_column_type(FindingKind))
    code: Mapped[str] = mapped_column(String(16), default="")
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"))  # a registered one
    name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str] = mapped_column(String(80), default="")
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    recorded_by_name: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    scan_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    resolution: Mapped[Resolution | None] = mapped_column(enum_column_type(Resolution))
    resolved_asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"))
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[datetime | None]
    resolved_by_name: Mapped[str] = mapped_column(String(100), default="")

    location: Mapped[Location | None] = relationship(lazy="joined")


class StocktakeDevice(SchoolOwned, Base):
    """What a phone last said about its queue: the office may not close while confirmations wait on a phone."""

    __tablename__ = "stocktake_device"
    __table_args__ = (UniqueConstraint("stocktake_id", "device_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktake.id", ondelete="CASCADE"))
    device_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    user_name: Mapped[str] = mapped_column(String(100), default="")
    pending: Mapped[int] = mapped_column(default=0)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
