"""Stocktakes (盘点): open with a snapshot of what the books expect, confirm what is found, close and reconcile.

Counting exactly once is the point. Each confirmation carries an id made where it was made (the phone, or the
server for a tapped button); an id already received answers as it did the first time and counts nothing again.
Of two confirmations of one item only the first counts: a conditional UPDATE (WHERE confirmed_at IS NULL) decides,
which the database serialises for concurrent writers on PostgreSQL as on SQLite.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from tagsvc.i18n.markers import N_
from tagsvc.i18n.messages import message
from sqlalchemy import and_, bindparam, case, exists, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from tagsvc.accounts.models import Role, User
from tagsvc.accounts.permissions import require_admin, require_signed_in
from tagsvc.assets.models import OFF_THE_BOOKS, Asset, AssetCondition
from tagsvc.assets.states import contradiction
from tagsvc.errors import ConflictError, InFlightError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db, lock_document, utcnow
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.ledger.services import _record_event
from tagsvc.stocktake.models import (
    ConfirmMethod,
    FindingKind,
    ScanOutcome,
    Stocktake,
    StocktakeDevice,
    StocktakeFinding,
    StocktakeItem,
    StocktakeParticipant,
    StocktakeScan,
    StocktakeStatus,
)
from tagsvc.structure.models import PATH_SEPARATOR, AssetKind, Category, Department, Location
from tagsvc.structure.services import descendant_ids
from tagsvc.tags.models import Tag
from tagsvc.tags.services import code_in
from tagsvc.ledger.models import note_columns

MAX_BATCH = 500  # confirmations in one request; a phone's queue goes in several
# A phone's clock may be wrong; a time far from the server's is replaced by the time of arrival.
CLOCK_TOLERANCE = timedelta(days=2)

# Every count and list of what a stocktake expects leaves out the items a disposal took off it (see following.py).
ON_LIST = StocktakeItem.left_list.is_(False)


# ---------------------------------------------------------------- opening


@dataclass(frozen=True)
class Scope:
    department_ids: tuple[int, ...] = ()
    location_ids: tuple[int, ...] = ()  # each with everything inside it
    category_ids: tuple[int, ...] = ()  # each with its subcategories
    kinds: tuple[AssetKind, ...] = ()

    def as_json(self) -> dict:
        return {"departments": list(self.department_ids), "locations": list(self.location_ids),
                "categories": list(self.category_ids), "kinds": [k.value for k in self.kinds]}

    @classmethod
    def of(cls, data: dict) -> Scope:
        return cls(tuple(data.get("departments", ())), tuple(data.get("locations", ())), tuple(data.get("categories", ())),
                   tuple(AssetKind(k) for k in data.get("kinds", ())))

    @property
    def whole_school(self) -> bool:
        return not (self.department_ids or self.location_ids or self.category_ids or self.kinds)


@dataclass(frozen=True)
class Assignment:
    """A participant's part: a department's items, or the items booked in a place (and the places inside it)."""

    user_id: int
    department_id: int | None = None
    location_id: int | None = None


def _subtree_ids(model, root_ids) -> list[int]:
    ids: set[int] = set()
    for root in root_ids:
        ids.update(descendant_ids(model, root))
    return sorted(ids)


def _scope_conditions(scope: Scope) -> list:
    conditions = [Asset.status.not_in(OFF_THE_BOOKS)]
    if scope.department_ids:
        conditions.append(Asset.department_id.in_(scope.department_ids))
    if scope.location_ids:
        conditions.append(Asset.location_id.in_(_subtree_ids(Location, scope.location_ids)))
    if scope.category_ids:
        conditions.append(Asset.category_id.in_(_subtree_ids(Category, scope.category_ids)))
    if scope.kinds:
        conditions.append(Category.kind.in_(scope.kinds))
    return conditions


def _check_scope(scope: Scope) -> None:
    for model, ids, refusal in (
        (Department, scope.department_ids, _("A department chosen for the scope no longer exists.")),
        (Location, scope.location_ids, _("A place chosen for the scope no longer exists.")),
        (Category, scope.category_ids, _("A category chosen for the scope no longer exists.")),
    ):
        if ids and db.session.scalar(select(func.count()).select_from(model).where(model.id.in_(ids))) != len(set(ids)):
            raise ValidationError(refusal)


def describe_scope(scope: Scope) -> list:
    """The scope in words, kept with the stocktake as messages (names may change later, and the reader's language
    is not the opener's: the names are kept as they were, the words are said when read; see Stocktake.scope_words)."""
    if scope.whole_school:
        return [message(N_("The whole school"))]
    from tagsvc.structure.display import ASSET_KIND_LABELS as KIND_LABELS

    parts = []
    for model, ids, label in ((Department, scope.department_ids, N_("Departments: %(names)s")), (Location, scope.location_ids, N_("Places: %(names)s")),
                              (Category, scope.category_ids, N_("Categories: %(names)s"))):
        if ids:
            names = db.session.scalars(select(model).where(model.id.in_(ids))).all()
            parts.append(message(label, names=[str(n) for n in names]))
    if scope.kinds:
        parts.append(message(N_("Property kinds: %(names)s"), names=[message(KIND_LABELS[k]) for k in scope.kinds]))
    return parts


def open_stocktake(actor, name: str, scope: Scope, deadline: date | None = None, assignments: list[Assignment] = ()) -> Stocktake:
    """Open a stocktake: every asset in scope (not disposed) is expected where the books put it now."""
    require_admin(actor)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the stocktake a name, for example “2026 autumn term, dorm block A”."))
    if deadline is not None and deadline < utcnow().date():
        raise ValidationError(_("The deadline has already passed: choose a later day."))
    _check_scope(scope)
    conditions = _scope_conditions(scope)
    in_scope = select(Asset.id).outerjoin(Category, Category.id == Asset.category_id).where(*conditions)
    expected = db.session.scalar(select(func.count()).select_from(in_scope.subquery()))
    if not expected:
        raise ValidationError(_("Nothing in the register falls in this scope: there would be nothing to confirm."))
    _refuse_overlap(in_scope)
    stocktake = Stocktake(name=name, scope={**scope.as_json(), "described": describe_scope(scope)}, scope_text="", deadline=deadline,
                          expected_count=expected, opened_by_id=actor.id, opened_by_name=actor.display_name)
    db.session.add(stocktake)
    db.session.flush()
    # The snapshot in one statement: ten thousand rows would take seconds one by one.
    snapshot = (
        select(stocktake.id, Asset.id, Asset.id, Asset.asset_number, Asset.name, Category.kind, Asset.price,
               Asset.location_id, Asset.department_id, Asset.custodian_name, Asset.condition, False)
        .outerjoin(Category, Category.id == Asset.category_id)
        .where(*conditions, Asset.school_id == stocktake.school_id)  # the wall's filter does not reach into an INSERT's SELECT
    )
    columns = ["stocktake_id", "asset_id", "open_asset_id", "asset_number", "name", "kind", "price",
               "expected_location_id", "expected_department_id", "expected_custodian", "condition_before", "misplaced"]
    try:
        db.session.execute(StocktakeItem.__table__.insert().from_select(columns, snapshot), execution_options={"school_filtered": True})
        for assignment in _valid_assignments(stocktake, assignments):
            db.session.add(assignment)
        db.session.commit()
    except IntegrityError:
        # Another stocktake took some of these assets between the check and the snapshot.
        db.session.rollback()
        _refuse_overlap(in_scope)
        raise
    return stocktake


def _refuse_overlap(in_scope) -> None:
    other = db.session.execute(
        select(Stocktake.name, func.count())
        .join(StocktakeItem, StocktakeItem.stocktake_id == Stocktake.id)
        .where(StocktakeItem.open_asset_id.in_(in_scope))
        .group_by(Stocktake.id, Stocktake.name)
        .limit(1)
    ).first()
    if other is not None:
        raise ConflictError(_("%(count)s of these assets are already in the open stocktake “%(name)s”. "
                              "An asset is counted in one stocktake at a time: close that one first, or narrow the scope.",
                              count=other[1], name=other[0]))


def _valid_assignments(stocktake: Stocktake, assignments) -> list[StocktakeParticipant]:
    rows, seen = [], set()
    for a in assignments:
        if (a.department_id is None) == (a.location_id is None):
            raise ValidationError(_("Assign each person to a department or to a place."))
        user = db.session.get(User, a.user_id)
        if user is None or not user.active or user.role not in (Role.KEEPER, Role.ADMIN):
            raise ValidationError(_("Only asset keepers and the office take part in a stocktake."))
        if a.department_id is not None and db.session.get(Department, a.department_id) is None:
            raise ValidationError(_("That department no longer exists."))
        if a.location_id is not None and db.session.get(Location, a.location_id) is None:
            raise ValidationError(_("That place no longer exists."))
        key = (a.user_id, a.department_id, a.location_id)
        if key not in seen:
            seen.add(key)
            rows.append(StocktakeParticipant(stocktake_id=stocktake.id, user_id=a.user_id, department_id=a.department_id,
                                             location_id=a.location_id))
    return rows


def keepers_of_scope(scope: Scope) -> list[Assignment]:
    """The default participants: every keeper, for each of their departments that has assets in scope."""
    conditions = _scope_conditions(scope)
    departments = select(Asset.department_id).outerjoin(Category, Category.id == Asset.category_id).where(*conditions).distinct()
    rows = db.session.execute(
        select(User.id, Department.id).join(User.departments)
        .where(Department.id.in_(departments), User.active.is_(True), User.role == Role.KEEPER)
        .order_by(User.display_name, Department.name)
    )
    return [Assignment(user_id=u, department_id=d) for u, d in rows]


def assign_participant(actor, stocktake_id: int, assignment: Assignment) -> StocktakeParticipant:
    require_admin(actor)
    stocktake = _open(stocktake_id)
    rows = _valid_assignments(stocktake, [assignment])
    existing = db.session.scalar(select(StocktakeParticipant).where(
        StocktakeParticipant.stocktake_id == stocktake.id, StocktakeParticipant.user_id == assignment.user_id,
        StocktakeParticipant.department_id.is_(assignment.department_id) if assignment.department_id is None
        else StocktakeParticipant.department_id == assignment.department_id,
        StocktakeParticipant.location_id.is_(assignment.location_id) if assignment.location_id is None
        else StocktakeParticipant.location_id == assignment.location_id))
    if existing is not None:
        return existing
    db.session.add(rows[0])
    db.session.commit()
    return rows[0]


def remove_participant(actor, stocktake_id: int, participant_id: int) -> None:
    require_admin(actor)
    _open(stocktake_id)
    row = db.session.get(StocktakeParticipant, participant_id)
    if row is None or row.stocktake_id != stocktake_id:
        raise NotFoundError(_("That person is not taking part in this stocktake."))
    db.session.delete(row)
    db.session.commit()


# ---------------------------------------------------------------- who may see and do what


def get_stocktake(actor, stocktake_id: int) -> Stocktake:
    """A stocktake for the office or one of its participants; nobody else learns it exists."""
    require_signed_in(actor)
    stocktake = db.session.get(Stocktake, stocktake_id)
    if stocktake is None or not takes_part(actor, stocktake):
        raise NotFoundError(_("There is no such stocktake, or you do not take part in it."))
    return stocktake


def takes_part(actor, stocktake: Stocktake) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    return actor.is_admin or any(p.user_id == actor.id for p in stocktake.participants)


def _open(stocktake_id: int, closing: bool = False) -> Stocktake:
    """The stocktake, still open, under a lock held to the end of the transaction: shared by the steps that add to
    it (confirmations, findings, conditions), exclusive for closing it. A confirmation that arrives while the close
    commits waits, then finds it closed; none lands after the close."""
    lock_document(Stocktake, stocktake_id, shared=not closing)
    stocktake = db.session.get(Stocktake, stocktake_id)
    if stocktake is None:
        raise NotFoundError(_("There is no such stocktake."))
    if not stocktake.is_open:
        closed = ConflictError(_("The stocktake “%(name)s” was closed on %(date)s: nothing more can be confirmed in it.",
                                 name=stocktake.name, date=stocktake.closed_at.date().isoformat()))
        closed.current = {"stocktake": "closed"}  # final: a phone stops sending to it (static/stocktake/scanner.js)
        raise closed
    return stocktake


def stocktakes_for(actor) -> list[Stocktake]:
    """The office sees every stocktake; a keeper the ones they take part in. Open ones first, newest first."""
    require_signed_in(actor)
    query = select(Stocktake).order_by(Stocktake.status.desc(), Stocktake.opened_at.desc(), Stocktake.id.desc())
    if not actor.is_admin:
        if actor.role != Role.KEEPER:
            return []
        query = query.where(Stocktake.id.in_(select(StocktakeParticipant.stocktake_id).where(StocktakeParticipant.user_id == actor.id)))
    return list(db.session.scalars(query).unique())


class _Coverage:
    """Which expected items a person may confirm: the office all; a keeper those of their assigned departments and
    those booked in their assigned places."""

    def __init__(self, actor, stocktake: Stocktake) -> None:
        self.everything = actor.is_admin
        mine = [p for p in stocktake.participants if p.user_id == actor.id]
        self.department_ids = {p.department_id for p in mine if p.department_id is not None}
        self.location_ids = set(_subtree_ids(Location, [p.location_id for p in mine if p.location_id is not None]))

    def covers(self, item: StocktakeItem) -> bool:
        return self.everything or item.expected_department_id in self.department_ids or item.expected_location_id in self.location_ids

    def condition(self):
        """The same rule as SQL, for lists and counts."""
        if self.everything:
            return True
        return or_(StocktakeItem.expected_department_id.in_(self.department_ids or [-1]),
                   StocktakeItem.expected_location_id.in_(self.location_ids or [-1]))


def rooms_in_scope(stocktake: Stocktake) -> list[int] | None:
    """The places a participant may stand in, or None for anywhere (a scope not limited to places)."""
    location_ids = stocktake.scope.get("locations") or []
    return _subtree_ids(Location, location_ids) if location_ids else None


def check_room(stocktake: Stocktake, location_id: int | None) -> Location | None:
    if location_id is None:
        return None
    location = db.session.get(Location, location_id)
    if location is None:
        raise ValidationError(_("That room does not exist (any more)."))
    allowed = rooms_in_scope(stocktake)
    if allowed is not None and location_id not in allowed:
        raise ValidationError(_("%(room)s is not part of the stocktake “%(name)s”.", room=location.full_name, name=stocktake.name))
    return location


# ---------------------------------------------------------------- confirming


@dataclass(frozen=True)
class Sighting:
    """One label seen by one person: what the phone (or the form) says."""

    code: str  # the code or the label's whole URL, as scanned or typed
    location_id: int | None
    method: ConfirmMethod
    scan_id: str = ""  # made on the phone; the server makes one for a tapped button
    device: str = ""
    scanned_at: datetime | None = None
    condition: AssetCondition | None = None


@dataclass
class ConfirmResult:
    """The answer for one sighting, in plain values (the page and the API say it as they like)."""

    outcome: ScanOutcome | None  # None: not a label of this school (nothing recorded)
    scan_id: str
    code: str = ""
    item_id: int | None = None
    asset_id: int | None = None
    name: str = ""
    misplaced: bool = False
    booked_in: str | None = None  # where the books put it (said when it was found elsewhere)
    finding_id: int | None = None
    replayed: bool = False
    # for an item confirmed before: by whom and when
    first_by: str = ""
    first_at: datetime | None = None
    room_id: int | None = None
    location_id: int | None = None  # a room label's room
    seen_at: datetime | None = None


def confirm_in_stocktake(actor, stocktake_id: int, sighting: Sighting) -> ConfirmResult:
    """Confirm one item (the any-scanner button, the typed-code field). Commits."""
    results = _confirm(actor, stocktake_id, [sighting])
    db.session.commit()
    return results[0]


def confirm_batch(actor, stocktake_id: int, sightings: list[Sighting], device_id: str = "", pending: int | None = None) -> list[ConfirmResult]:
    """Confirmations a phone saved while walking, in one request: each counted once however often it is sent.
    Bad input anywhere (a room outside the scope, a closed stocktake) refuses the whole batch and changes nothing."""
    if len(sightings) > MAX_BATCH:
        raise ValidationError(_("Send at most %(count)s confirmations at a time.", count=MAX_BATCH))
    if len({s.scan_id for s in sightings}) != len(sightings):
        raise ValidationError(_("The same confirmation id appears twice in this batch."))
    try:
        results = _confirm(actor, stocktake_id, sightings)
        if device_id:
            _report_device(actor, stocktake_id, device_id, pending if pending is not None else 0)
        db.session.commit()
    except IntegrityError:
        # The same confirmations in another request at this moment (a phone's retry while the first send is still
        # on its way): that one counts them. Sent again in a moment, this batch gets its answer, each counted once.
        db.session.rollback()
        raise InFlightError(_("These confirmations are being received right now from another send. Send them again in a moment.")) from None
    return results


class _Batch:
    """What a batch needs from the database, read in a few queries rather than a few per sighting: a phone's
    queue of fifty costs about as much as one confirmation did."""

    def __init__(self, stocktake: Stocktake, sightings: list[Sighting]) -> None:
        codes = {c for c in (code_in(s.code) for s in sightings) if c}
        self.tags = {t.code: (t.asset_id, t.location_id) for t in db.session.execute(
            select(Tag.code, Tag.asset_id, Tag.location_id).where(Tag.code.in_(codes)))} if codes else {}
        asset_ids = {a for a, _loc in self.tags.values() if a is not None}
        self.items = {i.asset_id: i for i in db.session.execute(
            select(StocktakeItem.id, StocktakeItem.asset_id, StocktakeItem.name, StocktakeItem.expected_location_id,
                   StocktakeItem.expected_department_id).where(StocktakeItem.stocktake_id == stocktake.id, ON_LIST,
                                                               StocktakeItem.asset_id.in_(asset_ids)))} if asset_ids else {}
        places = {s.location_id for s in sightings} | {i.expected_location_id for i in self.items.values()}
        places.discard(None)
        self.places = dict(db.session.execute(select(Location.id, Location.full_name).where(Location.id.in_(places))).all()) if places else {}

    def misplaced(self, expected_id: int | None, found_id: int | None) -> bool:
        """Found somewhere else than booked. Standing in room 301 with an item booked to "301 › bed 2" (or to the
        building 301 is in) is in place: one place holds the other."""
        if found_id is None:
            return False
        if expected_id is None:
            return True
        expected, found = self.places.get(expected_id, ""), self.places.get(found_id, "")
        return not (expected_id == found_id or expected.startswith(found + PATH_SEPARATOR) or found.startswith(expected + PATH_SEPARATOR))


def _confirm(actor, stocktake_id: int, sightings: list[Sighting]) -> list[ConfirmResult]:
    require_signed_in(actor)
    stocktake = _open(stocktake_id)
    if not takes_part(actor, stocktake):
        raise PermissionDeniedError(_("You do not take part in the stocktake “%(name)s”.", name=stocktake.name))
    for location_id in {s.location_id for s in sightings}:
        check_room(stocktake, location_id)
    coverage = _Coverage(actor, stocktake)
    already = {row.scan_id: row for row in db.session.scalars(
        select(StocktakeScan).where(StocktakeScan.scan_id.in_([s.scan_id for s in sightings if s.scan_id])))}
    batch = _Batch(stocktake, sightings)
    now = utcnow()
    note = _stocktake_note(stocktake)
    results, scans, events, seen = [], [], [], []
    for sighting in sightings:
        scan_id = sighting.scan_id or str(uuid.uuid4())
        if scan_id in already:
            results.append(_replayed(already[scan_id], stocktake_id))
            continue
        seen_at = sighting.scanned_at if sighting.scanned_at and abs(sighting.scanned_at - now) < CLOCK_TOLERANCE else now
        results.append(_confirm_one(actor, stocktake, coverage, batch, sighting, scan_id, seen_at))
    _count_first(actor, [(r, s) for r, s in zip(results, sightings, strict=True) if r.outcome == ScanOutcome.CONFIRMED and not r.replayed])
    for sighting, result in zip(sightings, results, strict=True):
        if result.outcome is None or result.replayed:
            continue  # not one of our labels (nothing to record), or received before
        seen_at = result.seen_at
        scans.append({"scan_id": result.scan_id, "stocktake_id": stocktake.id, "user_id": actor.id, "user_name": actor.display_name,
                      "device": sighting.device[:200], "scanned_at": seen_at, "received_at": now, "code": result.code,
                      "location_id": sighting.location_id, "method": sighting.method, "outcome": result.outcome, "item_id": result.item_id})
        if result.outcome == ScanOutcome.CONFIRMED:
            place = batch.places.get(sighting.location_id)
            changes = {"seen_in": [result.booked_in, place]} if result.misplaced else {}  # not a change of the books
            events.append({"asset_id": result.asset_id, "at": now, "actor_id": actor.id, "actor_name": actor.display_name,
                           "action": LedgerAction.STOCKTAKE_CONFIRMED, "changes": changes, **note_columns([note, place] if place else note)})
            seen.append({"asset": result.asset_id, "seen": seen_at})
    if scans:
        db.session.execute(insert(StocktakeScan), scans)
    if events:
        db.session.execute(insert(LedgerEvent), events)
    if seen:
        # The label's page shows "last confirmed". A plain UPDATE, so a confirmation never collides with someone
        # editing the asset (its version is for edits of what the books say).
        table = Asset.__table__  # Core, for one executemany: the ORM would take it for an update by primary key
        db.session.execute(
            update(table).where(table.c.id == bindparam("asset"), or_(table.c.last_confirmed_at.is_(None), table.c.last_confirmed_at < bindparam("seen")))
            .values(last_confirmed_at=bindparam("seen")), seen)
    # Rows changed by plain UPDATEs: anything this session holds of them is read again when next used.
    confirmed = [r for r in results if r.outcome == ScanOutcome.CONFIRMED and not r.replayed]
    touched = {(StocktakeItem, r.item_id) for r in confirmed} | {(Asset, r.asset_id) for r in confirmed}
    for (cls, ident, *_token), obj in list(db.session.identity_map.items()):
        if (cls, ident[0]) in touched:  # by the identity's key: reading obj.id would load an expired object again
            db.session.expire(obj)
    for sighting, result in zip(sightings, results, strict=True):
        if sighting.condition is not None and result.outcome == ScanOutcome.CONFIRMED and not result.replayed:
            _note_condition(actor, stocktake, db.session.get(StocktakeItem, result.item_id), db.session.get(Asset, result.asset_id),
                            sighting.condition)
    return results


def _replayed(previous: StocktakeScan, stocktake_id: int) -> ConfirmResult:
    if previous.stocktake_id != stocktake_id or previous.user_id is None:
        raise ValidationError(_("This confirmation id was already used for something else."))  # for good: 422, never retried
    item = db.session.get(StocktakeItem, previous.item_id) if previous.item_id else None
    return ConfirmResult(outcome=previous.outcome, scan_id=previous.scan_id, code=previous.code, item_id=previous.item_id,
                         asset_id=item.asset_id if item else None, name=item.name if item else "", replayed=True,
                         misplaced=bool(item and item.misplaced and previous.outcome == ScanOutcome.CONFIRMED),
                         booked_in=item.expected_location.full_name if item and item.expected_location else None,
                         room_id=previous.location_id)


def _confirm_one(actor, stocktake: Stocktake, coverage: _Coverage, batch: _Batch, sighting: Sighting, scan_id: str,
                 seen_at: datetime) -> ConfirmResult:
    code = code_in(sighting.code)
    result = ConfirmResult(outcome=None, scan_id=scan_id, code=code or "", room_id=sighting.location_id, seen_at=seen_at)
    if code is None:
        return result
    asset_id, room_id = batch.tags.get(code, (None, None))
    if room_id is not None:
        result.outcome, result.location_id = ScanOutcome.ROOM_LABEL, room_id
        return result
    if asset_id is None:
        result.outcome = ScanOutcome.NOT_REGISTERED
        return result
    item = batch.items.get(asset_id)
    result.asset_id = asset_id
    if item is None or not coverage.covers(item):
        asset = db.session.get(Asset, asset_id)
        result.name = asset.name
        result.outcome = ScanOutcome.NOT_ON_LIST
        result.finding_id = _record_stranger(actor, stocktake, asset, code, sighting, scan_id,
                                             FindingKind.OUTSIDE_SCOPE if item is None else FindingKind.OUTSIDE_ASSIGNMENT).id
        return result
    result.item_id, result.name = item.id, item.name
    result.booked_in = batch.places.get(item.expected_location_id)
    result.misplaced = batch.misplaced(item.expected_location_id, sighting.location_id)
    result.outcome = ScanOutcome.CONFIRMED  # if it is the first: _count_first decides
    return result


def _count_first(actor, candidates: list[tuple[ConfirmResult, Sighting]]) -> None:
    """Of two confirmations of one item the first counts. One UPDATE for the batch, WHERE confirmed_at IS NULL: the
    database decides row by row (writers of the same rows wait for each other, on PostgreSQL as on SQLite), and
    RETURNING names the items this batch was first for. The others learn who was first, and when."""
    if not candidates:
        return
    firsts: dict[int, tuple[ConfirmResult, Sighting]] = {}
    for result, sighting in candidates:
        firsts.setdefault(result.item_id, (result, sighting))
    table = StocktakeItem.__table__

    def per_item(column, value_of):
        # One phone's batch is mostly one room, one method, one device: a plain value then, a CASE only where they differ.
        values = {item_id: value_of(r, s) for item_id, (r, s) in firsts.items()}
        if len(set(values.values())) == 1:
            return literal(next(iter(values.values())), column.type)
        return case({item_id: literal(value, column.type) for item_id, value in values.items()}, value=table.c.id)

    won = set(db.session.execute(
        update(table).where(table.c.id.in_(firsts), table.c.confirmed_at.is_(None))
        .values(confirmed_at=per_item(table.c.confirmed_at, lambda r, s: r.seen_at),
                confirmed_location_id=per_item(table.c.confirmed_location_id, lambda r, s: s.location_id),
                confirmed_method=per_item(table.c.confirmed_method, lambda r, s: s.method),
                confirmed_device=per_item(table.c.confirmed_device, lambda r, s: s.device[:200]),
                misplaced=per_item(table.c.misplaced, lambda r, s: r.misplaced),
                confirmed_by_id=actor.id, confirmed_by_name=actor.display_name)
        .returning(table.c.id)).scalars())
    losers = [r for r, s in candidates if r.item_id not in won or firsts[r.item_id][0] is not r]
    if losers:
        first = {row.id: row for row in db.session.execute(select(table.c.id, table.c.confirmed_by_name, table.c.confirmed_at)
                                                           .where(table.c.id.in_({r.item_id for r in losers})))}
        for result in losers:
            row = first[result.item_id]
            result.outcome, result.first_by, result.first_at, result.misplaced = ScanOutcome.ALREADY_CONFIRMED, row.confirmed_by_name, row.confirmed_at, False


def _note_condition(actor, stocktake: Stocktake, item: StocktakeItem, asset: Asset, condition: AssetCondition) -> None:
    if condition == asset.condition:
        return
    problem = contradiction(asset.status, condition)
    if problem is not None:
        raise ValidationError(_(problem))
    item.condition_seen = condition
    _record_event(asset, LedgerAction.UPDATED, actor, changes={"condition": [asset.condition.value, condition.value]},
                  note=_stocktake_note(stocktake))
    asset.condition = condition


def mark_condition(actor, stocktake_id: int, item_id: int, condition: AssetCondition) -> StocktakeItem:
    """Set the condition of an item just confirmed, without leaving the walk. Commits."""
    stocktake = _open(stocktake_id)
    item = db.session.get(StocktakeItem, item_id)
    if item is None or item.stocktake_id != stocktake_id or not _Coverage(actor, stocktake).covers(item) or not takes_part(actor, stocktake):
        raise NotFoundError(_("That item is not on your list in this stocktake."))
    _note_condition(actor, stocktake, item, db.session.get(Asset, item.asset_id), condition)
    db.session.commit()
    return item


def _stocktake_note(stocktake: Stocktake) -> dict:
    return message(N_("Stocktake #%(id)s “%(name)s”"), id=stocktake.id, name=stocktake.name)


def _record_stranger(actor, stocktake: Stocktake, asset: Asset, code: str, sighting: Sighting, scan_id: str, kind: FindingKind) -> StocktakeFinding:
    finding = StocktakeFinding(stocktake_id=stocktake.id, kind=kind, code=code, asset_id=asset.id, name=asset.name,
                               location_id=sighting.location_id, recorded_by_id=actor.id, recorded_by_name=actor.display_name,
                               scan_id=scan_id)
    db.session.add(finding)
    db.session.flush()
    return finding


@dataclass(frozen=True)
class FoundThing:
    """Something found that is not on the list and has no registered asset: a name is all a person can give."""

    name: str
    location_id: int | None
    code: str = ""  # a blank label or an unknown code; empty for an item with no label at all
    note: str = ""
    scan_id: str = ""


def record_finding(actor, stocktake_id: int, thing: FoundThing, photo: bytes | None = None) -> StocktakeFinding:
    """Record a surplus item (盘盈) for the office to resolve. Sent twice with one id, it is recorded once. Commits."""
    require_signed_in(actor)
    stocktake = _open(stocktake_id)
    if not takes_part(actor, stocktake):
        raise PermissionDeniedError(_("You do not take part in the stocktake “%(name)s”.", name=stocktake.name))
    if thing.scan_id:
        existing = db.session.scalar(select(StocktakeFinding).where(StocktakeFinding.scan_id == thing.scan_id))
        if existing is not None:
            return existing
    name = thing.name.strip()
    if not name:
        raise ValidationError(_("Say what the item is, for example “wooden chair, blue”."))
    check_room(stocktake, thing.location_id)
    kind, code = FindingKind.NO_LABEL, ""
    if thing.code.strip():
        code = code_in(thing.code)
        if code is None:
            raise ValidationError(_("“%(code)s” is not a label code of this school.", code=thing.code.strip()))
        tag = db.session.scalar(select(Tag).where(Tag.code == code))
        if tag is not None and (tag.asset_id is not None or tag.location_id is not None):
            raise ValidationError(_("The label %(code)s is registered: scan it to confirm it instead.", code=code))
        kind = FindingKind.BLANK_LABEL if tag is not None else FindingKind.UNKNOWN_CODE
    photo_name = ""
    if photo:
        from tagsvc.photos.services import store_photo

        photo_name = store_photo(photo)
    finding = StocktakeFinding(stocktake_id=stocktake.id, kind=kind, code=code, name=name[:200], note=thing.note.strip(),
                               photo=photo_name, location_id=thing.location_id, recorded_by_id=actor.id,
                               recorded_by_name=actor.display_name, scan_id=thing.scan_id or None)
    db.session.add(finding)
    db.session.commit()
    return finding


def _report_device(actor, stocktake_id: int, device_id: str, pending: int) -> None:
    device = db.session.scalar(select(StocktakeDevice).where(StocktakeDevice.stocktake_id == stocktake_id,
                                                            StocktakeDevice.device_id == device_id))
    if device is None:
        device = StocktakeDevice(stocktake_id=stocktake_id, device_id=device_id)
        db.session.add(device)
    device.user_id, device.user_name, device.pending, device.reported_at = actor.id, actor.display_name, max(pending, 0), utcnow()


def report_device(actor, stocktake_id: int, device_id: str, pending: int) -> None:
    """A phone says how many confirmations it still holds (it says so with every batch and when it has nothing
    to send). Commits."""
    stocktake = _open(stocktake_id)
    if not takes_part(actor, stocktake):
        raise PermissionDeniedError(_("You do not take part in the stocktake “%(name)s”.", name=stocktake.name))
    if not device_id or len(device_id) > 64:
        raise ValidationError(_("A device id of 1 to 64 characters is needed."))
    _report_device(actor, stocktake_id, device_id, pending)
    db.session.commit()


def pending_on_devices(stocktake_id: int) -> list[StocktakeDevice]:
    return list(db.session.scalars(select(StocktakeDevice).where(StocktakeDevice.stocktake_id == stocktake_id,
                                                                StocktakeDevice.pending > 0).order_by(StocktakeDevice.user_name)))


def close_stocktake(actor, stocktake_id: int, pending_override: int | None = None) -> Stocktake:
    """Close: nothing more is confirmed, the reconciliation is final. Refused while phones report unsent
    confirmations, unless the office says how many it accepts to lose (the number it was shown). Commits."""
    require_admin(actor)
    stocktake = _open(stocktake_id, closing=True)
    waiting = sum(d.pending for d in pending_on_devices(stocktake_id))
    if waiting and pending_override != waiting:
        raise ConflictError(_("%(count)s confirmations are still waiting to be sent on participants' phones. Ask them to open "
                              "the scanner with a network, or close anyway and leave those out.", count=waiting))
    stocktake.status = StocktakeStatus.CLOSED
    stocktake.closed_at = utcnow()
    stocktake.closed_by_name = actor.display_name
    stocktake.closed_with_pending = waiting
    db.session.execute(update(StocktakeItem).where(StocktakeItem.stocktake_id == stocktake_id).values(open_asset_id=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return stocktake


# ---------------------------------------------------------------- the scan page's banner


@dataclass(frozen=True)
class Banner:
    """What a participant sees at the top of a label's page while a stocktake covers the item."""

    stocktake_id: int
    stocktake_name: str
    item_id: int
    confirmed_at: datetime | None
    confirmed_by: str
    covered: bool  # within this person's part (else a tap records it as not on their list)
    room_id: int | None = None  # where they said they stand, when they said so and the room still exists
    room_name: str = ""


def _banner_columns() -> tuple:
    mine = and_(StocktakeParticipant.stocktake_id == Stocktake.id, StocktakeParticipant.user_id == bindparam("user_id"))
    room = aliased(Location)  # the statement this joins may have its own Location (the booked place)
    return (Stocktake.id, Stocktake.name, StocktakeItem.id, StocktakeItem.confirmed_at, StocktakeItem.confirmed_by_name,
            StocktakeItem.expected_location_id,
            exists().where(mine),
            exists().where(mine, StocktakeParticipant.department_id == StocktakeItem.expected_department_id),
            exists().where(mine, StocktakeParticipant.location_id.is_not(None)),
            select(room.full_name).where(room.id == bindparam("room_id")).scalar_subquery())


BANNER_WIDTH = len(_banner_columns())


def join_banner(query, asset_id):
    """A statement about one asset, with the banner's values added as its last BANNER_WIDTH columns (read them with
    banner_from); it takes the parameters user_id (who looks) and room_id (where they said they stand). The
    signed-in scan page reads the item, its stocktake and this person's part in the same round trip as the facts."""
    return (query.outerjoin(StocktakeItem, StocktakeItem.open_asset_id == asset_id)
            .outerjoin(Stocktake, Stocktake.id == StocktakeItem.stocktake_id)
            .add_columns(*_banner_columns()))


# A fixed statement of plain values, read outside a transaction (see PreparedRead).
_BANNER_QUERY = db.prepared_read(join_banner(select(Asset.id), Asset.id).where(Asset.id == bindparam("asset_id")))


def banner_for(actor, asset_id: int, room_id: int | None = None) -> Banner | None:
    """The banner of the open stocktake that expects this asset, for a person who takes part in it; with the name of
    the room they said they stand in."""
    if not _may_take_part(actor):
        return None
    row = _BANNER_QUERY.first(asset_id=asset_id, user_id=actor.id, room_id=room_id)
    return banner_from(actor, row[1:], room_id) if row is not None else None


def banner_from(actor, values, room_id: int | None) -> Banner | None:
    """The banner from the columns join_banner added (None when no open stocktake expects the asset, or this person
    does not take part in it)."""
    if not _may_take_part(actor):
        return None
    stocktake_id, name, item_id, confirmed_at, confirmed_by, expected_location_id, takes_part_, by_department, by_place, room_name = values
    if stocktake_id is None:
        return None
    if actor.is_admin:
        covered = True
    elif not takes_part_:
        return None
    else:
        # Assigned places cover the rooms inside them: walked only for keepers assigned by place at all.
        covered = by_department or (by_place and expected_location_id in _Coverage(actor, db.session.get(Stocktake, stocktake_id)).location_ids)
    return Banner(stocktake_id, name, item_id, confirmed_at, confirmed_by, bool(covered),
                  room_id if room_name is not None else None, room_name or "")


def _may_take_part(actor) -> bool:
    return actor is not None and actor.is_authenticated and actor.role in (Role.ADMIN, Role.KEEPER)


def open_stocktakes_in_room(actor, location_id: int) -> list[Stocktake]:
    """Open stocktakes this person takes part in whose scope holds this room: its label's page offers "I am here"."""
    if actor is None or not actor.is_authenticated or actor.role not in (Role.ADMIN, Role.KEEPER):
        return []
    found = []
    for stocktake in db.session.scalars(select(Stocktake).where(Stocktake.status == StocktakeStatus.OPEN).order_by(Stocktake.id)):
        allowed = rooms_in_scope(stocktake)
        if takes_part(actor, stocktake) and (allowed is None or location_id in allowed):
            found.append(stocktake)
    return found


# ---------------------------------------------------------------- progress


@dataclass
class Tally:
    expected: int = 0
    found: int = 0
    misplaced: int = 0
    surplus: int = 0

    @property
    def missing(self) -> int:
        return self.expected - self.found

    @property
    def percent(self) -> int:
        return round(100 * self.found / self.expected) if self.expected else 100


@dataclass
class Progress:
    total: Tally
    rooms: list[tuple[Location | None, Tally, bool]]  # (room, tally, visited)
    departments: list[tuple[Department | None, Tally]]
    people: list[tuple[str, int]]  # (name, confirmations counted)
    unvisited: int


def _tallies(stocktake_id: int, key, extra=True) -> dict:
    found = func.count(StocktakeItem.confirmed_at)
    rows = db.session.execute(
        select(key, func.count(), found, func.sum(case((StocktakeItem.misplaced.is_(True), 1), else_=0)))
        .where(StocktakeItem.stocktake_id == stocktake_id, ON_LIST, extra).group_by(key)
    )
    return {k: Tally(expected=e, found=f, misplaced=m or 0) for k, e, f, m in rows}


def progress(actor, stocktake_id: int) -> Progress:
    stocktake = get_stocktake(actor, stocktake_id)
    coverage = _Coverage(actor, stocktake)
    by_room = _tallies(stocktake.id, StocktakeItem.expected_location_id, coverage.condition())
    visited = set(db.session.scalars(select(StocktakeScan.location_id).where(StocktakeScan.stocktake_id == stocktake.id).distinct()))
    surplus = dict(db.session.execute(select(StocktakeFinding.location_id, func.count()).where(StocktakeFinding.stocktake_id == stocktake.id)
                                      .group_by(StocktakeFinding.location_id)).all())
    for room_id, count in surplus.items():
        by_room.setdefault(room_id, Tally()).surplus = count
    locations = {loc.id: loc for loc in db.session.scalars(select(Location).where(Location.id.in_([k for k in by_room if k])))}
    # Someone stood in 203 and scanned: 203 › 床位1 was visited too, whether or not its bed was found.
    stood_in = [name for (name,) in db.session.execute(select(Location.full_name).where(Location.id.in_([v for v in visited if v])))]

    def was_visited(place_id) -> bool:
        place = locations.get(place_id)
        return place_id in visited or (place is not None and any(place.full_name.startswith(name + PATH_SEPARATOR) for name in stood_in))

    rooms = sorted(((locations.get(k), t, was_visited(k)) for k, t in by_room.items()), key=lambda r: r[0].full_name if r[0] else "")
    by_department = _tallies(stocktake.id, StocktakeItem.expected_department_id, coverage.condition())
    departments_ = {d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_([k for k in by_department if k])))}
    people = db.session.execute(
        select(StocktakeItem.confirmed_by_name, func.count()).where(StocktakeItem.stocktake_id == stocktake.id,
                                                                    StocktakeItem.confirmed_at.is_not(None),
                                                                    StocktakeItem.confirmed_method != ConfirmMethod.DOCUMENT)
        .group_by(StocktakeItem.confirmed_by_name).order_by(func.count().desc())
    ).all()
    total = Tally()
    for tally in by_room.values():
        total.expected += tally.expected
        total.found += tally.found
        total.misplaced += tally.misplaced
        total.surplus += tally.surplus
    return Progress(total=total, rooms=rooms, departments=sorted(((departments_.get(k), t) for k, t in by_department.items()),
                                                                   key=lambda r: r[0].name if r[0] else ""),
                    people=[tuple(p) for p in people], unvisited=sum(1 for r in rooms if not r[2] and r[0] is not None))


@dataclass
class RoomView:
    stocktake: Stocktake
    room: Location
    missing: list[StocktakeItem]
    found: list[StocktakeItem]  # booked here and found (here or elsewhere)
    found_here_from_elsewhere: list[StocktakeItem]  # booked elsewhere, found here: misplaced into this room
    findings: list[StocktakeFinding]
    expected: int
    codes: dict[int, str] = field(default_factory=dict)  # asset id -> its current label code

    @property
    def found_count(self) -> int:
        return len(self.found)


def room_view(actor, stocktake_id: int, location_id: int) -> RoomView:
    """What a participant standing in a room needs: what is still missing here, so they look for it now."""
    stocktake = get_stocktake(actor, stocktake_id)
    room = check_room(stocktake, location_id)
    coverage = _Coverage(actor, stocktake)
    places = descendant_ids(Location, location_id)
    booked = list(db.session.scalars(
        select(StocktakeItem).where(StocktakeItem.stocktake_id == stocktake.id, StocktakeItem.expected_location_id.in_(places),
                                    ON_LIST, coverage.condition())
        .order_by(StocktakeItem.confirmed_at.desc().nulls_last(), StocktakeItem.asset_number)))
    elsewhere = list(db.session.scalars(
        select(StocktakeItem).where(StocktakeItem.stocktake_id == stocktake.id, StocktakeItem.confirmed_location_id.in_(places),
                                    StocktakeItem.misplaced.is_(True)).order_by(StocktakeItem.confirmed_at.desc())))
    findings = list(db.session.scalars(select(StocktakeFinding).where(StocktakeFinding.stocktake_id == stocktake.id,
                                                                      StocktakeFinding.location_id.in_(places))
                                       .order_by(StocktakeFinding.recorded_at.desc())))
    asset_ids = [i.asset_id for i in booked + elsewhere]
    codes = dict(db.session.execute(select(Tag.asset_id, Tag.code).where(Tag.asset_id.in_(asset_ids), Tag.retired_at.is_(None))).all())
    return RoomView(stocktake=stocktake, room=room, missing=[i for i in booked if not i.found], found=[i for i in booked if i.found],
                    found_here_from_elsewhere=elsewhere, findings=findings, expected=len(booked), codes=codes)


def room_tally(stocktake_id: int, location_id: int | None) -> tuple[int, int]:
    """(found, expected) of the items booked in a room: the "12 of 35" after each confirmation."""
    if location_id is None:
        return 0, 0
    places = descendant_ids(Location, location_id)
    expected, found = db.session.execute(
        select(func.count(), func.count(StocktakeItem.confirmed_at))
        .where(StocktakeItem.stocktake_id == stocktake_id, StocktakeItem.expected_location_id.in_(places), ON_LIST)).one()
    return found, expected


def room_codes(stocktake: Stocktake) -> dict[str, int]:
    """Room label codes a scanner may meet in this stocktake, so the page can change room even offline."""
    query = select(Tag.code, Tag.location_id).where(Tag.location_id.is_not(None), Tag.retired_at.is_(None))
    allowed = rooms_in_scope(stocktake)
    if allowed is not None:
        query = query.where(Tag.location_id.in_(allowed))
    return dict(db.session.execute(query).all())


def room_choices(stocktake: Stocktake) -> list[Location]:
    """The places to choose from on the scanner: where items are booked, and the places of the scope."""
    allowed = rooms_in_scope(stocktake)
    booked = select(StocktakeItem.expected_location_id).where(StocktakeItem.stocktake_id == stocktake.id, ON_LIST).distinct()
    query = select(Location).where(or_(Location.id.in_(booked), Location.id.in_(allowed) if allowed is not None else False))
    return sorted(db.session.scalars(query), key=lambda loc: loc.full_name)


def device_label(user_agent: str) -> str:
    """A short, readable name of the browser a confirmation came from (the full string is noise in a report)."""
    ua = user_agent or ""
    for marker, name in (("MicroMessenger", "WeChat"), ("EdgA", "Edge"), ("CriOS", "Chrome iOS"), ("Chrome", "Chrome"),
                         ("Firefox", "Firefox"), ("Safari", "Safari")):
        if marker in ua:
            system = "Android" if "Android" in ua else "iOS" if ("iPhone" in ua or "iPad" in ua) else "Windows" if "Windows" in ua \
                else "macOS" if "Mac OS" in ua else "Linux" if "Linux" in ua else ""
            return f"{name} · {system}".strip(" ·")
    return ua[:60] or "—"
