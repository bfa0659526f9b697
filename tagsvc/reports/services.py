"""The office's reports: the register summary, one department's assets (本部资产表), what should be in each room
(分室明细账) and one asset's card (资产卡片). Each is computed here once, for the page, the Excel file and the A4 print.

Figures count the assets in service and out of it but not disposed of: a disposed item stays in the register and
the ledger, and its book value appears as written off.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import extract, func, select
from sqlalchemy.orm import aliased

from tagsvc.accounts.permissions import require_admin, require_signed_in
from tagsvc.assets.models import OFF_THE_BOOKS, Asset, AssetStatus
from tagsvc.errors import NotFoundError, PermissionDeniedError
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerEvent
from tagsvc.structure.models import AssetKind, Category, Department, Location
from tagsvc.structure.services import descendant_ids

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Line:
    label: str
    count: int
    value: Decimal
    key: object = None  # what a link filters by (a department's id, a status…)


@dataclass
class Summary:
    total: Line
    by_department: list[Line] = field(default_factory=list)
    by_kind: list[Line] = field(default_factory=list)
    by_category: list[Line] = field(default_factory=list)
    by_status: list[Line] = field(default_factory=list)
    by_year: list[Line] = field(default_factory=list)
    written_off: Line | None = None


def _value(amount) -> Decimal:
    return Decimal(amount or 0).quantize(Decimal("0.01"))


def register_summary(actor) -> Summary:
    """Counts and book value by department, property kind, top category, status and year of acquisition: a handful of
    GROUP BY statements, whatever the size of the register."""
    require_admin(actor)
    from tagsvc.assets.display import STATUS_LABELS
    from tagsvc.structure.display import ASSET_KIND_LABELS

    active = Asset.status.not_in(OFF_THE_BOOKS)
    count, value = func.count(Asset.id), func.coalesce(func.sum(Asset.price * Asset.quantity), 0)
    total = db.session.execute(select(count, value).where(active)).one()
    summary = Summary(total=Line(_("All assets in the register"), total[0], _value(total[1])))
    for name, department_id, n, v in db.session.execute(
            select(Department.name, Asset.department_id, count, value).outerjoin(Department, Department.id == Asset.department_id)
            .where(active).group_by(Department.name, Asset.department_id).order_by(value.desc())):
        summary.by_department.append(Line(name or _("No department"), n, _value(v), department_id))
    kinds = {kind: (0, ZERO) for kind in AssetKind}
    unfiled = (0, ZERO)
    for kind, n, v in db.session.execute(select(Category.kind, count, value).outerjoin(Category, Category.id == Asset.category_id)
                                         .where(active).group_by(Category.kind)):
        if kind is None:
            unfiled = (n, _value(v))
        else:
            kinds[AssetKind(kind)] = (n, _value(v))
    summary.by_kind = [Line(_(ASSET_KIND_LABELS[kind]), n, v, kind.value) for kind, (n, v) in kinds.items()]
    if unfiled[0]:
        summary.by_kind.append(Line(_("No category"), *unfiled))
    # Top categories: each asset counted under the first level of its category's path.
    tops = {c.id: c for c in db.session.scalars(select(Category).where(Category.parent_id.is_(None)))}
    top_of = {}
    for category in db.session.scalars(select(Category)):
        node = category
        while node.parent is not None:
            node = node.parent
        top_of[category.id] = node.id
    per_top: dict[int | None, list] = {}
    for category_id, n, v in db.session.execute(select(Asset.category_id, count, value).where(active).group_by(Asset.category_id)):
        top = top_of.get(category_id)
        slot = per_top.setdefault(top, [0, ZERO])
        slot[0] += n
        slot[1] += _value(v)
    summary.by_category = sorted((Line(tops[t].full_name if t in tops else _("No category"), n, v, t) for t, (n, v) in per_top.items()),
                                 key=lambda line: line.value, reverse=True)
    for status, n, v in db.session.execute(select(Asset.status, count, value).group_by(Asset.status).order_by(Asset.status)):
        line = Line(_(STATUS_LABELS[AssetStatus(status)]), n, _value(v), AssetStatus(status).value)
        if status == AssetStatus.DISPOSED:
            summary.written_off = line
        elif status == AssetStatus.TRANSFERRED_OUT:
            continue  # another school's now: counted in its register
        else:
            summary.by_status.append(line)
    year = extract("year", Asset.purchase_date)
    for bought, n, v in db.session.execute(select(year, count, value).where(active).group_by(year).order_by(year.desc().nulls_last())):
        summary.by_year.append(Line(str(int(bought)) if bought else _("Unknown"), n, _value(v)))
    return summary


@dataclass
class DepartmentTable:
    department: Department
    keepers: list[str]
    assets: list[Asset]
    count: int
    value: Decimal


def department_table(actor, department_id: int) -> DepartmentTable:
    """本部资产表: one department's assets (not disposed of), with its keepers; the office's, or its own keeper's."""
    require_signed_in(actor)
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFoundError(_("There is no such department."))
    if not (actor.is_admin or actor.keeps(department.id)):
        raise PermissionDeniedError(_("This department's table is for its keepers and the office."))
    assets = list(db.session.scalars(select(Asset).where(Asset.department_id == department.id, Asset.status.not_in(OFF_THE_BOOKS))
                                     .order_by(Asset.asset_number)))
    value = sum((_value(a.price) * a.quantity for a in assets if a.price is not None), ZERO)
    return DepartmentTable(department, [k.display_name for k in department.keepers], assets, len(assets), value)


