"""Transfers (调拨): every step a plain function that checks who may take it, writes the ledger and commits once.

The story of one transfer: the sending department's keeper (or the office) requests it for one or many assets; the
receiving department's keeper accepts it and the office approves it, in either order; then the receiver confirms
each item's arrival, and only then does that item move in the books (department, place, custodian) in one ledger
event naming the transfer. Items never confirmed stay with the sender and are listed as outstanding. While a
transfer is open its assets are held (assets.holds): no second transfer, loan or disposal can take them.

Each decision is one conditional UPDATE (… WHERE it has not been taken yet): of two people approving, accepting or
confirming the same arrival at the same moment, one takes effect and the other is told who was first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update

from tagsvc.accounts.models import Role
from tagsvc.accounts.permissions import require_admin, require_signed_in
from tagsvc.assets.holds import HoldKind, check_free, release_holds, take_holds
from tagsvc.assets.models import OFF_THE_BOOKS, Asset, AssetStatus
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db, lock_document, utcnow
from tagsvc.ledger.documents import next_document_number
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.pagination import Page, paginate
from tagsvc.structure.models import Department, Location
from tagsvc.tags.services import asset_id_read
from tagsvc.transfers.models import OPEN_STATUSES, ArrivalMethod, Transfer, TransferItem, TransferStatus
from tagsvc.stocktake.following import stocktakes_following
from tagsvc.stocktake.models import Movement
from tagsvc.ledger.models import note_columns
from tagsvc.i18n.messages import message
from tagsvc.i18n.markers import N_
from tagsvc.channels import services as channels

DOCUMENT_PREFIX = "DB"  # 调拨单
MAX_ITEMS = 2000  # a whole building's furniture at most; more is a data error, not a transfer


@dataclass(frozen=True)
class TransferRequest:
    asset_ids: list[int]
    to_department_id: int | None
    to_location_id: int | None = None
    to_custodian: str = ""
    reason: str = ""


@dataclass
class Arrival:
    """The answer to a confirmed arrival: what arrived, and how far the transfer has come."""

    item: TransferItem
    arrived: int
    total: int
    first_by: str = ""  # when someone had confirmed it before: who, and when
    first_at: datetime | None = None
    counted: bool = True
    completed: bool = False
    outstanding: list[TransferItem] = field(default_factory=list)


# ---------------------------------------------------------------- who may do what


def _keeps(actor, department_id: int | None) -> bool:
    return actor.role == Role.KEEPER and actor.keeps(department_id)


def may_request(actor, department_id: int | None) -> bool:
    return actor is not None and actor.is_authenticated and (actor.is_admin or _keeps(actor, department_id))


def may_accept(actor, transfer: Transfer) -> bool:
    """The receiving department's keeper; the office may accept for a department nobody keeps on tagsvc."""
    return actor.is_admin or _keeps(actor, transfer.to_department_id)


def may_read(actor, transfer: Transfer) -> bool:
    return actor is not None and actor.is_authenticated and (
        actor.is_admin or _keeps(actor, transfer.from_department_id) or _keeps(actor, transfer.to_department_id))


# ---------------------------------------------------------------- requesting


def refuse_gone(assets: list[Asset]) -> None:
    """Disposed, lost, or another school's now: such an item goes nowhere."""
    gone = next((a for a in assets if a.status in (*OFF_THE_BOOKS, AssetStatus.LOST)), None)
    if gone is not None:
        raise ConflictError(_("%(name)s (%(number)s) is %(status)s: it cannot be transferred.", name=gone.name, number=gone.asset_number,
                              status={AssetStatus.DISPOSED: _("disposed"), AssetStatus.LOST: _("lost")}.get(
                                  gone.status, _("another school's now"))))


