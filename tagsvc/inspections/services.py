"""Safety inspection rounds (安全巡检): the office's plans, the rounds people walk with a phone, and what a failed line
sets going. Views and the API call these; so do the tests."""
from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import case, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tagsvc.accounts.models import Role, User
from tagsvc.accounts.permissions import require_admin, require_signed_in
from tagsvc.assets.models import OFF_THE_BOOKS, Asset
from tagsvc.errors import ConflictError, InFlightError, NotFoundError, PermissionDeniedError, ValidationError
from tagsvc.extensions import db, lock_document, utcnow
from tagsvc.inspections.models import Frequency, InspectionPlan, InspectionResult, InspectionRound, TargetKind
from tagsvc.inspections.periods import period_containing, periods_between
from tagsvc.structure.models import Category, Department, Location, LocationKind
from tagsvc.structure.services import descendant_ids
from tagsvc.tags.models import Tag
from tagsvc.tags.services import code_in

MAX_LINES = 30
MAX_BATCH = 200
MAX_NOTE = 500
# A phone's clock may be off; a time further from the server's than this is taken as the time it arrived.
CLOCK_TOLERANCE = timedelta(hours=12)
LINE_KEY = re.compile(r"^[a-z0-9]{1,20}$")


@dataclass
class PlanData:
    name: str
    target_kind: TargetKind
    checklist: list[str]  # the lines' words, in order; see checklist_lines for their keys
    frequency: Frequency
    starts_on: date
    ends_on: date | None = None
    category_id: int | None = None
    asset_ids: list[int] = field(default_factory=list)
    location_ids: list[int] = field(default_factory=list)
    inspector_ids: list[int] = field(default_factory=list)
    department_ids: list[int] = field(default_factory=list)
    service_years: int | None = None
    replace_warning_days: int = 60


def checklist_lines(words: list[str], before: list[dict] = ()) -> list[dict]:
    """Lines with keys: a line whose words are unchanged keeps its key, so that its results still name it."""
    keys = {line["text"]: line["key"] for line in before}
    taken = set(keys.values())
    lines, number = [], 1
    for text in words:
        key = keys.pop(text, None)
        if key is None:
            while f"k{number}" in taken:
                number += 1
            key = f"k{number}"
            taken.add(key)
        lines.append({"key": key, "text": text})
    return lines


def _checked(data: PlanData) -> PlanData:
    """The plan's fields as the office typed them, or a ValidationError that says what to change."""
    data.name = (data.name or "").strip()
    if not data.name or len(data.name) > 200:
        raise ValidationError(_("Give the plan a name (up to 200 characters)."))
    lines = [text.strip() for text in data.checklist if text and text.strip()]
    if not lines:
        raise ValidationError(_("A plan needs at least one checklist line."))
    if len(lines) > MAX_LINES or any(len(text) > 200 for text in lines):
        raise ValidationError(_("At most %(n)d checklist lines, each up to 200 characters.", n=MAX_LINES))
    if len(set(lines)) != len(lines):
        raise ValidationError(_("Each checklist line must say something different."))
    data.checklist = lines
    try:
        data.target_kind, data.frequency = TargetKind(data.target_kind), Frequency(data.frequency)
    except ValueError:
        raise ValidationError(_("Choose what is checked and how often.")) from None
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise ValidationError(_("The plan's last day comes before its first."))
    if data.frequency == Frequency.ONCE and data.ends_on is None:
        raise ValidationError(_("A one-off round needs the day by which it is done."))
    if data.target_kind == TargetKind.CATEGORY:
        if data.category_id is None or db.session.get(Category, data.category_id) is None:
            raise ValidationError(_("Choose the category whose items are checked."))
        data.asset_ids, data.location_ids = [], []
    elif data.target_kind == TargetKind.ITEMS:
        data.asset_ids = sorted(set(data.asset_ids))
        found = set(db.session.scalars(select(Asset.id).where(Asset.id.in_(data.asset_ids), Asset.status.not_in(OFF_THE_BOOKS))))
        if not data.asset_ids or found != set(data.asset_ids):
            raise ValidationError(_("Choose the items that are checked (items on the books of this school)."))
        data.category_id, data.location_ids = None, []
    else:
        data.location_ids = sorted(set(data.location_ids))
        found = set(db.session.scalars(select(Location.id).where(Location.id.in_(data.location_ids))))
        if not data.location_ids or found != set(data.location_ids):
            raise ValidationError(_("Choose the rooms that are checked, or the buildings whose rooms are."))
        data.category_id, data.asset_ids = None, []
    data.inspector_ids = sorted(set(data.inspector_ids))
    people = set(db.session.scalars(select(User.id).where(User.id.in_(data.inspector_ids), User.active.is_(True),
                                                          User.role != Role.DISTRICT)))
    if people != set(data.inspector_ids):
        raise ValidationError(_("Only active people of this school can inspect."))
    data.department_ids = sorted(set(data.department_ids))
    if set(db.session.scalars(select(Department.id).where(Department.id.in_(data.department_ids)))) != set(data.department_ids):
        raise ValidationError(_("There is no such department."))
    if not data.inspector_ids and not data.department_ids:
        raise ValidationError(_("Say who inspects: people, or the people of a department."))
    if data.service_years is not None and not 1 <= data.service_years <= 50:
        raise ValidationError(_("Years of service: from 1 to 50, or empty."))
    if not 0 <= data.replace_warning_days <= 365:
        raise ValidationError(_("Warn from 0 to 365 days before an item's service ends."))
    return data


