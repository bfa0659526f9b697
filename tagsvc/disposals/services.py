"""Disposal (报废): every step a plain function that checks who may take it, writes the ledger and commits once.

A keeper (for their departments' items) or the office proposes disposing of one or many items, with a reason (not
repairable, linked from the repair that said so; obsolete; lost; stolen; other) and optional photos. Until decided,
the items are held (assets.holds): no transfer or loan takes them. The approval follows the school's rule by book
value: up to DISPOSAL_SECOND_APPROVAL_ABOVE yuan one office approval, above it a second one by another person. On
the last approval each item is disposed of: its status says so (with the date), its label is retired, it leaves the
active lists and counts, and it stays in the register and the ledger. The record (报废单) prints with a number.

Each approval is one conditional UPDATE: of two people approving at the same moment, one counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import and_, func, select, update

from tagsvc.accounts.models import Role
from tagsvc.accounts.permissions import require_admin, require_signed_in
from tagsvc.assets.holds import HoldKind, check_free, release_holds, take_holds
from tagsvc.assets.models import Asset, AssetStatus
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db, lock_document, utcnow
from tagsvc.disposals.models import Disposal, DisposalItem, DisposalPhoto, DisposalReason, DisposalStatus
from tagsvc.ledger.documents import next_document_number
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.loans.services import school_today
from tagsvc.pagination import Page, paginate
from tagsvc.photos.services import store_photos
from tagsvc.repairs.models import DamageReport, ReportStatus
from tagsvc.structure.models import Category
from tagsvc.tags.models import Tag
from tagsvc.stocktake.following import stocktakes_following
from tagsvc.stocktake.models import Movement
from tagsvc.ledger.models import note_columns
from tagsvc.i18n.markers import N_
from tagsvc.i18n.messages import message
from tagsvc.disposals.display import DISPOSAL_REASON_LABELS
from tagsvc.channels import services as channels

DOCUMENT_PREFIX = "BF"  # 报废单
MAX_ITEMS = 500
MAX_PHOTOS = 3


@dataclass(frozen=True)
class Proposal:
    asset_ids: list[int]
    reason_kind: DisposalReason
    reason: str = ""
    repair_report_id: int | None = None
    photos: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class YoungItem:
    """An item used for fewer years than its category's minimum: the form and the record warn about it."""

    asset: Asset
    years_used: int
    min_years: int


# ---------------------------------------------------------------- the school's rules


def second_approval_limit() -> Decimal:
    return Decimal(current_app.config.get("DISPOSAL_SECOND_APPROVAL_ABOVE", 20000))


def approvals_needed(total_value: Decimal) -> int:
    return 2 if total_value > second_approval_limit() else 1


def bureau_limit() -> Decimal:
    return Decimal(current_app.config.get("DISTRICT_DISPOSAL_ABOVE", 200000))


def bureau_needed(total_value: Decimal) -> bool:
    """Above the district's limit the education bureau approves it too, after the office (the rules: 财政 / 国资)."""
    return total_value > bureau_limit()


def min_years_of(category: Category | None) -> int | None:
    """A category's minimum years of use, or its nearest parent's."""
    while category is not None:
        if category.min_years_of_use is not None:
            return category.min_years_of_use
        category = category.parent
    return None


def years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def young_items(assets: list[Asset], today: date | None = None) -> list[YoungItem]:
    today = today or school_today()
    found = []
    for asset in assets:
        minimum = min_years_of(asset.category)
        if minimum is not None and asset.purchase_date is not None and years_between(asset.purchase_date, today) < minimum:
            found.append(YoungItem(asset, years_between(asset.purchase_date, today), minimum))
    return found


# ---------------------------------------------------------------- who may do what


def may_propose(actor, assets: list[Asset]) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    return actor.is_admin or (actor.role == Role.KEEPER and all(actor.keeps(a.department_id) for a in assets))


def may_read(actor, disposal: Disposal) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    if actor.is_admin or disposal.proposed_by_id == actor.id:
        return True
    if actor.role == Role.DISTRICT:
        return disposal.bureau_needed  # the bureau reads what comes to it
    return actor.role == Role.KEEPER and any(actor.keeps(item.asset.department_id) for item in disposal.items)


