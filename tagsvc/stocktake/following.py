"""A stocktake follows what moves its items while it is open. The transfer, loan, handover or disposal itself is
the record; the stocktake's list changes to match, with the document named beside the item:

- a transfer that arrives: the stocktake expects the item in its new place and department, or, when that is outside
  the stocktake's scope, counts it as accounted for;
- a loan or a handover: accounted for (nobody will find it in its room, and nobody should look);
- a disposal, or an arrival at another school (划拨): off the list, counted nowhere.

An item someone confirmed before it moved stays confirmed: it was where the books said then. Without this, an item
transferred out of a room the day before the walk-through was a false 盘亏 in the reconciliation.
"""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select, update

from tagsvc.assets.models import Asset
from tagsvc.extensions import db, utcnow
from tagsvc.stocktake.models import ConfirmMethod, Movement, Stocktake, StocktakeItem
from tagsvc.stocktake.services import Scope, _scope_conditions
from tagsvc.structure.models import Category


@contextmanager
def stocktakes_following(actor, asset_ids: list[int], movement: Movement, number: str, document_id: int):
    """Around a movement's changes to the books: the open stocktakes holding these assets follow it, in the same
    transaction (which the caller commits).

    On entry, before the movement writes an asset, each such stocktake is held against its close (a shared lock,
    as confirmations take) and the items' rows are locked: a confirmation locks an item, then its asset, and so this
    does too, in that order, so the two never wait for each other in a circle. On exit the items follow."""
    items = _lock_items(asset_ids)
    yield
    if items:
        _follow(actor, items, movement, number, document_id)


def follow_movement(actor, asset_ids: list[int], movement: Movement, number: str, document_id: int) -> None:
    """The same, for a movement already written (tests, and callers with nothing left to write)."""
    with stocktakes_following(actor, asset_ids, movement, number, document_id):
        pass


def _lock_items(asset_ids: list[int]) -> list[int]:
    if not asset_ids:
        return []
    with db.session.no_autoflush:  # the movement's own changes wait until the locks are held
        stocktake_ids = sorted(set(db.session.scalars(select(StocktakeItem.stocktake_id).where(StocktakeItem.open_asset_id.in_(asset_ids)))))
        if not stocktake_ids:
            return []
        postgres = db.session.get_bind().dialect.name == "postgresql"
        if postgres:  # SQLite: the document's own lock already holds the one database lock
            db.session.execute(select(Stocktake.id).where(Stocktake.id.in_(stocktake_ids)).order_by(Stocktake.id).with_for_update(read=True))
        query = select(StocktakeItem.id).where(StocktakeItem.open_asset_id.in_(asset_ids)).order_by(StocktakeItem.id)
        return list(db.session.scalars(query.with_for_update() if postgres else query))


def _follow(actor, item_ids: list[int], movement: Movement, number: str, document_id: int) -> None:
    db.session.flush()  # the movement's changes: the scope is checked against where the items are now
    now = utcnow()
    items = list(db.session.scalars(select(StocktakeItem).where(StocktakeItem.id.in_(item_ids), StocktakeItem.open_asset_id.is_not(None))
                                    .execution_options(populate_existing=True)))
    for stocktake_id in sorted({item.stocktake_id for item in items}):
        stocktake = db.session.get(Stocktake, stocktake_id, populate_existing=True)
        mine = [item for item in items if item.stocktake_id == stocktake_id]
        if not stocktake.is_open:
            continue  # closed before the lock: its list is final
        in_scope = _still_in_scope(stocktake, [item.asset_id for item in mine])
        for item in mine:
            asset = db.session.get(Asset, item.asset_id)
            item.moved_by, item.moved_by_number, item.moved_by_id, item.moved_at = movement, number, document_id, now
            if movement in (Movement.DISPOSAL, Movement.SCHOOL_TRANSFER):
                item.left_list = True
            elif movement == Movement.TRANSFER and asset.id in in_scope:
                item.expected_location_id, item.expected_department_id = asset.location_id, asset.department_id
                item.expected_custodian = asset.custodian_name or ""
            else:
                _account_for(actor, item, now)
    db.session.flush()


def _still_in_scope(stocktake: Stocktake, asset_ids: list[int]) -> set[int]:
    conditions = _scope_conditions(Scope.of(stocktake.scope or {}))
    return set(db.session.scalars(select(Asset.id).outerjoin(Category, Category.id == Asset.category_id)
                                  .where(Asset.id.in_(asset_ids), *conditions)))


def _account_for(actor, item: StocktakeItem, now) -> None:
    """Counted as accounted for, unless someone confirmed it first (then their confirmation stands)."""
    db.session.flush()
    db.session.execute(update(StocktakeItem).where(StocktakeItem.id == item.id, StocktakeItem.confirmed_at.is_(None))
                       .values(confirmed_at=now, confirmed_by_id=actor.id, confirmed_by_name=actor.display_name,
                               confirmed_method=ConfirmMethod.DOCUMENT, confirmed_location_id=None, misplaced=False)
                       .execution_options(synchronize_session=False))
    db.session.refresh(item)


def open_stocktakes_holding(asset_ids: list[int]) -> list[tuple[Stocktake, int]]:
    """The open stocktakes these assets are in, each with how many of them: the forms that move items say so before
    anything moves."""
    if not asset_ids:
        return []
    counts: dict[int, list] = {}
    for stocktake in db.session.scalars(select(Stocktake).join(StocktakeItem, StocktakeItem.stocktake_id == Stocktake.id)
                                        .where(StocktakeItem.open_asset_id.in_(asset_ids))):
        counts.setdefault(stocktake.id, [stocktake, 0])[1] += 1
    return [(stocktake, count) for stocktake, count in sorted(counts.values(), key=lambda pair: pair[0].id)]