def create_plan(actor, data: PlanData) -> InspectionPlan:
    require_admin(actor)
    data = _checked(data)
    plan = InspectionPlan(name=data.name, target_kind=data.target_kind, category_id=data.category_id, asset_ids=data.asset_ids,
                          location_ids=data.location_ids, checklist=checklist_lines(data.checklist), frequency=data.frequency,
                          starts_on=data.starts_on, ends_on=data.ends_on, inspector_ids=data.inspector_ids,
                          department_ids=data.department_ids, service_years=data.service_years,
                          replace_warning_days=data.replace_warning_days, created_by_id=actor.id)
    db.session.add(plan)
    db.session.commit()
    return plan


def update_plan(actor, plan_id: int, data: PlanData, version: int) -> InspectionPlan:
    """A changed plan applies from its next round; a round already begun keeps the lines it began with."""
    require_admin(actor)
    plan = get_plan(actor, plan_id)
    if plan.version != version:
        raise ConflictError(_("Someone else changed this plan meanwhile. Open it again to see their changes."))
    data = _checked(data)
    for name in ("name", "target_kind", "category_id", "asset_ids", "location_ids", "frequency", "starts_on", "ends_on",
                 "inspector_ids", "department_ids", "service_years", "replace_warning_days"):
        setattr(plan, name, getattr(data, name))
    plan.checklist = checklist_lines(data.checklist, plan.checklist)
    db.session.commit()
    return plan


def set_plan_active(actor, plan_id: int, active: bool) -> InspectionPlan:
    require_admin(actor)
    plan = get_plan(actor, plan_id)
    plan.active = active
    db.session.commit()
    return plan


def get_plan(actor, plan_id: int) -> InspectionPlan:
    require_signed_in(actor)
    plan = db.session.get(InspectionPlan, plan_id)
    if plan is None:
        raise NotFoundError(_("There is no such inspection plan."))
    return plan


def plans_for(actor) -> list[InspectionPlan]:
    """The office: every plan; anyone else: the plans they inspect. Active first, then by name."""
    require_signed_in(actor)
    plans = db.session.scalars(select(InspectionPlan).order_by(InspectionPlan.active.desc(), InspectionPlan.name)).all()
    return list(plans) if actor.is_admin else [p for p in plans if may_inspect(actor, p)]


def may_inspect(actor, plan: InspectionPlan) -> bool:
    """The office, the plan's inspectors and the people of its departments."""
    if not getattr(actor, "is_authenticated", False) or actor.role == Role.DISTRICT:
        return False
    return actor.is_admin or _names(plan, actor)


# ------------------------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    key: str  # "asset:12" or "location:7"
    asset_id: int | None
    location_id: int | None
    name: str
    number: str  # the asset number, or the room's full name
    code: str  # its label's code ("" when it has none)


def targets_of(plan: InspectionPlan) -> list[Target]:
    """What a round of the plan checks, as the books are now: items on the books, or rooms."""
    if plan.target_kind == TargetKind.ROOMS:
        rooms = _rooms_under(plan.location_ids)
        codes = dict(db.session.execute(select(Tag.location_id, Tag.code).where(Tag.location_id.in_(rooms), Tag.retired_at.is_(None))).all()) if rooms else {}
        rows = db.session.execute(select(Location.id, Location.name, Location.full_name).where(Location.id.in_(rooms))
                                  .order_by(Location.full_name)).all() if rooms else []
        return [Target(f"location:{r.id}", None, r.id, r.name, r.full_name, codes.get(r.id, "")) for r in rows]
    query = select(Asset.id, Asset.name, Asset.asset_number, Tag.code).outerjoin(
        Tag, (Tag.asset_id == Asset.id) & Tag.retired_at.is_(None)).where(Asset.status.not_in(OFF_THE_BOOKS))
    if plan.target_kind == TargetKind.CATEGORY:
        query = query.where(Asset.category_id.in_(descendant_ids(Category, plan.category_id)))
    else:
        query = query.where(Asset.id.in_(plan.asset_ids or [-1]))
    return [Target(f"asset:{r.id}", r.id, None, r.name, r.asset_number, r.code or "")
            for r in db.session.execute(query.order_by(Asset.asset_number))]


def target_count(plan: InspectionPlan) -> int:
    """How many items or rooms a round of the plan checks (targets_of, counted by the database)."""
    if plan.target_kind == TargetKind.ROOMS:
        return len(_rooms_under(plan.location_ids))
    query = select(func.count(Asset.id)).where(Asset.status.not_in(OFF_THE_BOOKS))
    if plan.target_kind == TargetKind.CATEGORY:
        query = query.where(Asset.category_id.in_(descendant_ids(Category, plan.category_id)))
    else:
        query = query.where(Asset.id.in_(plan.asset_ids or [-1]))
    return db.session.scalar(query) or 0