# ---------------------------------------------------------------- proposing


def propose_disposal(actor, proposal: Proposal) -> Disposal:
    """Propose disposing of these items. Nothing changes in the books until it is approved; meanwhile they are
    held. Commits."""
    require_signed_in(actor)
    asset_ids = list(dict.fromkeys(proposal.asset_ids or []))
    if not asset_ids:
        raise ValidationError(_("Choose at least one item to dispose of."))
    if len(asset_ids) > MAX_ITEMS:
        raise ValidationError(_("One disposal takes at most %(n)d items; split it into several.", n=MAX_ITEMS))
    assets = list(db.session.scalars(select(Asset).where(Asset.id.in_(asset_ids)).order_by(Asset.asset_number)))
    if len(assets) != len(asset_ids):
        raise NotFoundError(_("Some of these items are no longer in the register: reload and choose again."))
    if not may_propose(actor, assets):
        raise PermissionDeniedError(_("Only the keeper of the items' department or the office can propose their disposal."))
    try:
        reason_kind = DisposalReason(proposal.reason_kind)
    except ValueError:
        raise ValidationError(_("Choose why these items are disposed of.")) from None
    reason = (proposal.reason or "").strip()
    if len(reason) > 2000:
        raise ValidationError(_("Please keep the reason under %(n)d characters.", n=2000))
    if reason_kind == DisposalReason.OTHER and not reason:
        raise ValidationError(_("Say why these items are disposed of: the office decides on it."))
    for asset in assets:
        if asset.status == AssetStatus.DISPOSED:
            raise ConflictError(_("%(name)s (%(number)s) was disposed of already.", name=asset.name, number=asset.asset_number))
        if asset.status == AssetStatus.TRANSFERRED_OUT:
            raise ConflictError(_("%(name)s (%(number)s) now belongs to another school.", name=asset.name, number=asset.asset_number))
    check_free([a.id for a in assets])  # on loan, in a transfer, proposed already: named
    repairing = db.session.scalar(select(DamageReport).where(
        DamageReport.asset_id.in_(asset_ids), DamageReport.status.in_((ReportStatus.ACCEPTED, ReportStatus.IN_PROGRESS))).limit(1))
    if repairing is not None:
        raise ConflictError(_("Repair #%(id)d of %(name)s is under way: let the repairer finish it, or mark it not repairable, first.",
                              id=repairing.id, name=repairing.asset.name))
    report = None
    if proposal.repair_report_id is not None:
        report = db.session.get(DamageReport, proposal.repair_report_id)
        if report is None or report.asset_id not in asset_ids:
            raise ValidationError(_("That repair is not about one of these items."))
        if report.status != ReportStatus.NOT_REPAIRABLE:
            raise ValidationError(_("Repair #%(id)d did not find the item beyond repair.", id=report.id))
    stored = store_photos(list(proposal.photos or []), MAX_PHOTOS)
    total = sum((a.price or Decimal("0") for a in assets), Decimal("0"))
    warnings = {young.asset.id: young.min_years for young in young_items(assets)}
    disposal = Disposal(number=next_document_number(DOCUMENT_PREFIX), reason_kind=reason_kind, reason=reason,
                        repair_report_id=report.id if report else None, total_value=total, approvals_needed=approvals_needed(total),
                        bureau_needed=bureau_needed(total), proposed_by_id=actor.id, proposed_by_name=actor.display_name, photos=[DisposalPhoto(name=n) for n in stored])
    disposal.items = [DisposalItem(asset_id=a.id, asset_number=a.asset_number, name=a.name, model=a.model, price=a.price,
                                   purchase_date=a.purchase_date, condition=a.condition,
                                   department_name=a.department.name if a.department else "", min_years=warnings.get(a.id)) for a in assets]
    db.session.add(disposal)
    db.session.flush()
    take_holds([a.id for a in assets], HoldKind.DISPOSAL, disposal.id, disposal.number)
    _record_for_items(disposal, LedgerAction.DISPOSAL_PROPOSED, actor,
                      f"{disposal.number}: {reason}" if reason else [disposal.number, message(DISPOSAL_REASON_LABELS[reason_kind])])
    channels.disposal_waiting(disposal)  # the office's group hears of it
    db.session.commit()
    return disposal


