from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Computed, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tagsvc.extensions import Base, enum_column_type, utcnow
from tagsvc.schools.wall import SchoolOwned
from tagsvc.structure.models import Category, Department, Location
from tagsvc.tags.models import Tag



class AssetStatus(StrEnum):
    IN_USE = "in_use"
    IDLE = "idle"
    ON_LOAN = "on_loan"
    UNDER_REPAIR = "under_repair"
    DAMAGED = "damaged"
    LOST = "lost"
    DISPOSED = "disposed"
    TRANSFERRED_OUT = "transferred_out"  # given to another school (划拨): off this school's books, its history kept


# Statuses of records that left the school's books: out of the active lists, the totals and the stocktakes.
OFF_THE_BOOKS = (AssetStatus.DISPOSED, AssetStatus.TRANSFERRED_OUT)


class AssetCondition(StrEnum):
    NEW = "new"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    BROKEN = "broken"


# Name and asset number in one lower-cased text, split by a newline no search can contain (migration 0028).
SEARCH_TEXT = "lower(name) || '\n' || lower(asset_number)"


class Asset(SchoolOwned, Base):
    __tablename__ = "asset"
    # Asset numbers are each school's own (from its own register): two schools may both have KZY-001.
    # Every query of a school's register starts with its school: the API's and the list's sorts by last change, the
    # status filters, and (covering price and quantity on PostgreSQL) the district page's sums per school and category.
    __table_args__ = (UniqueConstraint("school_id", "asset_number", name="uq_asset_school_asset_number"),
                      Index("ix_asset_school_updated", "school_id", "updated_at"),
                      Index("ix_asset_school_status", "school_id", "status"),
                      Index("ix_asset_school_category", "school_id", "category_id", postgresql_include=["status", "price", "quantity"]))

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    brand: Mapped[str] = mapped_column(String(100), default="")
    model: Mapped[str] = mapped_column(String(200), default="")  # model or specification (规格型号)
    serial_number: Mapped[str] = mapped_column(String(100), default="")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id", ondelete="RESTRICT"), index=True)
    custodian_name: Mapped[str] = mapped_column(String(100), default="")
    custodian_phone: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[AssetStatus] = mapped_column(enum_column_type(AssetStatus), default=AssetStatus.IN_USE, index=True)
    condition: Mapped[AssetCondition] = mapped_column(enum_column_type(AssetCondition), default=AssetCondition.GOOD)
    purchase_date: Mapped[date | None]
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    supplier: Mapped[str] = mapped_column(String(200), default="")
    invoice_number: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str] = mapped_column(String(80), default="")  # a stored photo's file name, chosen by us
    last_confirmed_at: Mapped[datetime | None]
    disposed_on: Mapped[date | None]  # set when a disposal (报废) is approved: the scan page and reports say when
    # How many: 1 for a thing with its own label; more for consumables kept as one record (an import's "40 mops").
    quantity: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    # Counts every change to the row. SQLAlchemy writes "WHERE version = <the one read>", so of two people (or
    # programs) changing an asset at once the second fails instead of silently undoing the first's work; it is
    # also the asset's ETag in the API and the hidden version on its edit form.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The register's search reads this, lower-cased when the row is written (migration 0028 says why); never loaded.
    search_text: Mapped[str | None] = mapped_column(Text, Computed(SEARCH_TEXT, persisted=True), deferred=True)

    category: Mapped[Category | None] = relationship(lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")
    location: Mapped[Location | None] = relationship(lazy="joined")
    current_tag: Mapped[Tag | None] = relationship(
        primaryjoin=lambda: and_(Tag.asset_id == Asset.id, Tag.retired_at.is_(None)),
        viewonly=True,
        uselist=False,
        lazy="joined",
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Asset {self.asset_number} {self.name}>"
