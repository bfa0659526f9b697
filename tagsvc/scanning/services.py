"""What the scan page shows, read in one query of plain values."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import aliased

from tagsvc.assets.holds import AssetHold, HoldKind
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.extensions import db
from tagsvc.stocktake.services import Banner, banner_from, join_banner
from tagsvc.repairs.models import OPEN_STATUSES, DamageReport, ReportStatus
from tagsvc.schools.models import School
from tagsvc.structure.models import Category, Department, Location
from tagsvc.structure.services import descendant_ids
from tagsvc.tags.models import Tag
from tagsvc.tags.services import normalize_code
from tagsvc.transfers.models import Transfer


@dataclass(frozen=True)
class ScanFacts:
    """Everything the public part of the scan page shows. Frozen and hashable: it is also the page's cache key."""

    code: str
    retired_at: datetime | None
    current_code: str | None  # the asset's current code, when it differs from the scanned one
    asset_id: int
    name: str
    asset_number: str
    status: AssetStatus
    condition: AssetCondition
    photo: str
    last_confirmed_at: datetime | None
    department_id: int | None
    department: str | None
    location: str | None
    category: str | None
    # The latest damage report still standing (not rejected or merged), so the next person need not report again.
    report_status: ReportStatus | None = None
    reported_at: datetime | None = None
    repaired_at: datetime | None = None
    report_id: int | None = None
    # A movement under way (a transfer, a loan, a disposal not approved yet): since when; a transfer's destination,
    # a loan's due date. Who has a loaned item is for staff only (read apart).
    transfer_to: str | None = None
    held_since: datetime | None = None
    hold_kind: HoldKind | None = None
    due_on: date | None = None
    disposed_on: date | None = None
    # Whose item it is: a label is read across the district, and its page names its school.
    school_id: int | None = None
    school: str = ""
    category_id: int | None = None  # which inspection plans check it (a signed-in inspector's page)

    @property
    def report_open(self) -> bool:
        """A report is waiting or being worked on: the page's main action is adding to it, not a second one."""
        return self.report_status in OPEN_STATUSES

    @property
    def replaced(self) -> bool:
        return self.retired_at is not None


def _build_scan_query():
    current = aliased(Tag)
    receiver = aliased(Department)
    latest_report = (
        select(DamageReport.id)
        # Two comparisons rather than NOT IN: a plain statement that compiles once to fixed SQL (PreparedRead).
        .where(DamageReport.asset_id == Asset.id, DamageReport.status != ReportStatus.REJECTED, DamageReport.status != ReportStatus.MERGED)
        .order_by(DamageReport.created_at.desc(), DamageReport.id.desc())
        .limit(1)
        .correlate(Asset)
        .scalar_subquery()
    )
    return (
        select(
            Tag.code, Tag.retired_at, current.code, Asset.id, Asset.name, Asset.asset_number, Asset.status,
            Asset.condition, Asset.photo, Asset.last_confirmed_at, Asset.department_id, Department.name,
            Location.full_name, Category.full_name, DamageReport.status, DamageReport.created_at, DamageReport.finished_at,
            DamageReport.id, receiver.name, AssetHold.since, AssetHold.kind, AssetHold.due_on, Asset.disposed_on,
            Asset.school_id, School.name, Asset.category_id,
        )
        .join(Asset, Asset.id == Tag.asset_id)
        .join(School, School.id == Asset.school_id)
        .outerjoin(current, and_(current.asset_id == Asset.id, current.retired_at.is_(None)))
        .outerjoin(Department, Department.id == Asset.department_id)
        .outerjoin(Location, Location.id == Asset.location_id)
        .outerjoin(Category, Category.id == Asset.category_id)
        .outerjoin(DamageReport, DamageReport.id == latest_report)
        .outerjoin(AssetHold, AssetHold.asset_id == Asset.id)
        .outerjoin(Transfer, and_(Transfer.id == AssetHold.reference_id, AssetHold.kind == HoldKind.TRANSFER))
        .outerjoin(receiver, receiver.id == Transfer.to_department_id)
        .where(Tag.code == bindparam("code"))
    )