def _rooms_under(location_ids: list[int]) -> list[int]:
    """The chosen rooms, and every room inside a chosen building or floor."""
    kinds = dict(db.session.execute(select(Location.id, Location.kind)).all())
    rooms: set[int] = set()
    for location_id in location_ids:
        if kinds.get(location_id) in (LocationKind.ROOM, LocationKind.SPOT):
            rooms.add(location_id)
        else:
            rooms.update(i for i in descendant_ids(Location, location_id) if kinds.get(i) == LocationKind.ROOM)
    return sorted(rooms)


# -------------------------------------------------------------------------------------------------------- rounds


def round_for(plan: InspectionPlan, day: date) -> InspectionRound | None:
    """The plan's round for the period `day` falls in, begun now if nobody has begun it; None outside the plan's days
    or for a plan switched off."""
    period = period_containing(plan.frequency, day, plan.starts_on, plan.ends_on)
    if period is None or not plan.active:
        return None
    found = db.session.scalar(select(InspectionRound).where(InspectionRound.plan_id == plan.id, InspectionRound.period_start == period[0]))
    if found is not None:
        return found
    begun = InspectionRound(plan_id=plan.id, period_start=period[0], period_end=period[1], checklist=list(plan.checklist))
    try:
        with db.session.begin_nested():
            db.session.add(begun)
        db.session.commit()
    except IntegrityError:  # two phones opened it at the same moment: the other one begun it
        db.session.rollback()
        return db.session.scalar(select(InspectionRound).where(InspectionRound.plan_id == plan.id, InspectionRound.period_start == period[0]))
    return begun


def open_round(actor, plan_id: int, day: date) -> InspectionRound:
    """The round a person walks now: the current period's, for someone the plan names."""
    plan = get_plan(actor, plan_id)
    if not may_inspect(actor, plan):
        raise PermissionDeniedError(_("You are not one of the inspectors of “%(name)s”.", name=plan.name))
    found = round_for(plan, day)
    if found is None:
        raise NotFoundError(_("“%(name)s” has no round today.", name=plan.name))
    return found


def get_round(actor, round_id: int) -> InspectionRound:
    require_signed_in(actor)
    found = db.session.get(InspectionRound, round_id)
    if found is None:
        raise NotFoundError(_("There is no such inspection round."))
    return found


def close_round(actor, round_id: int) -> InspectionRound:
    """The office signs the period's record: no result is taken after this. Only a period that has ended."""
    require_admin(actor)
    get_round(actor, round_id)
    lock_document(InspectionRound, round_id)
    found = db.session.get(InspectionRound, round_id, populate_existing=True)
    if found.closed_at is not None:
        raise ConflictError(_("This round was closed already."))
    if found.period_end >= _today():
        raise ConflictError(_("A round can be closed once its period has ended (on %(day)s).", day=found.period_end.isoformat()))
    found.closed_at, found.closed_by_name = utcnow(), actor.display_name
    db.session.commit()
    return found


def today() -> date:
    """The school's date (its time zone, not the server's)."""
    from tagsvc.loans.services import school_today

    return school_today()


_today = today


@dataclass
class RoundView:
    """A round with what it checks and what was recorded so far (the phone's page and the API read this)."""

    round: InspectionRound
    targets: list[Target]
    results: list[InspectionResult]
    by_target: dict | None = field(default=None, repr=False)  # the results by item or room, gathered once

    def __getattr__(self, name):  # the round's own fields: id, plan, period_start, …
        return getattr(self.round, name)

    def result_of(self, target: Target) -> dict[str, InspectionResult]:
        if self.by_target is None:  # once for the page, not once per item: a round of 1,000 items has 5,000 lines
            self.by_target = {}
            for result in self.results:
                self.by_target.setdefault(result.target, {})[result.line_key] = result
        return self.by_target.get(target.key, {})

    def pairs_of(self, target: Target) -> list[tuple[dict, InspectionResult | None]]:
        """Each line of the round's checklist with its result on this item or room, or None."""
        recorded = self.result_of(target)
        return [(line, recorded.get(line["key"])) for line in self.checklist]


def round_view(actor, round_id: int) -> RoundView:
    """What a round checks and what was recorded, for the office and the plan's people."""
    found = get_round(actor, round_id)
    if not (may_inspect(actor, found.plan) or actor.is_admin):
        raise PermissionDeniedError(_("You are not one of the inspectors of “%(name)s”.", name=found.plan.name))
    results = db.session.scalars(select(InspectionResult).where(InspectionResult.round_id == found.id).order_by(InspectionResult.id)).all()
    return RoundView(found, targets_of(found.plan), list(results))


# ------------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ResultIn:
    result_id: str  # made on the phone (a UUID): the same id sent again counts nothing twice
    code: str  # the item's or room's label code (or its URL)
    line_key: str
    passed: bool
    note: str = ""
    checked_at: datetime | None = None