@dataclass
class Room:
    location: Location
    assets: list[Asset]


def room_lists(actor, location_id: int) -> list[Room]:
    """分室明细账: for a place and everything in it, each room with what should be there (the walk-through's list)."""
    require_admin(actor)
    place = db.session.get(Location, location_id)
    if place is None:
        raise NotFoundError(_("That place does not exist (any more)."))
    ids = descendant_ids(Location, place.id)
    rooms: dict[int, Room] = {}
    query = (select(Asset).join(Location, Location.id == Asset.location_id)
             .where(Asset.location_id.in_(ids), Asset.status.not_in(OFF_THE_BOOKS)).order_by(Location.full_name, Asset.asset_number))
    for asset in db.session.scalars(query):
        rooms.setdefault(asset.location_id, Room(asset.location, [])).assets.append(asset)
    return list(rooms.values())


def places_with_assets() -> list[tuple[Location, int]]:
    """The top places (campuses, buildings) and how many assets are booked in each, to choose a room list from."""
    counts = dict(db.session.execute(select(Asset.location_id, func.count(Asset.id)).where(Asset.status.not_in(OFF_THE_BOOKS))
                                     .group_by(Asset.location_id)).all())
    places = list(db.session.scalars(select(Location).order_by(Location.full_name)))
    totals = {place.id: 0 for place in places}
    by_id = {place.id: place for place in places}
    for location_id, n in counts.items():
        node = by_id.get(location_id)
        while node is not None:
            totals[node.id] += n
            node = by_id.get(node.parent_id)
    return [(place, totals[place.id]) for place in places if totals[place.id] and place.full_name.count(" › ") <= 1]


@dataclass
class AssetCard:
    asset: Asset
    events: list[LedgerEvent]


def asset_card(actor, asset_id: int) -> AssetCard:
    """资产卡片: one asset with its whole history, to print."""
    from tagsvc.assets.services import get_asset

    asset = get_asset(actor, asset_id)
    events = list(db.session.scalars(select(LedgerEvent).where(LedgerEvent.asset_id == asset.id).order_by(LedgerEvent.at, LedgerEvent.id)))
    return AssetCard(asset, events)


@dataclass
class Glance:
    """The office's start page: the register by property kind, and what happened last."""

    total: Line
    by_kind: list[Line]
    recent: list[tuple[LedgerEvent, str, str]]  # event, asset number, asset name


def glance(actor, recent: int = 10) -> Glance:
    """Two statements: one GROUP BY over the register (an index-only read of 100,000 rows is a few milliseconds on
    PostgreSQL), and the newest ledger lines by their index."""
    require_admin(actor)
    from tagsvc.structure.display import ASSET_KIND_LABELS

    count, value = func.count(Asset.id), func.coalesce(func.sum(Asset.price * Asset.quantity), 0)
    kinds = {kind: (0, ZERO) for kind in AssetKind}
    unfiled = (0, ZERO)
    for kind, n, v in db.session.execute(select(Category.kind, count, value).outerjoin(Category, Category.id == Asset.category_id)
                                         .where(Asset.status.not_in(OFF_THE_BOOKS)).group_by(Category.kind)):
        if kind is None:
            unfiled = (n, _value(v))
        else:
            kinds[AssetKind(kind)] = (n, _value(v))
    lines = [Line(_(ASSET_KIND_LABELS[kind]), n, v, kind.value) for kind, (n, v) in kinds.items()]
    if unfiled[0]:
        lines.append(Line(_("No category"), *unfiled))
    total = Line(_("All assets in the register"), sum(line.count for line in lines), sum((line.value for line in lines), ZERO))
    # The newest lines first, then their assets: joined before the limit, PostgreSQL expected a school's join to
    # find a few rows and sorted all 20,000 of them (13 ms in a district of 100 schools, against 0.1 ms).
    newest = aliased(LedgerEvent, select(LedgerEvent).order_by(LedgerEvent.at.desc(), LedgerEvent.id.desc()).limit(recent).subquery())
    rows = db.session.execute(select(newest, Asset.asset_number, Asset.name).join(Asset, Asset.id == newest.asset_id)
                              .order_by(newest.at.desc(), newest.id.desc())).all()
    return Glance(total, lines, [tuple(row) for row in rows])
