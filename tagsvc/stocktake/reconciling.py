"""The end of a stocktake: the reconciliation (账物相符) and the office's decision on each difference.

What was expected (the snapshot) against what was found: in place, misplaced, missing (盘亏), found but not on the
list (盘盈), condition changes, with counts and book value per department and property kind. Each correction writes
the ledger, naming the stocktake.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from tagsvc.accounts.permissions import require_admin
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.errors import ConflictError, NotFoundError, ValidationError
from tagsvc.extensions import db, utcnow
from tagsvc.ledger.models import LedgerAction
from tagsvc.ledger.services import _record_event
from tagsvc.stocktake.models import Resolution, Stocktake, StocktakeFinding, StocktakeItem
from tagsvc.stocktake.services import _stocktake_note
from tagsvc.structure.models import Department, Location
from tagsvc.tags.models import Tag
from tagsvc.i18n.messages import message
from tagsvc.i18n.markers import N_


@dataclass
class KindTotals:
    expected: int = 0
    expected_value: Decimal = Decimal("0")
    found: int = 0
    found_value: Decimal = Decimal("0")
    missing: int = 0
    missing_value: Decimal = Decimal("0")
    misplaced: int = 0
    accounted: int = 0  # of found: not seen, but lent, handed over or transferred out of the scope


@dataclass
class Reconciliation:
    stocktake: Stocktake
    in_place: int
    misplaced: list[StocktakeItem]
    missing: list[StocktakeItem]
    surplus: list[StocktakeFinding]
    condition_changes: list[StocktakeItem]
    accounted: list[StocktakeItem] = field(default_factory=list)  # lent, handed over, transferred out: a document says where
    left: list[StocktakeItem] = field(default_factory=list)  # disposed of while it was open: off the list
    followed: list[StocktakeItem] = field(default_factory=list)  # transferred within the scope: expected in the new place
    totals: dict = field(default_factory=dict)  # (department name, kind) -> KindTotals
    total: KindTotals = field(default_factory=KindTotals)

    @property
    def match_rate(self) -> float:
        """账物相符率: the share of expected items found where the books put them, or accounted for by a document."""
        return (self.in_place + len(self.accounted)) / self.total.expected if self.total.expected else 1.0

    @property
    def open_differences(self) -> int:
        """Differences nobody settled yet, or left open on purpose (with a note)."""
        return (sum(1 for i in self.misplaced + self.missing if i.resolution in (None, Resolution.LEFT_OPEN))
                + sum(1 for f in self.surplus if f.resolution is None))


def reconciliation(actor, stocktake_id: int) -> Reconciliation:
    require_admin(actor)
    stocktake = db.session.get(Stocktake, stocktake_id)
    if stocktake is None:
        raise NotFoundError(_("There is no such stocktake."))
    departments = dict(db.session.execute(select(Department.id, Department.name)).all())
    result = Reconciliation(stocktake=stocktake, in_place=0, misplaced=[], missing=[], surplus=[], condition_changes=[])
    totals: dict = defaultdict(KindTotals)
    items = db.session.scalars(select(StocktakeItem).where(StocktakeItem.stocktake_id == stocktake_id)
                               .order_by(StocktakeItem.expected_department_id, StocktakeItem.asset_number))
    for item in items:
        if item.left_list:
            result.left.append(item)
            continue
        if item.moved_by is not None and not item.accounted_for:
            result.followed.append(item)
        value = item.price or Decimal("0")
        for bucket in (totals[(departments.get(item.expected_department_id, "—"), item.kind)], result.total):
            bucket.expected += 1
            bucket.expected_value += value
            if item.found:
                bucket.found += 1
                bucket.found_value += value
                bucket.misplaced += item.misplaced
                bucket.accounted += item.accounted_for
            else:
                bucket.missing += 1
                bucket.missing_value += value
        if not item.found:
            result.missing.append(item)
        elif item.accounted_for:
            result.accounted.append(item)
        elif item.misplaced:
            result.misplaced.append(item)
        else:
            result.in_place += 1
        if item.condition_seen is not None and item.condition_seen != item.condition_before:
            result.condition_changes.append(item)
    result.totals = dict(sorted(totals.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")))
    result.surplus = list(db.session.scalars(select(StocktakeFinding).where(StocktakeFinding.stocktake_id == stocktake_id)
                                             .order_by(StocktakeFinding.recorded_at)))
    return result


def suggested_department(location_id: int | None) -> int | None:
    """The department most items booked in a room belong to: where a misplaced item probably moved to."""
    if location_id is None:
        return None
    counts = Counter(db.session.scalars(select(Asset.department_id).where(Asset.location_id == location_id, Asset.department_id.is_not(None))))
    return counts.most_common(1)[0][0] if counts else None


def _closed(stocktake_id: int) -> Stocktake:
    stocktake = db.session.get(Stocktake, stocktake_id)
    if stocktake is None:
        raise NotFoundError(_("There is no such stocktake."))
    if stocktake.is_open:
        raise ConflictError(_("Close the stocktake first: corrections are made once nothing more can be confirmed."))
    return stocktake


def _record_settlement(actor, stocktake: Stocktake, asset: Asset, changes: dict, note: str) -> None:
    """The ledger line of a settled difference, naming the stocktake: a correction, or a note that nothing changed."""
    _record_event(asset, LedgerAction.STOCKTAKE_CORRECTED if changes else LedgerAction.STOCKTAKE_NOTED, actor, changes=changes,
                  note=[_stocktake_note(stocktake), note] if note else _stocktake_note(stocktake))


def resolve_item(actor, stocktake_id: int, item_id: int, resolution: Resolution, note: str = "",
                 department_id: int | None = None) -> StocktakeItem:
    """Decide about one difference: move the booked place to where it was found (and the department, when it
    crossed to another), mark it lost, or leave it open with a note. Writes the ledger. Commits."""
    require_admin(actor)
    stocktake = _closed(stocktake_id)
    item = db.session.get(StocktakeItem, item_id)
    if item is None or item.stocktake_id != stocktake_id:
        raise NotFoundError(_("That item is not in this stocktake."))
    if item.resolution is not None and item.resolution != Resolution.LEFT_OPEN:
        raise ConflictError(_("%(name)s was already settled (%(by)s): nothing was changed.", name=item.name, by=item.resolved_by_name))
    asset = db.session.get(Asset, item.asset_id)
    note = (note or "").strip()
    changes = {}
    if resolution == Resolution.MOVED:
        if not item.found or not item.misplaced or item.confirmed_location_id is None:
            raise ValidationError(_("Only an item found in another place can be moved in the books."))
        if department_id is not None and db.session.get(Department, department_id) is None:
            raise ValidationError(_("That department no longer exists."))
        new_place = db.session.get(Location, item.confirmed_location_id)
        changes["location_id"] = [asset.location.full_name if asset.location else None, new_place.full_name]
        asset.location = new_place
        if department_id is not None and department_id != asset.department_id:
            department = db.session.get(Department, department_id)
            changes["department_id"] = [asset.department.name if asset.department else None, department.name]
            asset.department = department
    elif resolution == Resolution.LOST:
        if item.found:
            raise ValidationError(_("%(name)s was found: it cannot be marked lost.", name=item.name))
        changes["status"] = [asset.status.value, AssetStatus.LOST.value]
        asset.status = AssetStatus.LOST
    elif resolution == Resolution.LEFT_OPEN:
        if not note:
            raise ValidationError(_("Say why this difference stays open (a note for whoever picks it up)."))
    else:
        raise ValidationError(_("Choose what to do with this difference."))
    item.resolution, item.resolution_note, item.resolved_at, item.resolved_by_name = resolution, note, utcnow(), actor.display_name
    _record_settlement(actor, stocktake, asset, changes, note)
    db.session.commit()
    return item


def resolve_finding(actor, stocktake_id: int, finding_id: int, resolution: Resolution, note: str = "",
                    asset_number: str = "", department_id: int | None = None, data=None) -> StocktakeFinding:
    """Settle a surplus item: register it as a new asset under this asset number and department (its blank label
    becomes its label; `data` gives every field instead), say it is an asset already registered (by its number), or
    dismiss it. Commits."""
    from tagsvc.assets.services import AssetData, _register_asset, stick_blank_label

    require_admin(actor)
    stocktake = _closed(stocktake_id)
    finding = db.session.get(StocktakeFinding, finding_id)
    if finding is None or finding.stocktake_id != stocktake_id:
        raise NotFoundError(_("That finding is not in this stocktake."))
    if finding.resolution is not None:
        raise ConflictError(_("“%(name)s” was already settled by %(by)s.", name=finding.name, by=finding.resolved_by_name))
    note = (note or "").strip()
    blank = db.session.scalar(select(Tag).where(Tag.code == finding.code, Tag.asset_id.is_(None), Tag.location_id.is_(None))) if finding.code else None
    if resolution == Resolution.REGISTERED:
        if finding.asset_id is not None:
            raise ValidationError(_("This item is registered already."))
        values = data or AssetData(asset_number=asset_number.strip(), name=finding.name, department_id=department_id)
        if not values.asset_number.strip():
            raise ValidationError(_("Give the new asset its asset number."))
        values.location_id = values.location_id or finding.location_id
        asset = _register_asset(actor, values, blank=blank)
        finding.resolved_asset_id = asset.id
        _record_event(asset, LedgerAction.STOCKTAKE_NOTED, actor, note=[_stocktake_note(stocktake), message(N_("registered as found"))])
    elif resolution == Resolution.ATTACHED:
        asset = db.session.scalar(select(Asset).where(Asset.asset_number == asset_number.strip())) if asset_number.strip() else None
        if asset is None and finding.asset_id is not None:
            asset = db.session.get(Asset, finding.asset_id)
        if asset is None:
            raise ValidationError(_("There is no asset with the number %(number)s.", number=asset_number.strip() or "—"))
        changes = {}
        if finding.location_id is not None and asset.location_id != finding.location_id:
            place = db.session.get(Location, finding.location_id)
            changes["location_id"] = [asset.location.full_name if asset.location else None, place.full_name]
            asset.location = place
        if blank is not None:
            changes["tag"] = [stick_blank_label(asset, blank), blank.code]
        finding.resolved_asset_id = asset.id
        _record_settlement(actor, stocktake, asset, changes, note)
    elif resolution == Resolution.DISMISSED:
        if not note:
            raise ValidationError(_("Say why it is dismissed (for example: a teacher's own chair)."))
    else:
        raise ValidationError(_("Choose what to do with this item."))
    finding.resolution, finding.resolution_note, finding.resolved_at, finding.resolved_by_name = resolution, note, utcnow(), actor.display_name
    db.session.commit()
    return finding


