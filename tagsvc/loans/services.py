"""Handing out (领用) and loans (借用): every step a plain function that checks who may take it, writes the ledger
and commits once.

A handout is one document for one recipient. The office or a department's keeper starts it by choosing the
recipient, then adds items one after another (a scan loop: a class set of 40 basketballs in a minute):
- an **issue** (领用) hands each item over for dedicated use at once: its custodian (and, for a room, its place)
  change in the books; nothing comes back;
- a **loan** (借用) lends each item until the due date: the item is held (assets.holds: no transfer, second loan or
  disposal can take it), its status is "on loan", and everyone who scans it reads until when. Returning is a scan
  too, with the condition on return; damage on return opens a damage report naming the loan, whose borrower the
  office then finds pre-filled as the likely liable party.

A return is one conditional UPDATE (… WHERE not returned yet): of two people returning the same item at the same
moment, one counts and the other is told who was first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _, to_user_timezone
from sqlalchemy import func, select, update

from tagsvc.accounts.models import Role, User
from tagsvc.accounts.permissions import require_signed_in
from tagsvc.assets.holds import HoldKind, check_free, release_holds, take_holds
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.assets.states import contradiction
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db, lock_document, utcnow
from tagsvc.ledger.documents import next_document_number
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.loans.models import Handout, HandoutItem, HandoutKind, RecipientKind
from tagsvc.mail import send_mail
from tagsvc.photos.services import delete_photo, store_photo
from tagsvc.pagination import Page, paginate
from tagsvc.structure.models import Department, Location
from tagsvc.tags.services import asset_id_read
from tagsvc.stocktake.following import stocktakes_following
from tagsvc.stocktake.models import Movement
from tagsvc.ledger.models import note_columns
from tagsvc.i18n.messages import message
from tagsvc.i18n.markers import N_

DOCUMENT_PREFIXES = {HandoutKind.LOAN: "JY", HandoutKind.ISSUE: "LY"}  # 借用单, 领用单
MAX_LOAN_DAYS = 366
# An item scanned again at the returns desk within this time was taken back already (who, when); later it is simply
# not on loan.
RETURN_ANSWERED_FOR = timedelta(hours=12)
# Only an item in service can be handed out: the message says why another cannot.
HANDABLE_STATUSES = (AssetStatus.IN_USE, AssetStatus.IDLE)
RECIPIENTS_BY_KIND = {
    HandoutKind.LOAN: (RecipientKind.STAFF, RecipientKind.STUDENT, RecipientKind.DEPARTMENT),
    HandoutKind.ISSUE: (RecipientKind.STAFF, RecipientKind.STUDENT, RecipientKind.ROOM),
}


def school_today() -> date:
    """Today where the school is (a loan due "today" is not overdue before midnight there)."""
    return to_user_timezone(utcnow()).date()


@dataclass(frozen=True)
class Recipient:
    kind: RecipientKind
    name: str = ""  # a person's name (a department's or room's comes from the register)
    class_name: str = ""  # a student's class
    contact: str = ""
    user_id: int | None = None  # a staff member with an account
    department_id: int | None = None  # the department borrowing, or a student's class when it is in the register
    location_id: int | None = None  # the room, for an issue
    due_on: date | None = None  # loans only
    note: str = ""


@dataclass
class HandedOut:
    """The answer to one item added: the item, how many the handout holds, and whether it was there already."""

    item: HandoutItem
    count: int
    added: bool = True


@dataclass
class Returned:
    item: HandoutItem
    counted: bool = True  # False: it had been returned before (see item.returned_by_name, item.returned_at)
    report_id: int | None = None  # the damage report opened on return
    report_refusal: str = ""  # why no report could be opened (one is open already, …)
    outstanding: int = 0  # items of the loan not back yet


# ---------------------------------------------------------------- who may do what


def may_hand_out(actor) -> bool:
    return actor is not None and actor.is_authenticated and (actor.is_admin or (actor.role == Role.KEEPER and bool(actor.departments)))


def may_hand_out_asset(actor, asset: Asset) -> bool:
    return actor.is_admin or (actor.role == Role.KEEPER and actor.keeps(asset.department_id))


def may_read(actor, handout: Handout) -> bool:
    """The office, whoever started it, and the keepers of the departments whose items it holds."""
    if actor is None or not actor.is_authenticated:
        return False
    if actor.is_admin or handout.created_by_id == actor.id:
        return True
    return actor.role == Role.KEEPER and any(actor.keeps(item.asset.department_id) for item in handout.items)


# ---------------------------------------------------------------- starting


def start_handout(actor, kind: HandoutKind, recipient: Recipient) -> Handout:
    """A new issue or loan for one recipient, empty: items are added one by one (hand_out). Commits."""
    require_signed_in(actor)
    if not may_hand_out(actor):
        raise PermissionDeniedError(_("Only the office and the departments' keepers hand items out."))
    kind = HandoutKind(kind)
    if recipient.kind not in RECIPIENTS_BY_KIND[kind]:
        raise ValidationError(_("A loan goes to a person or a department; an item for dedicated use to a person or a room."))
    name, class_name = (recipient.name or "").strip(), (recipient.class_name or "").strip()
    contact, note = (recipient.contact or "").strip(), (recipient.note or "").strip()
    if any(len(value) > 100 for value in (name, class_name, contact)):
        raise ValidationError(_("Name, class and contact may have at most 100 characters each."))
    department = db.session.get(Department, recipient.department_id) if recipient.department_id else None
    if recipient.department_id and department is None:
        raise ValidationError(_("That department does not exist (any more)."))
    location = None
    user = None
    if recipient.kind == RecipientKind.STAFF:
        if recipient.user_id:
            user = db.session.get(User, recipient.user_id)
            if user is None or not user.active:
                raise ValidationError(_("That account does not exist or is switched off."))
            name = name or user.display_name
        if not name:
            raise ValidationError(_("Say who receives the items."))
    elif recipient.kind == RecipientKind.STUDENT:
        class_name = class_name or (department.name if department else "")
        if not name or not class_name:
            raise ValidationError(_("A student is named with their class: give both."))
    elif recipient.kind == RecipientKind.DEPARTMENT:
        if department is None:
            raise ValidationError(_("Choose the department that borrows the items."))
        name = department.name
    elif recipient.kind == RecipientKind.ROOM:
        location = db.session.get(Location, recipient.location_id) if recipient.location_id else None
        if location is None:
            raise ValidationError(_("Choose the room the items are for."))
        name = location.full_name[:100]
    due_on = recipient.due_on
    if kind == HandoutKind.LOAN:
        today = school_today()
        if due_on is None:
            raise ValidationError(_("Say when the items are due back."))
        if due_on < today:
            raise ValidationError(_("The due date has passed already: choose a day from today on."))
        if due_on > today + timedelta(days=MAX_LOAN_DAYS):
            raise ValidationError(_("A loan lasts a year at most; for longer, hand the item over for dedicated use."))
    else:
        due_on = None
    handout = Handout(number=next_document_number(DOCUMENT_PREFIXES[kind]), kind=kind, recipient_kind=recipient.kind,
                      recipient_name=name, recipient_class=class_name, recipient_contact=contact,
                      recipient_user_id=user.id if user else None, recipient_department_id=department.id if department else None,
                      location_id=location.id if location else None, due_on=due_on, note=note[:2000],
                      created_by_id=actor.id, created_by_name=actor.display_name)
    db.session.add(handout)
    db.session.commit()
    return handout


# ---------------------------------------------------------------- handing items out


def hand_out(actor, handout_id: int, code_or_asset_id: str | int) -> HandedOut:
    """Add one item (by its label's code, as scanned or typed, or its asset id) to an open handout. A loan lends it
    until the due date; an issue hands it over now. The same item again answers that it is there already. Commits."""
    require_signed_in(actor)
    handout = get_handout(actor, handout_id)
    if handout.closed_at is not None:
        raise ConflictError(_("%(number)s is closed: start a new one.", number=handout.number))
    asset = asset_of(code_or_asset_id)
    present = next((item for item in handout.items if item.asset_id == asset.id), None)
    if present is not None:
        return HandedOut(item=present, count=len(handout.items), added=False)
    if not may_hand_out_asset(actor, asset):
        raise PermissionDeniedError(_("%(name)s (%(number)s) belongs to %(department)s: only its keeper or the office can hand it out.",
                                      name=asset.name, number=asset.asset_number, department=asset.department.name if asset.department else "—"))
    check_free([asset.id])  # in a transfer, on loan, proposed for disposal: named
    refuse_unless_in_service(asset, handout.is_loan)
    # An open stocktake counts it as accounted for: nobody will find it in its room.
    with stocktakes_following(actor, [asset.id], Movement.LOAN if handout.is_loan else Movement.HANDOVER, handout.number, handout.id):
        item = HandoutItem(asset_id=asset.id, asset_number=asset.asset_number, name=asset.name, price=asset.price,
                           status_before=asset.status, handed_by_name=actor.display_name)
        if handout.is_loan:
            take_holds([asset.id], HoldKind.LOAN, handout.id, handout.number, due_on=handout.due_on)
            changes = {"status": [asset.status.value, AssetStatus.ON_LOAN.value]}
            asset.status = AssetStatus.ON_LOAN
            note = message(N_("%(number)s: %(recipient)s, due back on %(date)s"), number=handout.number, recipient=handout.recipient,
                           date=handout.due_on.isoformat())
            action = LedgerAction.LENT
        else:
            changes = _issue_to(handout, asset)
            note = message(N_("%(number)s: for the use of %(recipient)s"), number=handout.number, recipient=handout.recipient)
            action = LedgerAction.ISSUED
        handout.items.append(item)
        asset.updated_at = utcnow()
        db.session.add(LedgerEvent(asset_id=asset.id, action=action, actor_id=actor.id, actor_name=actor.display_name,
                                   changes=changes, **note_columns(note)))
    db.session.commit()
    return HandedOut(item=item, count=len(handout.items))


def refuse_unless_in_service(asset: Asset, lending: bool) -> None:
    """Only an item in use or idle can be handed out: under repair, damaged, on loan, lost or disposed of it cannot."""
    if asset.status in HANDABLE_STATUSES:
        return
    from tagsvc.assets.display import STATUS_LABELS

    status = _(STATUS_LABELS[asset.status]).lower()
    if lending:
        raise ConflictError(_("%(name)s (%(number)s) is %(status)s: it cannot be lent now.", name=asset.name, number=asset.asset_number, status=status))
    raise ConflictError(_("%(name)s (%(number)s) is %(status)s: it cannot be handed out now.", name=asset.name, number=asset.asset_number, status=status))


def _issue_to(handout: Handout, asset: Asset) -> dict:
    """Hand over for dedicated use: the custodian becomes the recipient (a room: its place too)."""
    changes = {}
    custodian = handout.recipient if handout.recipient_kind != RecipientKind.ROOM else ""
    if custodian and custodian != asset.custodian_name:
        changes["custodian_name"] = [asset.custodian_name or None, custodian]
        asset.custodian_name, asset.custodian_phone = custodian, handout.recipient_contact[:40]
    if handout.location_id is not None and handout.location_id != asset.location_id:
        changes["location_id"] = [asset.location.full_name if asset.location else None, handout.location.full_name]
        asset.location = handout.location
    if asset.status == AssetStatus.IDLE:
        changes["status"] = [AssetStatus.IDLE.value, AssetStatus.IN_USE.value]
        asset.status = AssetStatus.IN_USE
    return changes


def close_handout(actor, handout_id: int) -> Handout:
    """Finish an issue (or an empty loan): nothing more is added. A loan with items closes by itself when every item
    is back. Commits."""
    require_signed_in(actor)
    handout = get_handout(actor, handout_id)
    if handout.closed_at is not None:
        raise ConflictError(_("%(number)s is closed already.", number=handout.number))
    if handout.is_loan and any(item.returned_at is None for item in handout.items):
        raise ConflictError(_("%(number)s still has items out: it closes when they are all back.", number=handout.number))
    handout.closed_at = utcnow()
    db.session.commit()
    return handout


def sign_handout(actor, handout_id: int, picture: bytes, signer: str) -> Handout:
    """The recipient signs for what they received, on the phone of whoever hands it out: the drawn signature is
    kept (re-encoded, as every uploaded picture) with the name signed under and the time. Once signed, it stays. Commits."""
    require_signed_in(actor)
    handout = get_handout(actor, handout_id)
    if not handout.items:
        raise ValidationError(_("Nothing to sign for yet: add the items first."))
    if handout.signed_at is not None:
        raise ConflictError(_("%(name)s signed for %(number)s at %(time)s already.", name=handout.signed_name, number=handout.number,
                              time=handout.signed_at.strftime("%Y-%m-%d %H:%M")))
    signer = (signer or "").strip()
    if not signer or len(signer) > 100:
        raise ValidationError(_("Write the name of whoever signs (at most 100 characters)."))
    if not picture:
        raise ValidationError(_("Sign in the box first."))
    name = store_photo(picture)
    taken = db.session.execute(update(Handout).where(Handout.id == handout.id, Handout.signed_at.is_(None))
                               .values(signature=name, signed_at=utcnow(), signed_name=signer)
                               .execution_options(synchronize_session=False)).rowcount
    if not taken:  # someone signed at the same moment on another phone: theirs stands
        db.session.rollback()
        delete_photo(name)
        db.session.refresh(handout)
        raise ConflictError(_("%(name)s signed for %(number)s at %(time)s already.", name=handout.signed_name, number=handout.number,
                              time=handout.signed_at.strftime("%Y-%m-%d %H:%M")))
    db.session.commit()
    db.session.refresh(handout)
    return handout


# ---------------------------------------------------------------- returning


def return_item(actor, code_or_asset_id: str | int, condition: AssetCondition, note: str = "", damage: str = "") -> Returned:
    """An item is back from its loan, in this condition. `damage`: what is wrong with it, which opens a damage report
    naming the loan (its borrower is the likely liable party). Returning it again answers who took it back first and
    changes nothing. Commits."""
    require_signed_in(actor)
    asset = asset_of(code_or_asset_id)
    condition = AssetCondition(condition)
    note, damage = (note or "").strip()[:2000], (damage or "").strip()
    if len(damage) > 2000:
        raise ValidationError(_("Please keep the description under %(n)d characters.", n=2000))
    item = db.session.scalar(select(HandoutItem).join(Handout).where(
        HandoutItem.asset_id == asset.id, Handout.kind == HandoutKind.LOAN).order_by(HandoutItem.returned_at.is_not(None), HandoutItem.id.desc()).limit(1))
    if item is None:
        raise ConflictError(_("%(name)s (%(number)s) is not on loan.", name=asset.name, number=asset.asset_number))
    handout = item.handout
    if not (actor.is_admin or handout.created_by_id == actor.id or (actor.role == Role.KEEPER and actor.keeps(asset.department_id))):
        raise PermissionDeniedError(_("Only the keeper of %(department)s or the office can take this item back.",
                                      department=asset.department.name if asset.department else "—"))
    # The last two items back at the same moment: each counts what is still out under a lock on the loan, so that the
    # second sees the first's return and the loan closes.
    lock_document(Handout, handout.id)
    item, asset = db.session.get(HandoutItem, item.id), db.session.get(Asset, asset.id)
    handout = item.handout
    if item.returned_at is not None:
        if utcnow() - item.returned_at > RETURN_ANSWERED_FOR:  # not a second scan of the same return: it is just not out
            raise ConflictError(_("%(name)s (%(number)s) is not on loan.", name=asset.name, number=asset.asset_number))
        return Returned(item=item, counted=False, outstanding=_outstanding(handout))
    if condition == AssetCondition.BROKEN and not damage:
        raise ValidationError(_("It came back broken: say what is wrong, and a damage report is opened."))
    now = utcnow()
    counted = db.session.execute(
        update(HandoutItem).where(HandoutItem.id == item.id, HandoutItem.returned_at.is_(None))
        .values(returned_at=now, returned_by_name=actor.display_name, return_condition=condition, return_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.refresh(item)
    if not counted:
        db.session.rollback()
        return Returned(item=item, counted=False, outstanding=_outstanding(handout))
    status = item.status_before if item.status_before in HANDABLE_STATUSES else AssetStatus.IN_USE
    if contradiction(status, condition):  # back broken: out of service until the office has looked at it
        status = AssetStatus.DAMAGED
    changes = {}
    if asset.status != status:
        changes["status"] = [asset.status.value, status.value]
    if asset.condition != condition:
        changes["condition"] = [asset.condition.value, condition.value]
    asset.status, asset.condition, asset.updated_at = status, condition, now
    release_holds([asset.id], HoldKind.LOAN, handout.id)
    db.session.add(LedgerEvent(asset_id=asset.id, action=LedgerAction.RETURNED, actor_id=actor.id, actor_name=actor.display_name,
                               changes=changes, note=f"{handout.number}: {handout.recipient}" + (f" · {note}" if note else "")))
    outstanding = db.session.scalar(select(func.count()).select_from(HandoutItem)
                                    .where(HandoutItem.handout_id == handout.id, HandoutItem.returned_at.is_(None)))
    if outstanding == 0:
        handout.closed_at = now
    db.session.commit()
    returned = Returned(item=item, outstanding=outstanding)
    if damage:
        returned.report_id, returned.report_refusal = _report_damage_on_return(actor, asset, handout, item, damage)
    return returned


def _report_damage_on_return(actor, asset: Asset, handout: Handout, item: HandoutItem, damage: str) -> tuple[int | None, str]:
    """A damage report naming the loan, after the return is saved (the return stands whatever happens here)."""
    from tagsvc.repairs.models import DamageKind
    from tagsvc.repairs.services import Reporter, submit_report

    if asset.current_tag is None:
        return None, _("The item has no label, so no damage report could be opened: report it from the register.")
    # Anyone who scans the label reads the description: it names the loan, never the borrower (often a student). The
    # office finds the borrower through the report's loan, on the report's page and its liability form.
    # The description is the damage as typed; the report's pages put "damaged on return from loan JY-…" before it, in
    # the reader's language (DamageReport.description_words).
    description = damage[:2000]
    try:
        report = submit_report(actor, asset.current_tag.code, DamageKind.BROKEN, description, Reporter(), handout_id=handout.id)
    except (ConflictError, ValidationError) as error:
        db.session.rollback()
        return None, error.message
    db.session.execute(update(HandoutItem).where(HandoutItem.id == item.id).values(damage_report_id=report.id))
    db.session.commit()
    return report.id, ""


def likely_liable_party(handout_id: int):
    """Who most likely answers for damage found on return: the borrower, as the loan names them (the office decides)."""
    from tagsvc.repairs.liability import LiabilityData
    from tagsvc.repairs.models import LiablePartyKind

    handout = db.session.get(Handout, handout_id)
    note = _("Borrowed on %(number)s by %(recipient)s", number=handout.number, recipient=handout.recipient)
    if handout.recipient_kind == RecipientKind.STUDENT:
        return LiabilityData(LiablePartyKind.STUDENT, handout.recipient_department_id, person_name=handout.recipient_name, note=note)
    if handout.recipient_kind == RecipientKind.DEPARTMENT:
        return LiabilityData(LiablePartyKind.DEPARTMENT, handout.recipient_department_id, note=note)
    # A member of staff: their department answers, named in the note.
    return LiabilityData(LiablePartyKind.DEPARTMENT, handout.recipient_department_id, person_name=handout.recipient_name, note=note)


def _outstanding(handout: Handout) -> int:
    return sum(1 for item in handout.items if item.returned_at is None)


# ---------------------------------------------------------------- reading


def asset_of(code_or_asset_id: str | int) -> Asset:
    """The asset behind a scanned or typed label (its code or whole address), or an asset id from a list."""
    asset = db.session.get(Asset, asset_id_read(code_or_asset_id))
    if asset is None:
        raise NotFoundError(_("That item is no longer in the register."))
    return asset


def get_handout(actor, handout_id: int) -> Handout:
    handout = db.session.get(Handout, handout_id)
    if handout is None or not may_read(actor, handout):
        raise NotFoundError(_("There is no such loan or handover."))
    return handout


def handouts_for(actor, page: int = 1, per_page: int = 30) -> Page[Handout]:
    """The office sees all; a keeper those they started or that hold their departments' items. Open ones first."""
    require_signed_in(actor)
    if not may_hand_out(actor):
        raise PermissionDeniedError(_("Loans and handovers are for the keepers of the departments and the office."))
    query = select(Handout).order_by(Handout.closed_at.is_not(None), Handout.created_at.desc(), Handout.id.desc())
    if not actor.is_admin:
        kept = [d.id for d in actor.departments] or [-1]
        theirs = select(HandoutItem.handout_id).join(Asset, Asset.id == HandoutItem.asset_id).where(Asset.department_id.in_(kept))
        query = query.where((Handout.created_by_id == actor.id) | Handout.id.in_(theirs))
    return paginate(query, page, per_page)


def overdue_query(actor, today: date):
    """Items on loan past their due date that this person answers for: the office all; a keeper those of their
    departments and those they lent."""
    query = (select(HandoutItem).join(Handout).join(Asset, Asset.id == HandoutItem.asset_id)
             .where(Handout.kind == HandoutKind.LOAN, HandoutItem.returned_at.is_(None), Handout.due_on < today))
    if not actor.is_admin:
        kept = [d.id for d in actor.departments] or [-1]
        query = query.where(Asset.department_id.in_(kept) | (Handout.created_by_id == actor.id))
    return query


def overdue_items(actor, limit: int = 200) -> list[HandoutItem]:
    if actor is None or not actor.is_authenticated or not may_hand_out(actor):
        return []
    return list(db.session.scalars(overdue_query(actor, school_today()).order_by(Handout.due_on, HandoutItem.id).limit(limit)))


def open_loan_of(asset_id: int) -> HandoutItem | None:
    """The loan an item is out on now: for the staff's part of its page (who has it)."""
    return db.session.scalar(select(HandoutItem).join(Handout).where(
        HandoutItem.asset_id == asset_id, Handout.kind == HandoutKind.LOAN, HandoutItem.returned_at.is_(None)))


def is_overdue(handout: Handout) -> bool:
    return handout.is_loan and handout.due_on is not None and handout.closed_at is None and handout.due_on < school_today()


# ---------------------------------------------------------------- reminders


def send_overdue_reminders() -> int:
    """Email about each overdue item not reminded of today: to the borrower (a staff account with an address) and to
    whoever lent it. Run once a day (`tagsvc loans remind`). Returns how many items were reminded of; nothing is
    marked when mail is not set up."""
    if not current_app.config.get("SMTP_HOST"):
        return 0
    today = school_today()
    items = list(db.session.scalars(
        select(HandoutItem).join(Handout).where(Handout.kind == HandoutKind.LOAN, HandoutItem.returned_at.is_(None),
                                                Handout.due_on < today, (HandoutItem.reminded_on.is_(None)) | (HandoutItem.reminded_on < today))
        .order_by(Handout.id, HandoutItem.id)))
    by_handout: dict[int, list[HandoutItem]] = {}
    for item in items:
        by_handout.setdefault(item.handout_id, []).append(item)
    for handout_items in by_handout.values():
        handout = handout_items[0].handout
        recipients = []
        for user_id in (handout.recipient_user_id, handout.created_by_id):
            user = db.session.get(User, user_id) if user_id else None
            if user is not None and user.active and user.email:
                recipients.append(user.email)
        lines = "\n".join(f"- {item.asset_number} {item.name}" for item in handout_items)
        body = _("%(recipient)s borrowed these items on loan %(number)s, due back on %(date)s:\n%(lines)s\n\nPlease return them to %(lender)s.",
                 recipient=handout.recipient, number=handout.number, date=handout.due_on.isoformat(), lines=lines, lender=handout.created_by_name)
        send_mail(list(dict.fromkeys(recipients)), _("Overdue: %(number)s, due back on %(date)s", number=handout.number,
                                                     date=handout.due_on.isoformat()), body)
        for item in handout_items:
            item.reminded_on = today
    db.session.commit()
    return len(items)