def request_transfer(actor, data: TransferRequest, direct: bool = False) -> Transfer:
    """Request a transfer of these assets (all of one department) to another department. `direct`: the office
    records a transfer that needs no approvals (marked as such); its items still arrive by confirmation. Commits."""
    require_signed_in(actor)
    if direct:
        require_admin(actor)
    asset_ids = list(dict.fromkeys(data.asset_ids or []))
    if not asset_ids:
        raise ValidationError(_("Choose at least one item to transfer."))
    if len(asset_ids) > MAX_ITEMS:
        raise ValidationError(_("One transfer takes at most %(n)d items; split it into several.", n=MAX_ITEMS))
    assets = list(db.session.scalars(select(Asset).where(Asset.id.in_(asset_ids)).order_by(Asset.asset_number)))
    if len(assets) != len(asset_ids):
        raise NotFoundError(_("Some of these items are no longer in the register: reload and choose again."))
    senders = {asset.department_id for asset in assets}
    if len(senders) != 1 or None in senders:
        raise ValidationError(_("A transfer moves items of one department: these belong to several (or to none). Make one transfer per department."))
    from_department_id = senders.pop()
    if not may_request(actor, from_department_id):
        raise PermissionDeniedError(_("Only the keeper of the sending department or the office can request this transfer."))
    refuse_gone(assets)
    to_department = db.session.get(Department, data.to_department_id) if data.to_department_id else None
    if to_department is None:
        raise ValidationError(_("Choose the receiving department."))
    if to_department.id == from_department_id:
        raise ValidationError(_("These items already belong to %(department)s: choose another receiving department.", department=to_department.name))
    to_location = None
    if data.to_location_id is not None:
        to_location = db.session.get(Location, data.to_location_id)
        if to_location is None:
            raise ValidationError(_("That place does not exist (any more)."))
    check_free([a.id for a in assets])
    custodian, reason = (data.to_custodian or "").strip(), (data.reason or "").strip()
    if len(custodian) > 100:
        raise ValidationError(_("The custodian's name is too long (at most 100 characters)."))
    if not reason and not direct:
        raise ValidationError(_("Say why these items move: the office decides on it."))

    now = utcnow()
    transfer = Transfer(number=next_document_number(DOCUMENT_PREFIX), direct=direct, from_department_id=from_department_id,
                        to_department_id=to_department.id, to_location_id=to_location.id if to_location else None,
                        to_custodian=custodian, reason=reason, requested_at=now, requested_by_id=actor.id,
                        requested_by_name=actor.display_name)
    if direct:
        transfer.status = TransferStatus.APPROVED
        transfer.accepted_at = transfer.approved_at = now
        transfer.accepted_by_name = transfer.approved_by_name = actor.display_name
    transfer.items = [TransferItem(asset_id=a.id, asset_number=a.asset_number, name=a.name, price=a.price,
                                   from_location_id=a.location_id, from_custodian=a.custodian_name) for a in assets]
    db.session.add(transfer)
    db.session.flush()
    take_holds([a.id for a in assets], HoldKind.TRANSFER, transfer.id, transfer.number)
    destination = to_department.name + (f" · {to_location.full_name}" if to_location else "")
    if direct:
        note = message(N_("%(number)s to %(destination)s, recorded by the office without approvals"), number=transfer.number,
                       destination=destination)
    else:
        note = message(N_("%(number)s to %(destination)s: %(reason)s"), number=transfer.number, destination=destination, reason=reason)
    _record_for_items(transfer, LedgerAction.TRANSFER_REQUESTED, actor, note)
    if not direct:
        channels.transfer_waiting(transfer, "accept")  # the receiving keeper's group hears of it
    db.session.commit()
    return transfer


# ---------------------------------------------------------------- deciding


def accept_transfer(actor, transfer_id: int) -> Transfer:
    """The receiving side says yes. Commits."""
    transfer = _transfer_for_decision(actor, transfer_id, acceptance=True)
    if not may_accept(actor, transfer):
        raise PermissionDeniedError(_("Only the keeper of %(department)s (or the office) can accept this transfer.",
                                      department=transfer.to_department.name))
    _decide(transfer, actor, Transfer.accepted_at, Transfer.accepted_by_name, other=Transfer.approved_at)
    _record_for_items(transfer, LedgerAction.TRANSFER_ACCEPTED, actor, transfer.number)
    if transfer.approved_at is None:
        channels.transfer_waiting(transfer, "approve")  # the office's turn
    db.session.commit()
    return transfer