@dataclass
class ResultOut:
    result_id: str
    outcome: str  # "recorded", "already_checked" (someone checked that line first), "replayed" (received before)
    target: str
    name: str
    line_key: str
    passed: bool
    first_by: str = ""
    damage_report_id: int | None = None


def record_results(actor, round_id: int, results: list[ResultIn]) -> list[ResultOut]:
    """A phone's results for a round, in one request. Any bad result (a line not on the round's checklist, an item
    the round does not check, a failure without a word) refuses the whole batch and changes nothing; so does a
    closed round or a person the plan does not name. Each failed line of an item or a room opens a damage report, or joins
    the item's open one, in the same transaction."""
    require_signed_in(actor)
    if not results:
        raise ValidationError(_("Send at least one result."))
    if len(results) > MAX_BATCH:
        raise ValidationError(_("Send at most %(count)s results at a time.", count=MAX_BATCH))
    if len({r.result_id for r in results}) != len(results):
        raise ValidationError(_("The same result id appears twice in this batch."))
    get_round(actor, round_id)
    lock_document(InspectionRound, round_id, shared=True)  # results beside each other, never beside the round's closing
    current = db.session.get(InspectionRound, round_id)
    plan = current.plan
    if not may_inspect(actor, plan):
        raise PermissionDeniedError(_("You are not one of the inspectors of “%(name)s”.", name=plan.name))
    if current.closed_at is not None:
        raise ConflictError(_("This round was closed on %(day)s: nothing more can be recorded in it.", day=current.closed_at.date().isoformat()))
    try:
        answers = _record(actor, current, results)
        db.session.commit()
    except IntegrityError:
        # The same results arriving from another send at this moment (a retry while the first is on its way), or a
        # second phone checking the same line this very moment: sent again, each gets its answer.
        db.session.rollback()
        raise InFlightError(_("These results are being received right now from another send. Send them again in a moment.")) from None
    if any(a.outcome == "recorded" for a in answers):
        _note_when_done(round_id)
    return answers


def _note_when_done(round_id: int) -> None:
    """The school's date on which the round's last missing line arrived (once: a line recorded later changes nothing).
    Counted after the results were committed, holding the round alone: two phones sending the last two items at the
    same moment each count without the other's lines inside their own transactions, and neither would see the round
    done; here the later of the two counts both."""
    current = db.session.get(InspectionRound, round_id)
    if current is None or current.done_on is not None:
        return
    lock_document(InspectionRound, round_id)
    current = db.session.get(InspectionRound, round_id)
    checked = db.session.scalar(select(func.count()).select_from(InspectionResult).where(InspectionResult.round_id == round_id))
    if current.done_on is None and checked >= target_count(current.plan) * len(current.checklist):
        current.done_on = _today()
    db.session.commit()


def settle_done_dates() -> int:
    """Rounds recorded before the rounds noted their day of completion: the day of the line that completed them (as
    the items and rooms are counted now). Returns how many. Commits."""
    settled = 0
    for current in db.session.scalars(select(InspectionRound).where(InspectionRound.done_on.is_(None))):
        expected = target_count(current.plan) * len(current.checklist)
        times = db.session.scalars(select(InspectionResult.checked_at).where(InspectionResult.round_id == current.id)
                                   .order_by(InspectionResult.checked_at)).all()
        if expected and len(times) >= expected:
            current.done_on = _school_date(times[expected - 1])
            settled += 1
    db.session.commit()
    return settled


def _school_date(moment: datetime) -> date:
    from flask_babel import to_user_timezone

    return to_user_timezone(moment).date()


def _record(actor, current: InspectionRound, results: list[ResultIn]) -> list[ResultOut]:
    lines = {line["key"]: line["text"] for line in current.checklist}
    targets = {t.code: t for t in targets_of(current.plan) if t.code}
    for result in results:
        if not isinstance(result.result_id, str) or not 8 <= len(result.result_id) <= 64:
            raise ValidationError(_("Each result needs an id made on the phone (8 to 64 characters)."))
        if result.line_key not in lines:
            raise ValidationError(_("“%(line)s” is not a line of this round's checklist.", line=str(result.line_key)[:40]))
        code = code_in(result.code or "")
        if code is None or code not in targets:
            raise ValidationError(_("%(code)s is not one of the items or rooms this round checks.", code=str(result.code)[:40]))
        if not result.passed and not (result.note or "").strip():
            raise ValidationError(_("Say in a word what is wrong for each failed line."))
        if len(result.note or "") > MAX_NOTE:
            raise ValidationError(_("Keep each note under %(n)d characters.", n=MAX_NOTE))
    before = {row.result_id: row for row in db.session.scalars(
        select(InspectionResult).where(InspectionResult.result_id.in_([r.result_id for r in results])))}
    for row in before.values():
        if row.round_id != current.id:
            raise ValidationError(_("This result id was already used for something else."))
    firsts = {(row.target, row.line_key): row for row in db.session.scalars(
        select(InspectionResult).where(InspectionResult.round_id == current.id,
                                       InspectionResult.target.in_([targets[code_in(r.code)].key for r in results])))}
    now, answers = utcnow(), []
    for result in results:
        target = targets[code_in(result.code)]
        if result.result_id in before:
            row = before[result.result_id]
            answers.append(ResultOut(row.result_id, "replayed", row.target, target.name, row.line_key, row.passed,
                                     row.recorded_by_name, row.damage_report_id))
            continue
        first = firsts.get((target.key, result.line_key))
        if first is not None:
            answers.append(ResultOut(result.result_id, "already_checked", target.key, target.name, result.line_key, first.passed,
                                     first.recorded_by_name, first.damage_report_id))
            continue
        checked_at = result.checked_at if result.checked_at and abs(result.checked_at - now) < CLOCK_TOLERANCE else now
        row = InspectionResult(result_id=result.result_id, round_id=current.id, target=target.key, asset_id=target.asset_id,
                               location_id=target.location_id, line_key=result.line_key, line_text=lines[result.line_key],
                               passed=bool(result.passed), note=(result.note or "").strip(), recorded_by_id=actor.id,
                               recorded_by_name=actor.display_name, checked_at=checked_at, received_at=now)
        db.session.add(row)
        db.session.flush()
        if not row.passed:
            row.damage_report_id = _report_failure(actor, current, row)
        firsts[(target.key, result.line_key)] = row
        answers.append(ResultOut(row.result_id, "recorded", row.target, target.name, row.line_key, row.passed,
                                 actor.display_name, row.damage_report_id))
    return answers