# Built once: constructing the statement cost more than running it (the hottest page of the product).
_SCAN_QUERY = db.prepared_read(_build_scan_query())


def scan_facts(raw_code: str) -> ScanFacts | None:
    """The public facts behind a label code, or None when no asset carries (or carried) it."""
    code = normalize_code(raw_code)
    if code is None:
        return None
    row = _SCAN_QUERY.first(code=code)
    return None if row is None else _facts_of(row)


def _facts_of(row) -> ScanFacts:
    values = list(row)
    if values[2] == values[0]:  # the scanned label is the current one
        values[2] = None
    return ScanFacts(*values)


@dataclass(frozen=True)
class StaffFacts:
    """What the scan page adds for signed-in staff who may see the item (its keepers, the office)."""

    id: int
    custodian_name: str
    custodian_phone: str
    brand: str
    model: str
    serial_number: str
    purchase_date: date | None
    price: Decimal | None
    supplier: str
    invoice_number: str
    notes: str


_STAFF_COLUMNS = (Asset.id, Asset.custodian_name, Asset.custodian_phone, Asset.brand, Asset.model, Asset.serial_number,
                  Asset.purchase_date, Asset.price, Asset.supplier, Asset.invoice_number, Asset.notes)
# The signed-in page reads the public facts, the staff's and the stocktake banner's in one statement (one round trip).
_STAFF_SCAN_QUERY = db.prepared_read(join_banner(_build_scan_query().add_columns(*_STAFF_COLUMNS), Asset.id))
_PUBLIC_WIDTH = len(fields(ScanFacts))
_STAFF_WIDTH = len(_STAFF_COLUMNS)


@dataclass(frozen=True)
class StaffScan:
    facts: ScanFacts
    staff: StaffFacts  # whether this person may see it is for the caller to decide
    banner: Banner | None


def scan_for_staff(raw_code: str, actor, room_id: int | None) -> StaffScan | None:
    """What the scan page shows a signed-in person, or None when no asset carries (or carried) the code. `room_id`
    is where they said they stand in a stocktake, for the banner."""
    code = normalize_code(raw_code)
    if code is None:
        return None
    row = _STAFF_SCAN_QUERY.first(code=code, user_id=actor.id, room_id=room_id)
    if row is None:
        return None
    staff_end = _PUBLIC_WIDTH + _STAFF_WIDTH
    return StaffScan(_facts_of(row[:_PUBLIC_WIDTH]), StaffFacts(*row[_PUBLIC_WIDTH:staff_end]), banner_from(actor, row[staff_end:], room_id))


@dataclass(frozen=True)
class RoomContents:
    location: Location
    total: int  # registered assets that belong here (this place and the places inside it)
    assets: list[Asset]  # what the person may see of them, empty when not signed in
    shown_limit: int


def room_contents(actor, location_id: int, limit: int = 500) -> RoomContents:
    """What should be in a room, for its room label's page. Anyone learns the room and how many items belong
    there; the list itself is for people signed in (keepers: their departments' items)."""
    location = db.session.get(Location, location_id)
    places = descendant_ids(Location, location_id)
    total = db.session.scalar(select(func.count()).select_from(Asset).where(Asset.location_id.in_(places)))
    assets: list[Asset] = []
    if actor is not None and actor.is_authenticated:
        query = select(Asset).where(Asset.location_id.in_(places)).order_by(Asset.location_id, Asset.asset_number).limit(limit)
        if not actor.sees_all_assets:
            query = query.where(Asset.department_id.in_([d.id for d in actor.departments]))
        assets = list(db.session.scalars(query).unique())
    return RoomContents(location=location, total=total, assets=assets, shown_limit=limit)