def approve_transfer(actor, transfer_id: int) -> Transfer:
    """The office says yes. Commits."""
    require_admin(actor)
    transfer = _transfer_for_decision(actor, transfer_id, approval=True)
    _decide(transfer, actor, Transfer.approved_at, Transfer.approved_by_name, other=Transfer.accepted_at)
    _record_for_items(transfer, LedgerAction.TRANSFER_APPROVED, actor, transfer.number)
    db.session.commit()
    return transfer


def decline_transfer(actor, transfer_id: int, reason: str) -> Transfer:
    """The receiving side says no, with a reason (not once it said yes). Commits."""
    transfer = _transfer_for_decision(actor, transfer_id, acceptance=True)
    if not may_accept(actor, transfer):
        raise PermissionDeniedError(_("Only the keeper of %(department)s (or the office) can decline this transfer.",
                                      department=transfer.to_department.name))
    return _close(transfer, actor, TransferStatus.DECLINED, LedgerAction.TRANSFER_DECLINED, _required_reason(reason))


def reject_transfer(actor, transfer_id: int, reason: str) -> Transfer:
    """The office says no, with a reason (not once it said yes). Commits."""
    require_admin(actor)
    transfer = _transfer_for_decision(actor, transfer_id, approval=True)
    return _close(transfer, actor, TransferStatus.REJECTED, LedgerAction.TRANSFER_REJECTED, _required_reason(reason))


def cancel_transfer(actor, transfer_id: int, reason: str = "") -> Transfer:
    """Either side (or the office) withdraws a transfer the office has not approved yet. Commits."""
    require_signed_in(actor)
    transfer = _locked_transfer(actor, transfer_id)
    if not may_read(actor, transfer):
        raise PermissionDeniedError(_("Only the keepers of the two departments or the office can cancel this transfer."))
    if transfer.approved_at is not None:
        raise ConflictError(_("%(name)s of the office approved %(number)s at %(time)s: it can no longer be cancelled.",
                              name=transfer.approved_by_name, number=transfer.number, time=_when(transfer.approved_at)))
    if transfer.status != TransferStatus.REQUESTED:
        raise ConflictError(_state_message(transfer))
    return _close(transfer, actor, TransferStatus.CANCELLED, LedgerAction.TRANSFER_CANCELLED, (reason or "").strip())


def _locked_transfer(actor, transfer_id: int) -> Transfer:
    """The transfer, read under a lock on it (see lock_document): every step that changes a transfer starts here."""
    get_transfer(actor, transfer_id)  # refuses an unknown or unreadable one before anything waits on a lock
    lock_document(Transfer, transfer_id)
    return get_transfer(actor, transfer_id)


def _when(moment) -> str:
    from flask_babel import format_datetime

    return format_datetime(moment, "short")


def _transfer_for_decision(actor, transfer_id: int, acceptance: bool = False, approval: bool = False) -> Transfer:
    """A transfer still to be decided: not closed, and (for the receiving side's or the office's step) that side has
    not decided yet. Whoever comes second is told who decided and when."""
    require_signed_in(actor)
    transfer = _locked_transfer(actor, transfer_id)
    if transfer.status != TransferStatus.REQUESTED:
        raise ConflictError(_state_message(transfer))
    if acceptance and transfer.accepted_at is not None:
        raise ConflictError(_("%(name)s accepted %(number)s at %(time)s.", name=transfer.accepted_by_name, number=transfer.number,
                              time=_when(transfer.accepted_at)))
    if approval and transfer.approved_at is not None:
        raise ConflictError(_("%(name)s of the office approved %(number)s at %(time)s.", name=transfer.approved_by_name,
                              number=transfer.number, time=_when(transfer.approved_at)))
    return transfer


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why: the other side reads it."))
    return reason