def _report_failure(actor, current: InspectionRound, row: InspectionResult) -> int:
    """A failed line of an item or a room: a damage report for the office to triage as any other, or a note on the
    item's or room's open one (the office sees one report per fault, however many lines or rounds found it)."""
    from tagsvc.repairs.models import DamageKind, ReportAddition
    from tagsvc.repairs.services import Reporter, file_report, file_room_report, open_report_for, open_room_report_for

    words = _("Safety inspection “%(plan)s”: %(line)s: %(note)s", plan=current.plan.name, line=row.line_text, note=row.note)
    report = open_report_for(row.asset_id) if row.asset_id is not None else open_room_report_for(row.location_id)
    if report is not None:
        db.session.add(ReportAddition(report_id=report.id, note=words, reporter_name=actor.display_name, reporter_id=actor.id))
        return report.id
    if row.asset_id is None:  # a room's failure (a lab's gas left on, a dorm's broken socket): a report on the room
        return file_room_report(actor, row.location_id, DamageKind.UNSAFE, words, Reporter(name=actor.display_name)).id
    asset = db.session.get(Asset, row.asset_id)
    return file_report(actor, asset, DamageKind.UNSAFE, words, Reporter(name=actor.display_name)).id


def add_result_photo(actor, result_id: str, data: bytes) -> InspectionResult:
    """The photo of a failed line, sent after the line itself (a phone sends its lines first, then their photos):
    checked, re-encoded and kept with the line, and with the damage report the line opened or joined. Sent again,
    the first photo stands and nothing more is stored. Only the person who recorded the line (or the office) may
    add it; a photo may still arrive after its round was closed, for a line recorded before."""
    from tagsvc.photos.services import delete_photo, store_photo
    from tagsvc.repairs.models import ReportPhoto

    require_signed_in(actor)
    row = db.session.scalar(select(InspectionResult).where(InspectionResult.result_id == str(result_id)[:64]).with_for_update())
    if row is None:
        raise NotFoundError(_("No line was recorded with this id: send the line before its photo."))
    if not (actor.is_admin or row.recorded_by_id == actor.id):
        raise PermissionDeniedError(_("Only the person who checked this line adds its photo."))
    if row.passed:
        raise ValidationError(_("Only a failed line carries a photo."))
    if row.photo:
        db.session.rollback()
        return row
    name = store_photo(data)
    try:
        row.photo = name
        if row.damage_report_id is not None:
            db.session.add(ReportPhoto(report_id=row.damage_report_id, name=name))
        db.session.commit()
    except Exception:
        db.session.rollback()
        delete_photo(name)
        raise
    return row


# -------------------------------------------------------------------------------------------- worn out by date


@dataclass(frozen=True)
class Replacement:
    asset_id: int
    name: str
    number: str
    code: str
    place: str
    ends_on: date  # bought on + the plan's years of service

    def days_left(self, today: date) -> int:
        return (self.ends_on - today).days


def replacements_due(plan: InspectionPlan, today: date) -> list[Replacement]:
    """The plan's items whose years of service end within its warning days (or have ended), soonest first; nothing
    for a plan without years of service. An item without a purchase date cannot be told: it is left out."""
    if not plan.service_years or plan.target_kind == TargetKind.ROOMS:
        return []
    ids = [t.asset_id for t in targets_of(plan)]
    rows = db.session.execute(select(Asset.id, Asset.name, Asset.asset_number, Asset.purchase_date, Location.full_name, Tag.code)
                              .outerjoin(Location, Location.id == Asset.location_id)
                              .outerjoin(Tag, (Tag.asset_id == Asset.id) & Tag.retired_at.is_(None))
                              .where(Asset.id.in_(ids or [-1]), Asset.purchase_date.is_not(None))).all()
    horizon = today + timedelta(days=plan.replace_warning_days)
    due = []
    for row in rows:
        ends = _years_after(row.purchase_date, plan.service_years)
        if ends <= horizon:
            due.append(Replacement(row.id, row.name, row.asset_number, row.code or "", row.full_name or "", ends))
    return sorted(due, key=lambda r: (r.ends_on, r.number))


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year + years, day=28)