# ---------------------------------------------------------------- deciding


def approve_disposal(actor, disposal_id: int) -> Disposal:
    """One office approval, or the education bureau's. The last one the rules ask for disposes of the items. Commits."""
    if actor is not None and actor.is_authenticated and actor.role == Role.DISTRICT:
        return _bureau_approves(actor, disposal_id)
    require_admin(actor)
    disposal = _disposal_for_decision(actor, disposal_id)
    if disposal.waiting_for_bureau:
        raise ConflictError(_("The office has approved %(number)s: it now waits for the education bureau.", number=disposal.number))
    if disposal.proposed_by_id == actor.id and not current_app.config.get("DISPOSAL_SELF_APPROVAL"):
        raise PermissionDeniedError(_("You proposed %(number)s: another member of the office approves it (four eyes).", number=disposal.number))
    now = utcnow()
    if disposal.first_approved_at is None:
        taken = db.session.execute(
            update(Disposal).where(Disposal.id == disposal.id, Disposal.status == DisposalStatus.PROPOSED, Disposal.first_approved_at.is_(None))
            .values(first_approved_at=now, first_approved_by_id=actor.id, first_approved_by_name=actor.display_name)
            .execution_options(synchronize_session=False)).rowcount
    else:
        if disposal.first_approved_by_id == actor.id:
            raise ConflictError(_("You approved %(number)s already: its book value (%(value)s yuan) needs a second approver from the office.",
                                  number=disposal.number, value=f"{disposal.total_value:,.2f}"))
        taken = db.session.execute(
            update(Disposal).where(Disposal.id == disposal.id, Disposal.status == DisposalStatus.PROPOSED, Disposal.second_approved_at.is_(None))
            .values(second_approved_at=now, second_approved_by_name=actor.display_name)
            .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(disposal)
    if not taken:
        db.session.rollback()
        raise ConflictError(_state_message(disposal) if disposal.status != DisposalStatus.PROPOSED else
                            _("%(name)s has just approved %(number)s: reload and look again.",
                              name=disposal.second_approved_by_name or disposal.first_approved_by_name, number=disposal.number))
    if disposal.approvals_given < disposal.approvals_needed:
        _record_for_items(disposal, LedgerAction.DISPOSAL_APPROVED, actor, disposal.number)
    elif disposal.bureau_needed:
        _record_for_items(disposal, LedgerAction.DISPOSAL_APPROVED, actor,
                          [disposal.number, message(N_("approved by the office; waits for the education bureau"))])
    else:
        _dispose(disposal, actor, now)
    db.session.commit()
    return disposal


def _bureau_approves(actor, disposal_id: int) -> Disposal:
    """The education bureau approves a disposal the office has approved: its items are disposed of."""
    disposal = _disposal_for_decision(actor, disposal_id)
    if not disposal.waiting_for_bureau:
        raise ConflictError(_("%(number)s is not waiting for the education bureau: the office decides on it first.", number=disposal.number))
    now = utcnow()
    db.session.execute(update(Disposal).where(Disposal.id == disposal.id).values(bureau_approved_at=now, bureau_approved_by_name=actor.display_name)
                       .execution_options(synchronize_session=False))
    db.session.refresh(disposal)
    _dispose(disposal, actor, now)
    db.session.commit()
    return disposal


def _dispose(disposal: Disposal, actor, now) -> None:
    """The items leave service: status disposed (with the day), current labels retired, holds released."""
    disposal.status, disposal.closed_at, disposal.closed_by_name = DisposalStatus.APPROVED, now, actor.display_name
    today = school_today()
    asset_ids = [item.asset_id for item in disposal.items]
    with stocktakes_following(actor, asset_ids, Movement.DISPOSAL, disposal.number, disposal.id):  # off an open stocktake's list
        for asset in db.session.scalars(select(Asset).where(Asset.id.in_(asset_ids))):
            db.session.add(LedgerEvent(asset_id=asset.id, action=LedgerAction.DISPOSED, actor_id=actor.id, actor_name=actor.display_name,
                                       changes={"status": [asset.status.value, AssetStatus.DISPOSED.value]}, note=disposal.number))
            asset.status, asset.disposed_on, asset.updated_at = AssetStatus.DISPOSED, today, now
        db.session.execute(update(Tag).where(Tag.asset_id.in_(asset_ids), Tag.retired_at.is_(None)).values(retired_at=now)
                           .execution_options(synchronize_session=False))
        release_holds(asset_ids, HoldKind.DISPOSAL, disposal.id)


def reject_disposal(actor, disposal_id: int, reason: str) -> Disposal:
    """The office says no, or the education bureau does once the office has approved it. Commits."""
    if actor is not None and actor.is_authenticated and actor.role == Role.DISTRICT:
        disposal = get_disposal(actor, disposal_id)
        if disposal.status == DisposalStatus.PROPOSED and not disposal.waiting_for_bureau:
            raise ConflictError(_("%(number)s is not waiting for the education bureau: the office decides on it first.", number=disposal.number))
    else:
        require_admin(actor)
    return _close(actor, disposal_id, DisposalStatus.REJECTED, LedgerAction.DISPOSAL_REJECTED, _required_reason(reason))


def cancel_disposal(actor, disposal_id: int, reason: str = "") -> Disposal:
    """Whoever proposed it, or the office, withdraws it before it is decided. Commits."""
    require_signed_in(actor)
    disposal = get_disposal(actor, disposal_id)
    if not (actor.is_admin or disposal.proposed_by_id == actor.id):
        raise PermissionDeniedError(_("Only whoever proposed it or the office can cancel this disposal."))
    return _close(actor, disposal_id, DisposalStatus.CANCELLED, LedgerAction.DISPOSAL_CANCELLED, (reason or "").strip(), cancelling=True)


def _close(actor, disposal_id: int, status: DisposalStatus, action: LedgerAction, reason: str, cancelling: bool = False) -> Disposal:
    disposal = _disposal_for_decision(actor, disposal_id)
    if cancelling and disposal.first_approved_at is not None:
        raise ConflictError(_("%(name)s of the office approved %(number)s at %(time)s: it can no longer be withdrawn, only rejected by the office.",
                              name=disposal.first_approved_by_name, number=disposal.number, time=format_datetime(disposal.first_approved_at, "short")))
    taken = db.session.execute(
        update(Disposal).where(Disposal.id == disposal.id, Disposal.status == DisposalStatus.PROPOSED)
        .values(status=status, closed_at=utcnow(), closed_by_name=actor.display_name, close_reason=reason)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(disposal)
    if not taken:
        db.session.rollback()
        raise ConflictError(_state_message(disposal))
    release_holds([item.asset_id for item in disposal.items], HoldKind.DISPOSAL, disposal.id)
    _record_for_items(disposal, action, actor, f"{disposal.number}: {reason}" if reason else disposal.number)
    db.session.commit()
    return disposal


def _disposal_for_decision(actor, disposal_id: int) -> Disposal:
    """The disposal, read under a lock on it (see lock_document), still waiting for a decision."""
    get_disposal(actor, disposal_id)  # refuses an unknown or unreadable one before anything waits on a lock
    lock_document(Disposal, disposal_id)
    disposal = get_disposal(actor, disposal_id)
    if disposal.status != DisposalStatus.PROPOSED:
        raise ConflictError(_state_message(disposal))
    return disposal


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why: whoever proposed it reads it."))
    return reason


def _state_message(disposal: Disposal) -> str:
    if disposal.status == DisposalStatus.APPROVED:
        return _("%(number)s was approved by %(name)s at %(time)s: its items are disposed of.", number=disposal.number,
                 name=disposal.closed_by_name, time=format_datetime(disposal.closed_at, "short"))
    return _("%(number)s was closed at %(time)s by %(name)s.", number=disposal.number,
             time=format_datetime(disposal.closed_at, "short") if disposal.closed_at else "", name=disposal.closed_by_name)


def _record_for_items(disposal: Disposal, action: LedgerAction, actor, note: str | list) -> None:
    now = utcnow()
    db.session.execute(LedgerEvent.__table__.insert(), [
        {"asset_id": item.asset_id, "at": now, "actor_id": actor.id, "actor_name": actor.display_name, "action": action.value,
         "changes": {}, **note_columns(note)} for item in disposal.items])


# ---------------------------------------------------------------- reading


def get_disposal(actor, disposal_id: int) -> Disposal:
    disposal = db.session.get(Disposal, disposal_id)
    if disposal is None or not may_read(actor, disposal):
        raise NotFoundError(_("There is no such disposal."))
    return disposal


def disposals_for(actor, page: int = 1, per_page: int = 30) -> Page[Disposal]:
    """The office: all; a keeper: those they proposed or that hold their departments' items. Waiting ones first."""
    require_signed_in(actor)
    query = select(Disposal).order_by(Disposal.status != DisposalStatus.PROPOSED, Disposal.proposed_at.desc(), Disposal.id.desc())
    if actor.role == Role.DISTRICT:
        query = query.where(Disposal.bureau_needed.is_(True))
    elif not actor.is_admin:
        if actor.role != Role.KEEPER:
            raise PermissionDeniedError(_("Disposals are for the keepers of the departments and the office."))
        kept = [d.id for d in actor.departments] or [-1]
        theirs = select(DisposalItem.disposal_id).join(Asset, Asset.id == DisposalItem.asset_id).where(Asset.department_id.in_(kept))
        query = query.where((Disposal.proposed_by_id == actor.id) | Disposal.id.in_(theirs))
    return paginate(query, page, per_page)


def may_approve_now(actor, disposal: Disposal) -> bool:
    """The office, once each: a disposal that needs two approvals needs two people. Then the bureau, when it must."""
    if actor.role == Role.DISTRICT:
        return disposal.waiting_for_bureau
    return (actor.is_admin and disposal.status == DisposalStatus.PROPOSED and not disposal.waiting_for_bureau
            and (disposal.first_approved_at is None or disposal.first_approved_by_id != actor.id)
            and (disposal.proposed_by_id != actor.id or bool(current_app.config.get("DISPOSAL_SELF_APPROVAL"))))


def waiting_for_approval(actor, limit: int = 50) -> list[Disposal]:
    if actor is not None and actor.is_authenticated and actor.role == Role.DISTRICT:
        return list(db.session.scalars(select(Disposal).where(*waiting_for_bureau_clause()).order_by(Disposal.proposed_at, Disposal.id).limit(limit)))
    if actor is None or not actor.is_authenticated or not actor.is_admin:
        return []
    query = (select(Disposal).where(Disposal.status == DisposalStatus.PROPOSED, ~and_(*office_done()),
                                    (Disposal.first_approved_by_id.is_(None)) | (Disposal.first_approved_by_id != actor.id))
             .order_by(Disposal.proposed_at, Disposal.id).limit(limit))
    if not current_app.config.get("DISPOSAL_SELF_APPROVAL"):
        query = query.where(Disposal.proposed_by_id != actor.id)  # four eyes: not waiting for its own proposer
    return list(db.session.scalars(query))


def office_done():
    """The office has given the approvals it must (as SQL)."""
    return (Disposal.bureau_needed.is_(True),
            ((Disposal.approvals_needed == 1) & Disposal.first_approved_at.is_not(None)) | Disposal.second_approved_at.is_not(None))


def waiting_for_bureau_clause():
    return (Disposal.status == DisposalStatus.PROPOSED, Disposal.bureau_approved_at.is_(None), *office_done())


@dataclass(frozen=True)
class WriteOff:
    items: int
    value: Decimal


def written_off(year: int | None = None) -> WriteOff:
    """The book value written off by approved disposals (in one year, by the day of disposal), for the reports."""
    query = select(func.count(Asset.id), func.coalesce(func.sum(Asset.price), 0)).where(Asset.status == AssetStatus.DISPOSED)
    if year is not None:
        query = query.where(Asset.disposed_on >= date(year, 1, 1), Asset.disposed_on <= date(year, 12, 31))
    count, value = db.session.execute(query).one()
    return WriteOff(count, Decimal(value).quantize(Decimal("0.01")))