def _decide(transfer: Transfer, actor, at_column, by_column, other) -> None:
    """Set one of the two approvals, once: a conditional UPDATE, so that of two people deciding at the same moment
    one counts. When the other approval is there already, the transfer is under way."""
    now = utcnow()
    taken = db.session.execute(
        update(Transfer)
        .where(Transfer.id == transfer.id, Transfer.status == TransferStatus.REQUESTED, at_column.is_(None))
        .values({at_column: now, by_column: actor.display_name,
                 Transfer.status: case((other.is_not(None), TransferStatus.APPROVED.value), else_=Transfer.status)})
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(transfer)
    if not taken:
        db.session.rollback()
        raise ConflictError(_state_message(transfer) if transfer.status != TransferStatus.REQUESTED else
                            _("%(name)s has already decided on %(number)s at %(time)s.", name=getattr(transfer, by_column.key),
                              number=transfer.number, time=getattr(transfer, at_column.key).strftime("%Y-%m-%d %H:%M")))


def _close(transfer: Transfer, actor, status: TransferStatus, action: LedgerAction, reason: str) -> Transfer:
    taken = db.session.execute(
        update(Transfer).where(Transfer.id == transfer.id, Transfer.status == TransferStatus.REQUESTED)
        .values(status=status, closed_at=utcnow(), closed_by_name=actor.display_name, close_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(transfer)
    if not taken:
        db.session.rollback()
        raise ConflictError(_state_message(transfer))
    release_holds([item.asset_id for item in transfer.items], HoldKind.TRANSFER, transfer.id)
    _record_for_items(transfer, action, actor, f"{transfer.number}: {reason}" if reason else transfer.number)
    db.session.commit()
    return transfer


def _state_message(transfer: Transfer) -> str:
    if transfer.status == TransferStatus.APPROVED:
        return _("%(number)s is approved and under way (approved by %(name)s at %(time)s): its items arrive as the receiver confirms them.",
                 number=transfer.number, name=transfer.approved_by_name, time=_when(transfer.approved_at) if transfer.approved_at else "")
    if transfer.status == TransferStatus.COMPLETED:
        return _("%(number)s is complete: every item arrived.", number=transfer.number)
    return _("%(number)s was closed at %(time)s by %(name)s.", number=transfer.number,
             time=_when(transfer.closed_at) if transfer.closed_at else "", name=transfer.closed_by_name)


# ---------------------------------------------------------------- arrival


def confirm_arrival(actor, transfer_id: int, code_or_asset_id: str | int, method: ArrivalMethod = ArrivalMethod.TAP) -> Arrival:
    """The receiver confirms that one item has arrived (by its label's code, or its asset id from a list): the item
    moves in the books now. Confirming it again answers who confirmed it first and changes nothing. Commits."""
    require_signed_in(actor)
    transfer = _locked_transfer(actor, transfer_id)  # the last two arrivals at once: the second counts the first's
    if not may_accept(actor, transfer):
        raise PermissionDeniedError(_("Only the keeper of %(department)s (or the office) can confirm what arrives.",
                                      department=transfer.to_department.name))
    if transfer.status == TransferStatus.REQUESTED:
        raise ConflictError(_("%(number)s is not approved yet: items arrive once the receiver has accepted it and the office approved it.",
                              number=transfer.number))
    item = _item_of(transfer, code_or_asset_id)
    now = utcnow()
    if transfer.status == TransferStatus.APPROVED:
        counted = db.session.execute(
            update(TransferItem).where(TransferItem.id == item.id, TransferItem.arrived_at.is_(None))
            .values(arrived_at=now, arrived_by_id=actor.id, arrived_by_name=actor.display_name, arrival_method=method)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
    else:
        counted = False  # completed (or closed): nothing more arrives
    db.session.refresh(item)
    if not counted:
        db.session.rollback()
        if item.arrived_at is None:
            raise ConflictError(_state_message(transfer))
        return _arrival(transfer, item, counted=False)
    with stocktakes_following(actor, [item.asset_id], Movement.TRANSFER, transfer.number, transfer.id):  # expected there now
        _move_in_books(transfer, item, actor)
        release_holds([item.asset_id], HoldKind.TRANSFER, transfer.id)
    arrived = db.session.scalar(select(func.count()).select_from(TransferItem)
                                .where(TransferItem.transfer_id == transfer.id, TransferItem.arrived_at.is_not(None)))
    if arrived == len(transfer.items):
        db.session.execute(update(Transfer).where(Transfer.id == transfer.id, Transfer.status == TransferStatus.APPROVED)
                           .values(status=TransferStatus.COMPLETED, closed_at=now, closed_by_name=actor.display_name)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(transfer)
    return _arrival(transfer, item, counted=True)


def _item_of(transfer: Transfer, code_or_asset_id: str | int) -> TransferItem:
    asset_id = asset_id_read(code_or_asset_id)
    item = next((i for i in transfer.items if i.asset_id == asset_id), None)
    if item is None:
        asset = db.session.get(Asset, asset_id)
        raise ValidationError(_("%(name)s (%(number)s) is not part of %(transfer)s.", name=asset.name if asset else "?",
                                number=asset.asset_number if asset else "?", transfer=transfer.number))
    return item


def _move_in_books(transfer: Transfer, item: TransferItem, actor) -> None:
    asset = db.session.get(Asset, item.asset_id)
    changes = {"department_id": [asset.department.name if asset.department else None, transfer.to_department.name]}
    asset.department = transfer.to_department  # the relationship, not the id: a loaded asset.department follows
    if transfer.to_location_id is not None and transfer.to_location_id != asset.location_id:
        changes["location_id"] = [asset.location.full_name if asset.location else None, transfer.to_location.full_name]
        asset.location = transfer.to_location
    if transfer.to_custodian and transfer.to_custodian != asset.custodian_name:
        changes["custodian_name"] = [asset.custodian_name or None, transfer.to_custodian]
        asset.custodian_name = transfer.to_custodian
        asset.custodian_phone = ""
    asset.updated_at = utcnow()
    asset.last_confirmed_at = item.arrived_at or asset.updated_at  # seen where it arrived: its label page says so
    db.session.add(LedgerEvent(asset_id=asset.id, action=LedgerAction.TRANSFERRED, actor_id=actor.id,
                               actor_name=actor.display_name, changes=changes, note=transfer.number))


def _arrival(transfer: Transfer, item: TransferItem, counted: bool) -> Arrival:
    arrived = [i for i in transfer.items if i.arrived_at is not None]
    return Arrival(item=item, arrived=len(arrived), total=len(transfer.items), counted=counted,
                   first_by="" if counted else item.arrived_by_name, first_at=None if counted else item.arrived_at,
                   completed=transfer.status == TransferStatus.COMPLETED,
                   outstanding=[i for i in transfer.items if i.arrived_at is None])


# ---------------------------------------------------------------- reading


def get_transfer(actor, transfer_id: int) -> Transfer:
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None or not may_read(actor, transfer):
        raise NotFoundError(_("There is no such transfer."))
    return transfer


def outstanding_items(transfer: Transfer) -> list[TransferItem]:
    """Items of an approved transfer not confirmed yet: still with the sender, in the books too."""
    return [item for item in transfer.items if item.arrived_at is None]


def _record_for_items(transfer: Transfer, action: LedgerAction, actor, note: str | dict) -> None:
    record_for_items(transfer.items, action, actor, note)


def record_for_items(items, action: LedgerAction, actor, note: str | dict, school_id: int | None = None) -> None:
    """One ledger line per item of a transfer, all in one INSERT (a class's 40 desks); in `school_id`'s history when
    given (a transfer to another school writes in the sender's), else the chosen school's."""
    now = utcnow()
    school = {"school_id": school_id} if school_id is not None else {}
    db.session.execute(LedgerEvent.__table__.insert(), [
        {"asset_id": item.asset_id, "at": now, "actor_id": actor.id, "actor_name": actor.display_name, "action": action.value,
         "changes": {}, **school, **note_columns(note)} for item in items])


def transfers_for(actor, page: int = 1, per_page: int = 30, open_only: bool = False) -> Page[Transfer]:
    """The office sees every transfer; a keeper those to or from the departments they keep. Open ones first,
    newest first."""
    require_signed_in(actor)
    query = select(Transfer).order_by(case((Transfer.status.in_([s.value for s in OPEN_STATUSES]), 0), else_=1),
                                      Transfer.requested_at.desc(), Transfer.id.desc())
    if not actor.is_admin:
        if actor.role != Role.KEEPER:
            raise PermissionDeniedError(_("Transfers are for the keepers of the departments and the office."))
        kept = [d.id for d in actor.departments] or [-1]
        query = query.where(Transfer.from_department_id.in_(kept) | Transfer.to_department_id.in_(kept))
    if open_only:
        query = query.where(Transfer.status.in_([s.value for s in OPEN_STATUSES]))
    return paginate(query, page, per_page)


def waiting_on(actor, transfer: Transfer) -> list[str]:
    """What this person may do now on this transfer: "accept", "approve", "cancel", "arrivals"."""
    steps = []
    if transfer.status == TransferStatus.REQUESTED:
        if transfer.accepted_at is None and may_accept(actor, transfer):
            steps.append("accept")
        if transfer.approved_at is None and actor.is_admin:
            steps.append("approve")
        if transfer.approved_at is None and may_read(actor, transfer):
            steps.append("cancel")
    if transfer.status == TransferStatus.APPROVED and may_accept(actor, transfer):
        steps.append("arrivals")
    return steps


def open_transfer_of(asset_id: int) -> Transfer | None:
    """The open transfer holding this asset, if any."""
    return db.session.scalar(select(Transfer).join(TransferItem, TransferItem.transfer_id == Transfer.id)
                             .where(TransferItem.asset_id == asset_id, Transfer.status.in_([s.value for s in OPEN_STATUSES])))


def awaited_arrival(actor, asset_id: int) -> Transfer | None:
    """The approved transfer in which this person may confirm that this asset has arrived (it has not yet): its label's
    page then offers the one-tap confirmation."""
    if actor is None or not actor.is_authenticated or actor.role not in (Role.ADMIN, Role.KEEPER):
        return None
    transfer = db.session.scalar(select(Transfer).join(TransferItem, TransferItem.transfer_id == Transfer.id)
                                 .where(TransferItem.asset_id == asset_id, TransferItem.arrived_at.is_(None),
                                        Transfer.status == TransferStatus.APPROVED))
    return transfer if transfer is not None and may_accept(actor, transfer) else None


WAITING_STEPS = ("accept", "approve", "arrivals")


def waiting_for(actor, limit: int = 10) -> list[tuple[Transfer, list[str]]]:
    """Open transfers on which this person has something to do (accept, approve, confirm arrivals), oldest first,
    with those steps: their start page lists them."""
    if actor is None or not actor.is_authenticated or actor.role not in (Role.ADMIN, Role.KEEPER):
        return []
    query = select(Transfer).where(Transfer.status.in_([s.value for s in OPEN_STATUSES])).order_by(Transfer.requested_at, Transfer.id)
    if not actor.is_admin:
        kept = [d.id for d in actor.departments] or [-1]
        query = query.where(Transfer.to_department_id.in_(kept))
    else:  # the office: what waits for its approval, or arrives for a department nobody else would confirm
        query = query.where(Transfer.approved_at.is_(None))
    found = []
    for transfer in db.session.scalars(query.limit(200)):
        steps = [s for s in waiting_on(actor, transfer) if s in WAITING_STEPS and (s != "accept" or not actor.is_admin)]
        if steps:
            found.append((transfer, steps))
        if len(found) == limit:
            break
    return found