# -------------------------------------------------------------------------------------------------- what is due


@dataclass
class RoundState:
    plan: InspectionPlan
    period: tuple[date, date]
    round: InspectionRound | None
    expected: int  # target × checklist lines
    checked: int
    failed: int
    state: str  # "done", "due", "overdue", "closed"

    @property
    def late(self) -> bool:
        return self.state == "overdue"


def round_states(plan: InspectionPlan, first_day: date, last_day: date, today: date | None = None) -> list[RoundState]:
    """Each period of the plan between two days: how much of it was checked, and whether it is done, still due,
    overdue (ended and not done) or closed."""
    return states_of_plans([plan], first_day, last_day, today)


def states_of_plans(plans: list[InspectionPlan], first_day: date, last_day: date, today: date | None = None) -> list[RoundState]:
    """round_states for several plans in a fixed number of statements (rounds, their counts) plus one count of
    targets per plan: the header's count of what waits reads this on every page."""
    today = today or _today()
    periods = {plan.id: periods_between(plan.frequency, first_day, last_day, plan.starts_on, plan.ends_on) for plan in plans}
    wanted = [(plan_id, p[0]) for plan_id, found in periods.items() for p in found]
    rounds: dict[tuple[int, date], InspectionRound] = {}
    if wanted:
        starts = {start for _plan, start in wanted}
        for r in db.session.scalars(select(InspectionRound).where(InspectionRound.plan_id.in_(list(periods)),
                                                                  InspectionRound.period_start.in_(starts))):
            rounds[(r.plan_id, r.period_start)] = r
    counts = {row.round_id: row for row in db.session.execute(
        select(InspectionResult.round_id, func.count().label("checked"), func.sum(case((InspectionResult.passed.is_(False), 1), else_=0)).label("failed"))
        .where(InspectionResult.round_id.in_([r.id for r in rounds.values()])).group_by(InspectionResult.round_id))} if rounds else {}
    states = []
    for plan in plans:
        if not periods[plan.id]:
            continue
        targets = target_count(plan)
        for period in periods[plan.id]:
            found = rounds.get((plan.id, period[0]))
            lines = len(found.checklist if found else plan.checklist)
            count = counts.get(found.id) if found else None
            checked, failed = (count.checked, int(count.failed or 0)) if count else (0, 0)
            expected = targets * lines
            if found is not None and found.closed_at is not None:
                state = "closed"
            elif checked >= expected:  # a round with nothing to check (no item on the books) is not late either
                state = "done"
            elif period[1] < today:
                state = "overdue"
            else:
                state = "due"
            states.append(RoundState(plan, period, found, expected, checked, failed, state))
    return states


# How long a period that ended undone waits in 待我处理 (and is told to the groups) before it is only in the record.
OVERDUE_SHOWN_DAYS = 7


def waiting_rounds(actor, day: date | None = None) -> tuple[list[RoundState], list[RoundState]]:
    """What waits for a person in 待我处理: (this period's rounds not yet done, of the plans that name them; periods
    of the last week that ended undone and are not signed off: the office sees every plan's, an inspector their
    own plans'). An inspector may still finish a begun round late; the office signs a missed period off."""
    if not getattr(actor, "is_authenticated", False) or actor.role == Role.DISTRICT:
        return [], []
    day = day or today()
    plans = [p for p in plans_for(actor) if p.active]
    named = {p.id for p in plans if _names(p, actor)}
    watched = [p for p in plans if p.id in named or actor.is_admin]
    states = states_of_plans(watched, day - timedelta(days=OVERDUE_SHOWN_DAYS), day, day)
    due = sorted((s for s in states if s.state == "due" and s.plan.id in named), key=lambda s: (s.period[1], s.plan.name))
    overdue = sorted((s for s in states if s.state == "overdue"), key=lambda s: (s.period[1], s.plan.name))
    return due, overdue


# The header shows on every page how much waits for a person, rounds included; working that out takes a dozen
# statements. So each app server keeps a person's count of rounds for a minute, and forgets every count the moment
# it commits a change to a plan, a round or a result. Another server's header may lag by up to that minute;
# 待我处理 itself always works it out afresh.
_COUNT_KEPT_SECONDS = 60
_counts_lock = threading.Lock()


def _kept_counts() -> dict[tuple, tuple[float, int]]:
    return current_app.extensions.setdefault("inspection_waiting_counts", {})  # the app's, as the schools' settings


def waiting_rounds_count(actor) -> int:
    """How many entries waiting_rounds gives a person, for the header (kept a minute, see above)."""
    if not getattr(actor, "is_authenticated", False) or actor.role == Role.DISTRICT:
        return 0
    day = today()
    key = (actor.school_id, actor.id, actor.role, day)
    now = time.monotonic()
    counts = _kept_counts()
    with _counts_lock:
        kept = counts.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    count = sum(len(found) for found in waiting_rounds(actor, day))
    with _counts_lock:
        if len(counts) > 10_000:
            counts.clear()
        counts[key] = (now + _COUNT_KEPT_SECONDS, count)
    return count


