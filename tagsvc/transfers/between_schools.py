"""Transfers to another school (划拨): every step a plain function that checks who may take it and commits once.

The story: the sending school's office offers items to another school, with a reason; the receiving school's
office accepts (naming the department, and if known the place and custodian, that takes them) or declines; the
education bureau approves or rejects; then the receiving school scans each label as the item arrives. On arrival
the sender's record of the item ends ("transferred to another school", kept for its history and its old
documents), the receiving school's record begins with the same label, and each side's history says where it went or
came from. The receiving school reads the item's history from the transfer on; the earlier part is the sender's.
Until the bureau approves, the sending school may withdraw the offer; while it is open its items are held.

Each decision is a conditional UPDATE under the document's lock: of two people deciding at the same moment, one
takes effect and the other is told who was first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update

from tagsvc.accounts.models import Role
from tagsvc.accounts.permissions import require_admin, require_signed_in
from tagsvc.assets.holds import HoldKind, check_free, release_holds, take_holds
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db, lock_document, utcnow
from tagsvc.i18n.markers import N_
from tagsvc.i18n.messages import message
from tagsvc.ledger.documents import next_document_number
from tagsvc.ledger.models import LedgerAction, LedgerEvent, note_columns
from tagsvc.pagination import Page, paginate
from tagsvc.schools.models import School
from tagsvc.schools.wall import current_school_id, use_school
from tagsvc.stocktake.following import stocktakes_following
from tagsvc.stocktake.models import Movement
from tagsvc.structure.models import Category, Department, Location
from tagsvc.tags.models import Tag
from tagsvc.tags.services import code_in
from tagsvc.transfers.models import SCHOOL_TRANSFER_OPEN, ArrivalMethod, SchoolTransfer, SchoolTransferItem
from tagsvc.transfers.models import SchoolTransferStatus as Status
from tagsvc.transfers.services import MAX_ITEMS, record_for_items, refuse_gone

DOCUMENT_PREFIX = "HB"  # 划拨单


@dataclass
class SchoolArrival:
    item: SchoolTransferItem
    arrived: int
    total: int
    counted: bool = True  # False: confirmed before, by item.arrived_by_name
    completed: bool = False


# ---------------------------------------------------------------- who may do what


def _office_of(actor, school_id: int) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_admin and actor.school_id == school_id


def _bureau(actor) -> bool:
    return actor is not None and actor.is_authenticated and actor.role == Role.DISTRICT


def may_read(actor, transfer: SchoolTransfer) -> bool:
    """The offices of the two schools, the receiving department's keeper once it is named, and the bureau."""
    if actor is None or not actor.is_authenticated:
        return False
    return (_bureau(actor) or _office_of(actor, transfer.from_school_id) or _office_of(actor, transfer.to_school_id)
            or _receiving_keeper(actor, transfer))


def _receiving_keeper(actor, transfer: SchoolTransfer) -> bool:
    return (actor.role == Role.KEEPER and actor.school_id == transfer.to_school_id and transfer.to_department_id is not None
            and actor.keeps(transfer.to_department_id))


def may_confirm_arrivals(actor, transfer: SchoolTransfer) -> bool:
    return _office_of(actor, transfer.to_school_id) or _receiving_keeper(actor, transfer)


def steps_for(actor, transfer: SchoolTransfer) -> list[str]:
    """What this person may do now: "accept" (or decline), "approve" (or reject), "cancel", "arrivals"."""
    steps = []
    if transfer.status == Status.OFFERED and _office_of(actor, transfer.to_school_id):
        steps.append("accept")
    if transfer.status == Status.ACCEPTED and _bureau(actor):
        steps.append("approve")
    if transfer.status in (Status.OFFERED, Status.ACCEPTED) and _office_of(actor, transfer.from_school_id):
        steps.append("cancel")
    if transfer.status == Status.APPROVED and may_confirm_arrivals(actor, transfer):
        steps.append("arrivals")
    return steps


def other_schools() -> list[School]:
    """The schools the office may offer items to: every school of the district but its own."""
    here = current_school_id()
    return [school for school in db.session.scalars(select(School).order_by(School.code)) if school.id != here]


# ---------------------------------------------------------------- offering