@event.listens_for(Session, "after_flush")
def _note_inspection_writes(session, _context) -> None:
    if any(isinstance(row, (InspectionPlan, InspectionRound, InspectionResult)) for row in (*session.new, *session.dirty)):
        session.info["inspections_written"] = True


@event.listens_for(Session, "after_commit")
def _forget_counts(session) -> None:
    if session.info.pop("inspections_written", False) and has_app_context():
        with _counts_lock:
            _kept_counts().clear()
            current_app.extensions.get("inspection_plans", {}).clear()


# ------------------------------------------------------------------------------------- checks on a label's page


@dataclass(frozen=True)
class KeptPlan:
    """An active plan as a label's page matches it, with its targets worked out once."""

    id: int
    name: str
    frequency: Frequency
    starts_on: date
    ends_on: date | None
    checklist: tuple  # its lines, as dicts
    inspector_ids: frozenset
    department_ids: frozenset
    category_ids: frozenset  # a category plan's category and those below it
    asset_ids: frozenset
    room_ids: frozenset


def _kept_plans() -> list[KeptPlan]:
    """The school's active plans for the label pages, kept a minute per app server and forgotten on any inspection
    write, as the header's counts are: most scans match no plan, and then cost no statement at all."""
    from tagsvc.schools.wall import current_school_id

    kept = current_app.extensions.setdefault("inspection_plans", {})
    school, now = current_school_id(), time.monotonic()
    with _counts_lock:
        found = kept.get(school)
    if found is not None and found[0] > now:
        return found[1]
    plans = []
    for plan in db.session.scalars(select(InspectionPlan).where(InspectionPlan.active.is_(True))):
        plans.append(KeptPlan(
            plan.id, plan.name, plan.frequency, plan.starts_on, plan.ends_on, tuple(plan.checklist), frozenset(plan.inspector_ids or ()),
            frozenset(plan.department_ids or ()),
            frozenset(descendant_ids(Category, plan.category_id)) if plan.target_kind == TargetKind.CATEGORY and plan.category_id else frozenset(),
            frozenset(plan.asset_ids or ()) if plan.target_kind == TargetKind.ITEMS else frozenset(),
            frozenset(_rooms_under(plan.location_ids or [])) if plan.target_kind == TargetKind.ROOMS else frozenset()))
    with _counts_lock:
        kept[school] = (now + _COUNT_KEPT_SECONDS, plans)
    return plans


@dataclass
class CheckHere:
    """A plan's lines still to check on the item or room whose label was scanned, in the period running now."""

    plan: KeptPlan
    period: tuple[date, date]
    lines: list[dict]  # {"key", "text", "result": InspectionResult | None}
    target: Target

    @property
    def pairs(self) -> list[tuple[dict, InspectionResult | None]]:
        return [({"key": line["key"], "text": line["text"]}, line["result"]) for line in self.lines]


def checks_here(actor, *, asset_id: int | None = None, category_id: int | None = None, location_id: int | None = None,
                code: str = "", day: date | None = None) -> list[CheckHere]:
    """What a person the plans name still has to check on this item (with its category) or room this period (shown
    at the top of its label's page): nothing for a line already checked by anyone, a round closed, or a person no
    plan names. Costs no statement unless the item or room is in a plan that names the person."""
    if not getattr(actor, "is_authenticated", False) or actor.role == Role.DISTRICT:
        return []
    mine = [p for p in _kept_plans()
            if actor.id in p.inspector_ids or (p.department_ids and any(d.id in p.department_ids for d in actor.departments))]
    if location_id is not None:
        matched = [p for p in mine if location_id in p.room_ids]
    elif asset_id is not None:
        matched = [p for p in mine if asset_id in p.asset_ids or (category_id is not None and category_id in p.category_ids)]
    else:
        matched = []
    day = day or today()
    periods = {p.id: period_containing(p.frequency, day, p.starts_on, p.ends_on) for p in matched}
    matched = [p for p in matched if periods[p.id] is not None]
    if not matched:
        return []
    key = f"asset:{asset_id}" if location_id is None else f"location:{location_id}"
    rounds = {r.plan_id: r for r in db.session.scalars(select(InspectionRound).where(
        InspectionRound.plan_id.in_([p.id for p in matched]), InspectionRound.period_start.in_(list({periods[p.id][0] for p in matched}))))
        if r.period_start == periods[r.plan_id][0]}
    results: dict[tuple[int, str], InspectionResult] = {}
    if rounds:
        for row in db.session.scalars(select(InspectionResult).where(InspectionResult.round_id.in_([r.id for r in rounds.values()]),
                                                                     InspectionResult.target == key)):
            results[(row.round_id, row.line_key)] = row
    target = Target(key, asset_id, location_id, "", "", code)
    found = []
    for plan in matched:
        begun = rounds.get(plan.id)
        if begun is not None and begun.closed_at is not None:
            continue
        lines = [{"key": line["key"], "text": line["text"], "result": results.get((begun.id, line["key"])) if begun else None}
                 for line in (begun.checklist if begun else plan.checklist)]
        if any(line["result"] is None for line in lines):
            found.append(CheckHere(plan, periods[plan.id], lines, target))
    return found


def _names(plan: InspectionPlan, actor) -> bool:
    return actor.id in plan.inspector_ids or any(d.id in plan.department_ids for d in actor.departments)


def sign_off_missed(actor, plan_id: int, period_start: date) -> InspectionRound:
    """The office signs off a period that ended undone: its round (begun now if nobody began it, with nothing
    checked) is closed, and it leaves 待我处理; the record shows what was and was not checked."""
    require_admin(actor)
    plan = get_plan(actor, plan_id)
    period = period_containing(plan.frequency, period_start, plan.starts_on, plan.ends_on)
    if period is None or period[0] != period_start:
        raise NotFoundError(_("“%(name)s” has no period beginning on %(day)s.", name=plan.name, day=period_start.isoformat()))
    found = db.session.scalar(select(InspectionRound).where(InspectionRound.plan_id == plan.id, InspectionRound.period_start == period[0]))
    if found is None:
        if period[1] >= _today():
            raise ConflictError(_("A round can be closed once its period has ended (on %(day)s).", day=period[1].isoformat()))
        found = InspectionRound(plan_id=plan.id, period_start=period[0], period_end=period[1], checklist=list(plan.checklist))
        try:
            with db.session.begin_nested():
                db.session.add(found)
            db.session.commit()
        except IntegrityError:  # an inspector began it this very moment
            db.session.rollback()
            found = db.session.scalar(select(InspectionRound).where(InspectionRound.plan_id == plan.id, InspectionRound.period_start == period[0]))
    return close_round(actor, found.id)


def new_result_id() -> str:
    return str(uuid.uuid4())


# ------------------------------------------------------------------------------------------------------ the record


@dataclass
class RecordedRound:
    round: InspectionRound | None
    period: tuple[date, date]
    rows: list[tuple[Target, dict[str, InspectionResult]]]  # each item or room with its results by line key
    inspectors: list[str]
    last_checked: datetime | None

    @property
    def checked(self) -> int:
        return sum(len(results) for _target, results in self.rows)


@dataclass
class InspectionRecord:
    """A plan's record for a month (the form a bureau inspector asks to see): each period's round, who walked it,
    each line's result, and the failures with what became of them."""

    plan: InspectionPlan
    month: date  # its first day
    rounds: list[RecordedRound]
    failures: list[tuple[InspectionResult, object]]  # (the failed line, its damage report or None)


def inspection_record(actor, plan_id: int, month: date) -> InspectionRecord:
    from tagsvc.repairs.models import DamageReport

    plan = get_plan(actor, plan_id)
    if not (actor.is_admin or may_inspect(actor, plan) or actor.role == Role.DISTRICT):
        raise PermissionDeniedError(_("You are not one of the inspectors of “%(name)s”.", name=plan.name))
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    periods = periods_between(plan.frequency, first, last, plan.starts_on, plan.ends_on)
    rounds = {r.period_start: r for r in db.session.scalars(select(InspectionRound).where(
        InspectionRound.plan_id == plan.id, InspectionRound.period_start.in_([p[0] for p in periods])))} if periods else {}
    results = db.session.scalars(select(InspectionResult).where(InspectionResult.round_id.in_([r.id for r in rounds.values()]))
                                 .order_by(InspectionResult.checked_at, InspectionResult.id)).all() if rounds else []
    by_round: dict[int, dict[str, dict[str, InspectionResult]]] = {}
    for result in results:
        by_round.setdefault(result.round_id, {}).setdefault(result.target, {})[result.line_key] = result
    targets = targets_of(plan)
    recorded = []
    for period in periods:
        found = rounds.get(period[0])
        lines = by_round.get(found.id, {}) if found else {}
        mine = [r for t in lines.values() for r in t.values()]
        known = {t.key for t in targets}
        # An item that left the books since keeps its lines in the record, named as it was checked.
        gone = [Target(key, None, None, key, "", "") for key in lines if key not in known]
        recorded.append(RecordedRound(found, period, [(t, lines.get(t.key, {})) for t in [*targets, *gone]],
                                      list(dict.fromkeys(r.recorded_by_name for r in mine)), max((r.checked_at for r in mine), default=None)))
    failed = [r for r in results if not r.passed]
    reports = {r.id: r for r in db.session.scalars(select(DamageReport).where(
        DamageReport.id.in_([f.damage_report_id for f in failed if f.damage_report_id])))} if failed else {}
    return InspectionRecord(plan, first, recorded, [(f, reports.get(f.damage_report_id)) for f in failed])


def rounds_due_for(actor, day: date | None = None) -> list[RoundState]:
    """This period's rounds not yet done, of the plans that name a person (the office only where it is named too),
    the soonest to end first."""
    return waiting_rounds(actor, day)[0]