def offer_to_school(actor, asset_ids: list[int], to_school_id: int | None, reason: str) -> SchoolTransfer:
    """The sending school's office offers these items to another school. Commits."""
    require_admin(actor)
    here = current_school_id()
    asset_ids = list(dict.fromkeys(asset_ids or []))
    if not asset_ids:
        raise ValidationError(_("Choose at least one item to transfer."))
    if len(asset_ids) > MAX_ITEMS:
        raise ValidationError(_("One transfer takes at most %(n)d items; split it into several.", n=MAX_ITEMS))
    school = db.session.get(School, to_school_id) if to_school_id else None
    if school is None or school.id == here:
        raise ValidationError(_("Choose the school that receives these items."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why these items go to %(school)s: the school and the education bureau decide on it.", school=school.name))
    if len(reason) > 2000:
        raise ValidationError(_("Please keep the reason under %(n)d characters.", n=2000))
    assets = list(db.session.scalars(select(Asset).where(Asset.id.in_(asset_ids)).order_by(Asset.asset_number)))
    if len(assets) != len(asset_ids):
        raise NotFoundError(_("Some of these items are no longer in the register: reload and choose again."))
    refuse_gone(assets)
    check_free([a.id for a in assets])
    here_school = db.session.get(School, here)
    transfer = SchoolTransfer(number=next_document_number(DOCUMENT_PREFIX), from_school_id=here, to_school_id=school.id,
                              from_school_name=here_school.name, to_school_name=school.name, reason=reason,
                              offered_at=utcnow(), offered_by_name=actor.display_name)
    transfer.items = [SchoolTransferItem(from_school_id=here, to_school_id=school.id, asset_id=a.id, asset_number=a.asset_number,
                                         name=a.name, price=a.price, tag_code=a.current_tag.code if a.current_tag else "")
                      for a in assets]
    db.session.add(transfer)
    db.session.flush()
    take_holds([a.id for a in assets], HoldKind.SCHOOL_TRANSFER, transfer.id, transfer.number)
    _record_for_items(transfer, LedgerAction.SCHOOL_TRANSFER_OFFERED, actor,
                      message(N_("%(number)s to %(school)s: %(reason)s"), number=transfer.number, school=school.name, reason=reason))
    db.session.commit()
    return transfer


# ---------------------------------------------------------------- deciding


def accept_offer(actor, transfer_id: int, department_id: int | None, location_id: int | None = None, custodian: str = "") -> SchoolTransfer:
    """The receiving school's office says yes and names the department (and if known the place and custodian) that
    takes the items. Then the education bureau decides. Commits."""
    transfer = _locked(actor, transfer_id)
    if not _office_of(actor, transfer.to_school_id):
        raise PermissionDeniedError(_("Only the logistics office of %(school)s can accept this transfer.", school=transfer.to_school_name))
    department = db.session.get(Department, department_id) if department_id else None
    if department is None:
        raise ValidationError(_("Choose the department that takes these items."))
    location = db.session.get(Location, location_id) if location_id else None
    if location_id and location is None:
        raise ValidationError(_("That place does not exist (any more)."))
    custodian = (custodian or "").strip()
    if len(custodian) > 100:
        raise ValidationError(_("The custodian's name is too long (at most 100 characters)."))
    _step(transfer, Status.OFFERED, Status.ACCEPTED, actor, accepted_at=utcnow(), accepted_by_name=actor.display_name,
          to_department_id=department.id, to_department_name=department.name, to_location_id=location.id if location else None,
          to_location_name=location.full_name if location else "", to_custodian=custodian)
    db.session.commit()
    return transfer


def approve_offer(actor, transfer_id: int) -> SchoolTransfer:
    """The education bureau approves: the items may go, and change school as they arrive. Commits."""
    transfer = _locked(actor, transfer_id)
    if not _bureau(actor):
        raise PermissionDeniedError(_("Only the education bureau approves transfers between schools."))
    _step(transfer, Status.ACCEPTED, Status.APPROVED, actor, approved_at=utcnow(), approved_by_name=actor.display_name)
    db.session.commit()
    return transfer


def decline_offer(actor, transfer_id: int, reason: str) -> SchoolTransfer:
    transfer = _locked(actor, transfer_id)
    if not _office_of(actor, transfer.to_school_id):
        raise PermissionDeniedError(_("Only the logistics office of %(school)s can decline this transfer.", school=transfer.to_school_name))
    return _close(transfer, actor, Status.OFFERED, Status.DECLINED, _required_reason(reason))


def reject_offer(actor, transfer_id: int, reason: str) -> SchoolTransfer:
    transfer = _locked(actor, transfer_id)
    if not _bureau(actor):
        raise PermissionDeniedError(_("Only the education bureau approves transfers between schools."))
    return _close(transfer, actor, Status.ACCEPTED, Status.REJECTED, _required_reason(reason))


def cancel_offer(actor, transfer_id: int, reason: str = "") -> SchoolTransfer:
    """The sending school withdraws its offer, until the bureau approved it. Commits."""
    transfer = _locked(actor, transfer_id)
    if not _office_of(actor, transfer.from_school_id):
        raise PermissionDeniedError(_("Only the logistics office of %(school)s can withdraw this transfer.", school=transfer.from_school_name))
    return _close(transfer, actor, (Status.OFFERED, Status.ACCEPTED), Status.CANCELLED, (reason or "").strip())


def _locked(actor, transfer_id: int) -> SchoolTransfer:
    require_signed_in(actor)
    get_school_transfer(actor, transfer_id)  # unknown or unreadable: refused before anything waits on a lock
    lock_document(SchoolTransfer, transfer_id)
    return get_school_transfer(actor, transfer_id)


def _step(transfer: SchoolTransfer, before: Status | tuple, after: Status, actor, **values) -> None:
    """One decision, once: of two people deciding at the same moment, the second is told what the first did."""
    before = before if isinstance(before, tuple) else (before,)
    taken = db.session.execute(
        update(SchoolTransfer).where(SchoolTransfer.id == transfer.id, SchoolTransfer.status.in_([s.value for s in before]))
        .values(status=after, **values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(transfer)
    if not taken:
        db.session.rollback()
        raise ConflictError(state_message(transfer))


def _close(transfer: SchoolTransfer, actor, before, status: Status, reason: str) -> SchoolTransfer:
    _step(transfer, before, status, actor, closed_at=utcnow(), closed_by_name=actor.display_name, close_reason=reason)
    with use_school(transfer.from_school_id):  # the holds and the history are the sender's (the bureau chose no school)
        release_holds([item.asset_id for item in transfer.items], HoldKind.SCHOOL_TRANSFER, transfer.id)
        _record_for_items(transfer, LedgerAction.SCHOOL_TRANSFER_CLOSED, actor,
                          f"{transfer.number}: {reason}" if reason else transfer.number)
        db.session.commit()
    return transfer


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why: the other side reads it."))
    if len(reason) > 2000:
        raise ValidationError(_("Please keep the reason under %(n)d characters.", n=2000))
    return reason


def state_message(transfer: SchoolTransfer) -> str:
    from flask_babel import format_datetime

    if transfer.status == Status.OFFERED:
        return _("%(number)s waits for %(school)s to accept it.", number=transfer.number, school=transfer.to_school_name)
    if transfer.status == Status.ACCEPTED:
        return _("%(school)s accepted %(number)s (%(name)s, %(time)s): it waits for the education bureau.", school=transfer.to_school_name,
                 number=transfer.number, name=transfer.accepted_by_name, time=format_datetime(transfer.accepted_at, "short"))
    if transfer.status == Status.APPROVED:
        return _("The education bureau approved %(number)s (%(name)s, %(time)s): its items change school as they arrive.",
                 number=transfer.number, name=transfer.approved_by_name, time=format_datetime(transfer.approved_at, "short"))
    if transfer.status == Status.COMPLETED:
        return _("%(number)s is complete: every item arrived.", number=transfer.number)
    return _("%(number)s was closed at %(time)s by %(name)s.", number=transfer.number,
             time=format_datetime(transfer.closed_at, "short") if transfer.closed_at else "", name=transfer.closed_by_name)


# ---------------------------------------------------------------- arrival


def confirm_school_arrival(actor, transfer_id: int, code_or_item_id: str | int, method: ArrivalMethod = ArrivalMethod.TYPED) -> SchoolArrival:
    """The receiving school confirms that one item arrived, by its label's code (or the item's id from the list): the
    item becomes the receiving school's. Confirming it again says who did first and changes nothing. Commits."""
    transfer = _locked(actor, transfer_id)  # the last two arrivals at once: the second counts the first's
    if not may_confirm_arrivals(actor, transfer):
        raise PermissionDeniedError(_("Only %(school)s confirms what arrives.", school=transfer.to_school_name))
    if transfer.status not in (Status.APPROVED, Status.COMPLETED):
        raise ConflictError(state_message(transfer))
    item = _item_of(transfer, code_or_item_id)
    if item.arrived_at is not None:  # complete: every item arrived before
        return _arrival(transfer, item, counted=False)
    now = utcnow()
    new_asset = _book_in(transfer, item, actor, now)
    db.session.execute(update(SchoolTransferItem).where(SchoolTransferItem.id == item.id)
                       .values(arrived_at=now, arrived_by_name=actor.display_name, arrival_method=method, new_asset_id=new_asset.id)
                       .execution_options(synchronize_session=False))
    arrived = db.session.scalar(select(func.count()).select_from(SchoolTransferItem)
                                .where(SchoolTransferItem.transfer_id == transfer.id, SchoolTransferItem.arrived_at.is_not(None)))
    if arrived == len(transfer.items):
        db.session.execute(update(SchoolTransfer).where(SchoolTransfer.id == transfer.id, SchoolTransfer.status == Status.APPROVED)
                           .values(status=Status.COMPLETED, closed_at=now, closed_by_name=actor.display_name)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(transfer)
    db.session.refresh(item)
    return _arrival(transfer, item, counted=True)


def _item_of(transfer: SchoolTransfer, code_or_item_id: str | int) -> SchoolTransferItem:
    if isinstance(code_or_item_id, int):
        item = next((i for i in transfer.items if i.id == code_or_item_id), None)
    else:
        code = code_in(code_or_item_id)
        if code is None:
            raise ValidationError(_("“%(text)s” is not a label's code.", text=str(code_or_item_id)[:40]))
        item = next((i for i in transfer.items if i.tag_code == code), None)
        if item is None:
            raise ValidationError(_("The label %(code)s is not one of %(transfer)s.", code=code, transfer=transfer.number))
    if item is None:
        raise NotFoundError(_("That item is not part of %(transfer)s.", transfer=transfer.number))
    return item


def _book_in(transfer: SchoolTransfer, item: SchoolTransferItem, actor, now: datetime) -> Asset:
    """The item leaves the sender's books and enters the receiver's, with its label, in the caller's transaction."""
    receiver = transfer.to_school_id
    with use_school(transfer.from_school_id):
        old = db.session.get(Asset, item.asset_id)
        category = old.category
        copied = {name: getattr(old, name) for name in ("name", "brand", "model", "serial_number", "condition", "purchase_date",
                                                        "price", "supplier", "invoice_number", "notes", "photo", "quantity")}
        number = old.asset_number
        with stocktakes_following(actor, [old.id], Movement.SCHOOL_TRANSFER, transfer.number, transfer.id):  # off its lists
            before, old.status, old.updated_at = old.status, AssetStatus.TRANSFERRED_OUT, now
            release_holds([old.id], HoldKind.SCHOOL_TRANSFER, transfer.id)
            db.session.add(LedgerEvent(asset_id=old.id, at=now, action=LedgerAction.TRANSFERRED_OUT, actor_id=actor.id,
                                       actor_name=actor.display_name, changes={"status": [before.value, AssetStatus.TRANSFERRED_OUT.value]},
                                       **note_columns(message(N_("%(number)s: now with %(school)s"), number=transfer.number,
                                                              school=transfer.to_school_name))))
            db.session.flush()
    with use_school(receiver):
        taken = db.session.scalar(select(Asset.id).where(Asset.asset_number == number))
        new = Asset(asset_number=number if taken is None else f"{number}-{transfer.number}", category_id=_same_category(category),
                    department_id=transfer.to_department_id, location_id=transfer.to_location_id, custodian_name=transfer.to_custodian,
                    status=AssetStatus.IN_USE, last_confirmed_at=now, created_at=now, updated_at=now, **copied)
        db.session.add(new)
        db.session.flush()
        db.session.add(LedgerEvent(asset_id=new.id, at=now, action=LedgerAction.TRANSFERRED_IN, actor_id=actor.id, actor_name=actor.display_name,
                                   changes={}, **note_columns(message(N_("%(number)s from %(school)s (its number there: %(asset_number)s)"),
                                                                      number=transfer.number, school=transfer.from_school_name,
                                                                      asset_number=number))))
        db.session.flush()
    with use_school(None):  # the label changes school: the one row both walls must let pass
        db.session.execute(update(Tag).where(Tag.asset_id == item.asset_id, Tag.retired_at.is_(None))
                           .values(asset_id=new.id, school_id=receiver, batch_id=None)
                           .execution_options(synchronize_session=False, all_schools=True))
    return new


def _same_category(category: Category | None) -> int | None:
    """The receiving school's category of the same national code (or, without one, the same full name)."""
    if category is None:
        return None
    if category.code:
        found = db.session.scalar(select(Category.id).where(Category.code == category.code).limit(1))
        if found is not None:
            return found
    return db.session.scalar(select(Category.id).where(Category.full_name == category.full_name).limit(1))


def _arrival(transfer: SchoolTransfer, item: SchoolTransferItem, counted: bool) -> SchoolArrival:
    return SchoolArrival(item=item, arrived=sum(1 for i in transfer.items if i.arrived_at is not None), total=len(transfer.items),
                         counted=counted, completed=transfer.status == Status.COMPLETED)


# ---------------------------------------------------------------- reading


def get_school_transfer(actor, transfer_id: int) -> SchoolTransfer:
    transfer = db.session.get(SchoolTransfer, transfer_id)
    if transfer is None or not may_read(actor, transfer):
        raise NotFoundError(_("There is no such transfer."))
    return transfer


def school_transfers_for(actor, page: int = 1, per_page: int = 30) -> Page[SchoolTransfer]:
    """The office: its school's, both ways. The bureau: every one. A keeper: those arriving in their departments.
    Open ones first, newest first."""
    require_signed_in(actor)
    query = select(SchoolTransfer).order_by(case((SchoolTransfer.status.in_([s.value for s in SCHOOL_TRANSFER_OPEN]), 0), else_=1),
                                            SchoolTransfer.offered_at.desc(), SchoolTransfer.id.desc())
    if actor.role == Role.KEEPER:
        kept = [d.id for d in actor.departments] or [-1]
        query = query.where(SchoolTransfer.to_school_id == actor.school_id, SchoolTransfer.to_department_id.in_(kept))
    elif not (actor.is_admin or _bureau(actor)):
        raise PermissionDeniedError(_("Transfers are for the keepers of the departments and the office."))
    return paginate(query, page, per_page)


def school_transfers_waiting(actor, limit: int = 50) -> list[tuple[SchoolTransfer, list[str]]]:
    """Transfers between schools on which this person has something to do now (not a withdrawal), oldest first."""
    if actor is None or not actor.is_authenticated or actor.role not in (Role.ADMIN, Role.KEEPER, Role.DISTRICT):
        return []
    if _bureau(actor):
        query = select(SchoolTransfer).where(SchoolTransfer.status == Status.ACCEPTED)
    elif actor.is_admin:
        query = select(SchoolTransfer).where(SchoolTransfer.to_school_id == actor.school_id,
                                             SchoolTransfer.status.in_([Status.OFFERED.value, Status.APPROVED.value]))
    else:
        kept = [d.id for d in actor.departments] or [-1]
        query = select(SchoolTransfer).where(SchoolTransfer.to_school_id == actor.school_id, SchoolTransfer.status == Status.APPROVED,
                                             SchoolTransfer.to_department_id.in_(kept))
    found = []
    for transfer in db.session.scalars(query.order_by(SchoolTransfer.offered_at, SchoolTransfer.id).limit(limit)):
        steps = [s for s in steps_for(actor, transfer) if s != "cancel"]
        if steps:
            found.append((transfer, steps))
    return found


def _record_for_items(transfer: SchoolTransfer, action: LedgerAction, actor, note) -> None:
    """One line in the sender's history of each item (the caller chose the sender's school)."""
    record_for_items(transfer.items, action, actor, note, school_id=transfer.from_school_id)
