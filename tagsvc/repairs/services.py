"""From a damage report on the scan page to the repaired item: report, triage, repair, close.

Anyone may report, signed in or not; the office triages (accept with a priority and a repairer, reject as not a
fault, or merge into another report); the repairer starts and finishes the work or finds it not repairable. Each
step writes the asset's ledger, and the asset's status follows: damaged when reported, under repair while worked
on, back in use when done.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, func, or_, select

from tagsvc.schools.web import default_language
from tagsvc.accounts.models import Role, User
from tagsvc.accounts.permissions import require_admin, require_signed_in
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.assets.states import SERVICE_STATUSES, Governance, condition_for, register_status_governor
from tagsvc.errors import ConflictError, NotFoundError, PermissionDeniedError, TooManyRequestsError, ValidationError
from tagsvc.extensions import db, lock_document, utcnow
from tagsvc.i18n.markers import N_
from tagsvc.ledger.models import LedgerAction
from tagsvc.ledger.services import _record_event
from tagsvc.photos.services import store_photo, store_photos
from tagsvc.repairs.models import OPEN_STATUSES, DamageKind, DamageReport, Priority, ReportAddition, ReportPhoto, ReportStatus
from tagsvc.tags.services import look_up_tag
from tagsvc.channels.services import damage_reported, repair_assigned

MAX_PHOTOS = 3
MAX_DESCRIPTION = 2000
# Anonymous reports (new ones and details added to open ones) per client, and per asset from everyone, per hour.
# A class reporting a broken projector one by one stays well inside; a script flooding the form does not.
PER_CLIENT_PER_HOUR = 6
PER_ASSET_PER_HOUR = 12
OVERDUE_AFTER = {Priority.URGENT: timedelta(days=1), Priority.NORMAL: timedelta(days=7), Priority.LOW: timedelta(days=30)}
NEW_REPORT_SUBJECT = N_("Damage report #%(id)d: %(name)s")
ASSIGNED_SUBJECT = N_("Work order #%(id)d for you: %(name)s")
_PRIORITY_ORDER = case({Priority.URGENT: 0, Priority.NORMAL: 1, Priority.LOW: 2}, value=DamageReport.priority)


RateLimitedError = TooManyRequestsError

@dataclass(frozen=True)
class Reporter:
    """Who reports, all optional; filled in from the account when signed in."""

    name: str = ""
    group: str = ""  # class or department
    contact: str = ""


def _clean_reporter(reporter: Reporter, actor) -> Reporter:
    name, group, contact = (reporter.name or "").strip(), (reporter.group or "").strip(), (reporter.contact or "").strip()
    if actor is not None and actor.is_authenticated:
        name = name or actor.display_name
        group = group or "、".join(d.name for d in actor.departments)
    for value in (name, group, contact):
        if len(value) > 100:
            raise ValidationError(_("Name, class and contact may have at most 100 characters each."))
    return Reporter(name, group, contact)


def _signed_in(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _check_rate(actor, asset_id: int, client_hash: str) -> None:
    if _signed_in(actor):
        return  # accounts are known people; limits are for the open form
    since = utcnow() - timedelta(hours=1)
    from_client = db.session.scalar(
        select(func.count()).select_from(DamageReport).where(DamageReport.client_hash == client_hash, DamageReport.created_at >= since)
    ) + db.session.scalar(
        select(func.count()).select_from(ReportAddition).where(ReportAddition.client_hash == client_hash, ReportAddition.created_at >= since)
    )
    if from_client >= PER_CLIENT_PER_HOUR:
        raise RateLimitedError(_("You have sent many reports in the last hour. Please wait a while, or tell the logistics office directly."))
    for_asset = db.session.scalar(
        select(func.count()).select_from(DamageReport).where(DamageReport.asset_id == asset_id, DamageReport.created_at >= since)
    ) + db.session.scalar(
        select(func.count()).select_from(ReportAddition).join(DamageReport, DamageReport.id == ReportAddition.report_id)
        .where(DamageReport.asset_id == asset_id, ReportAddition.created_at >= since)
    )
    if for_asset >= PER_ASSET_PER_HOUR:
        raise RateLimitedError(_("This item has had many reports in the last hour; the office has been told. Please try again later."))


def asset_for_code(raw_code: str) -> Asset:
    tag = look_up_tag(raw_code).tag
    if tag is None or tag.asset_id is None:
        raise NotFoundError(_("No item has this label code."))
    return db.session.get(Asset, tag.asset_id)


def open_report_for(asset_id: int) -> DamageReport | None:
    return db.session.scalar(
        select(DamageReport).where(DamageReport.asset_id == asset_id, DamageReport.status.in_(OPEN_STATUSES))
        .order_by(DamageReport.created_at.desc()).limit(1)
    )


def submit_report(actor, raw_code: str, kind: DamageKind, description: str, reporter: Reporter = Reporter(),
                  photos: list[bytes] = (), client_hash: str = "", handout_id: int | None = None) -> DamageReport:
    """A new damage report for the item behind a label. When the item already has an open report, a
    ConflictError says so: the person adds their details to that one instead (add_to_report). `handout_id`: found
    damaged on return from that loan (its borrower is the likely liable party)."""
    asset = asset_for_code(raw_code)
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("Please describe what is wrong."))
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError(_("Please keep the description under %(n)d characters.", n=MAX_DESCRIPTION))
    kind = DamageKind(kind)
    reporter = _clean_reporter(reporter, actor)
    if open_report_for(asset.id) is not None:
        raise ConflictError(_("This item has already been reported and the repair is under way."))
    _check_rate(actor, asset.id, client_hash)
    report = file_report(actor, asset, kind, description, reporter, store_photos(list(photos), MAX_PHOTOS), client_hash, handout_id)
    db.session.commit()
    return report


def file_report(actor, asset: Asset, kind: DamageKind, description: str, reporter: Reporter = Reporter(), photo_names: list[str] = (),
                client_hash: str = "", handout_id: int | None = None) -> DamageReport:
    """A checked report for an item with no open one, in the caller's transaction (a safety inspection's failed line
    files its report with the results that found it): the ledger, the groups and the office's email follow."""
    report = DamageReport(
        asset_id=asset.id, kind=kind, description=description, reporter_name=reporter.name, reporter_group=reporter.group,
        reporter_contact=reporter.contact, reporter_id=actor.id if _signed_in(actor) else None, client_hash=client_hash,
        asset_status_before=asset.status, photos=[ReportPhoto(name=n) for n in photo_names], handout_id=handout_id,
    )
    db.session.add(report)
    # A report is a claim until the office has looked at it: the asset's status and condition stay as the
    # books have them; the scan page says "reported, waiting for the office" instead (honest state).
    db.session.flush()
    _record_event(asset, LedgerAction.DAMAGE_REPORTED, actor if _signed_in(actor) else None, note=_report_note(report))
    damage_reported(report)  # the groups that want it hear of it (recorded now, sent by the job queue's worker)
    _tell_the_office(report)  # by email, queued when this commits
    return report


def open_room_report_for(location_id: int) -> DamageReport | None:
    return db.session.scalar(
        select(DamageReport).where(DamageReport.location_id == location_id, DamageReport.status.in_(OPEN_STATUSES))
        .order_by(DamageReport.created_at.desc()).limit(1)
    )


def file_room_report(actor, location_id: int, kind: DamageKind, description: str, reporter: Reporter = Reporter()) -> DamageReport:
    """A report on a room (a safety inspection's failed line of a lab or a dorm room), in the caller's transaction:
    the office triages and repairs it as any other; no item's status or ledger moves with it."""
    report = DamageReport(
        location_id=location_id, kind=kind, description=description, reporter_name=reporter.name, reporter_group=reporter.group,
        reporter_contact=reporter.contact, reporter_id=actor.id if _signed_in(actor) else None,
    )
    db.session.add(report)
    db.session.flush()
    damage_reported(report)
    _tell_the_office(report)
    return report


def _tell_the_office(report: DamageReport) -> None:
    """A new report: an email to the office's repair address and to office accounts with an email address."""
    admins = db.session.scalars(select(User.email).where(User.role == Role.ADMIN, User.active.is_(True), User.email != ""))
    recipients = list(dict.fromkeys([*(current_app.config.get("REPAIR_NOTIFY") or []), *admins]))
    _email_about(report, recipients, NEW_REPORT_SUBJECT)


def _tell_the_repairer(report: DamageReport) -> None:
    if report.assignee is not None and report.assignee.email:
        _email_about(report, [report.assignee.email], ASSIGNED_SUBJECT)


def _email_about(report: DamageReport, recipients: list[str], subject_text: str) -> None:
    """A short plain email about a report, in the school's default language, when mail is set up."""
    from flask_babel import force_locale

    from tagsvc.mail import mail_configured, send_mail
    from tagsvc.repairs.display import DAMAGE_KIND_LABELS, PRIORITY_LABELS

    if not recipients or not mail_configured():
        return
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    asset = report.asset
    with force_locale(default_language(report.school_id)):
        subject = _(subject_text, id=report.id, name=report.subject_name)
        lines = [
            f"{asset.name} · {asset.asset_number}" if asset is not None else report.subject_name,
            asset.location.full_name if asset is not None and asset.location else "",
            _("%(kind)s: %(text)s", kind=_(DAMAGE_KIND_LABELS[report.kind]), text=report.description_words),
            _(PRIORITY_LABELS[report.priority]) if report.status != ReportStatus.NEW else "",
            " · ".join(x for x in (report.reporter_name, report.reporter_group, report.reporter_contact) if x),
            f"{base}/repairs/{report.id}" if base else f"/repairs/{report.id}",
        ]
    send_mail(recipients, subject, "\n".join(line for line in lines if line))


def add_to_report(actor, report_id: int, note: str = "", reporter: Reporter = Reporter(), client_hash: str = "",
                  raw_code: str | None = None) -> ReportAddition:
    """Someone else saw the same fault: their details and words join the open report. From a scanned label
    (`raw_code`), only the report on that label's item: report ids are not secrets, a label is what grants it."""
    report = db.session.get(DamageReport, report_id)
    if report is not None and raw_code is not None and report.asset_id != asset_for_code(raw_code).id:
        raise NotFoundError(_("That report is not about this item. Scan the item's own label to add to its report."))
    if report is None or not report.is_open:
        raise NotFoundError(_("That report is closed; if the item is still broken, report it again."))
    reporter = _clean_reporter(reporter, actor)
    note = (note or "").strip()
    if not (note or reporter.name or reporter.contact):
        raise ValidationError(_("Add a note or your name or contact, so the office can reach you."))
    if len(note) > MAX_DESCRIPTION:
        raise ValidationError(_("Please keep the description under %(n)d characters.", n=MAX_DESCRIPTION))
    _check_rate(actor, report.asset_id, client_hash)
    addition = ReportAddition(report_id=report.id, note=note, reporter_name=reporter.name, reporter_group=reporter.group,
                              reporter_contact=reporter.contact, reporter_id=actor.id if _signed_in(actor) else None, client_hash=client_hash)
    db.session.add(addition)
    db.session.commit()
    return addition


def _state_change(asset: Asset, status: AssetStatus) -> dict:
    """Move the asset to a status a repair step implies, with the condition that fits it; the changes for the ledger."""
    changes = {}
    before_status, before_condition = AssetStatus(asset.status), AssetCondition(asset.condition)
    status = AssetStatus(status)
    condition = condition_for(status, before_condition)
    if before_status != status:
        changes["status"] = [before_status.value, status.value]
        asset.status = status
    if before_condition != condition:
        changes["condition"] = [before_condition.value, condition.value]
        asset.condition = condition
    return changes


def _report_note(report: DamageReport) -> str:
    return f"#{report.id} · {report.description[:200]}"


def _move_asset(report: DamageReport, status: AssetStatus, action: LedgerAction, actor, note: str = "") -> None:
    asset = report.asset
    if asset is None:  # a room's report: no item's status or ledger follows it
        return
    _record_event(asset, action, actor, changes=_state_change(asset, status), note=note or f"#{report.id}")


def get_report(actor, report_id: int) -> DamageReport:
    require_signed_in(actor)
    report = db.session.get(DamageReport, report_id)
    if report is None:
        raise NotFoundError(_("There is no such report."))
    if not report.readable_by(actor):
        raise PermissionDeniedError(_("Only the logistics office, the assigned repairer and the department's keeper see this report."))
    return report


@dataclass(frozen=True)
class Triage:
    decision: str  # "accept", "reject" or "merge"
    priority: Priority = Priority.NORMAL
    assignee_id: int | None = None
    merge_into_id: int | None = None
    note: str = ""


def triage_report(actor, report_id: int, triage: Triage) -> DamageReport:
    require_admin(actor)
    from tagsvc.repairs.display import REPORT_STATUS_LABELS

    lock_document(DamageReport, report_id)  # two office members deciding at once: the second reads the first's decision
    report = db.session.get(DamageReport, report_id)
    if report is None:
        raise NotFoundError(_("There is no such report."))
    if report.status != ReportStatus.NEW and not (triage.decision == "accept" and report.status == ReportStatus.ACCEPTED):
        raise ConflictError(_("This report has been dealt with already (%(status)s at %(time)s).", status=_(REPORT_STATUS_LABELS[report.status]),
                              time=format_datetime(report.triaged_at or report.created_at, "short")))
    note = (triage.note or "").strip()
    newly_assigned = False
    if triage.decision == "accept":
        repairer = db.session.get(User, triage.assignee_id) if triage.assignee_id else None
        if repairer is None or repairer.role not in (Role.REPAIRER, Role.ADMIN) or not repairer.active:
            raise ValidationError(_("Choose who will repair it."))
        newly_assigned = report.assignee_id != repairer.id
        first_time = report.status == ReportStatus.NEW
        report.status, report.priority, report.assignee_id = ReportStatus.ACCEPTED, Priority(triage.priority), repairer.id
        report.assignee = repairer
        if first_time and report.asset is not None:
            # The office confirms the fault: from now on the books say the item is damaged.
            damaged = AssetStatus.DAMAGED if report.asset.status in SERVICE_STATUSES else report.asset.status
            _move_asset(report, damaged, LedgerAction.REPORT_ACCEPTED, actor, note=f"#{report.id} · {repairer.display_name}")
    elif triage.decision == "reject":
        if not note:
            raise ValidationError(_("Say why this is not a fault; the reporter's next scan shows nothing, the history does."))
        report.status = ReportStatus.REJECTED
        if report.asset is not None:
            _move_asset(report, report.asset_status_before if report.asset.status == AssetStatus.DAMAGED else report.asset.status,
                        LedgerAction.REPORT_REJECTED, actor, note=f"#{report.id} · {note}")
    elif triage.decision == "merge":
        target = db.session.get(DamageReport, triage.merge_into_id) if triage.merge_into_id else None
        if (target is None or target.id == report.id or (target.asset_id, target.location_id) != (report.asset_id, report.location_id)
                or target.status in (ReportStatus.MERGED, ReportStatus.REJECTED)):
            raise ValidationError(_("Merge only into another report on the same item."))
        report.status, report.merged_into_id = ReportStatus.MERGED, target.id
        if report.asset is not None:
            _record_event(report.asset, LedgerAction.REPORT_MERGED, actor, note=f"#{report.id} → #{target.id}")
    else:
        raise ValidationError(_("Accept, reject or merge the report."))
    report.office_note = note or report.office_note
    report.triaged_at = report.triaged_at or utcnow()
    if triage.decision == "accept" and newly_assigned:
        repair_assigned(report)  # the repairers' group hears of it
        _tell_the_repairer(report)  # by email, queued when this commits
    db.session.commit()
    return report


def _require_assigned(actor, report: DamageReport) -> None:
    require_signed_in(actor)
    if not (actor.is_admin or report.assignee_id == actor.id):
        raise PermissionDeniedError(_("This work order is assigned to someone else."))


def start_repair(actor, report_id: int) -> DamageReport:
    get_report(actor, report_id)
    lock_document(DamageReport, report_id)
    report = get_report(actor, report_id)
    _require_assigned(actor, report)
    if report.status != ReportStatus.ACCEPTED:
        raise ConflictError(_("Only a scheduled repair can be started."))
    report.status, report.started_at = ReportStatus.IN_PROGRESS, utcnow()
    _move_asset(report, AssetStatus.UNDER_REPAIR, LedgerAction.REPAIR_STARTED, actor)
    db.session.commit()
    return report


def finish_repair(actor, report_id: int, note: str, parts_cost: Decimal | None = None, photo: bytes | None = None,
                  repairable: bool = True) -> DamageReport:
    """Close the work order: repaired (the item is back in use), or not repairable (the office is asked to
    dispose of it)."""
    get_report(actor, report_id)
    lock_document(DamageReport, report_id)  # finished twice at once (two phones of one repairer): once
    report = get_report(actor, report_id)
    _require_assigned(actor, report)
    if report.status not in (ReportStatus.ACCEPTED, ReportStatus.IN_PROGRESS):
        raise ConflictError(_("This work order is not open."))
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say what was done (or why it cannot be repaired)."))
    if parts_cost is not None and (parts_cost < 0 or parts_cost > Decimal("1000000")):
        raise ValidationError(_("The cost of parts must be between 0 and 1,000,000 yuan."))
    if photo:
        report.repair_photo = store_photo(photo)
    report.repair_note, report.parts_cost, report.finished_at = note, parts_cost, utcnow()
    report.started_at = report.started_at or report.finished_at
    cost = f" · ¥{parts_cost:.2f}" if parts_cost is not None else ""
    if repairable:
        report.status = ReportStatus.DONE
        _move_asset(report, AssetStatus.IN_USE, LedgerAction.REPAIR_DONE, actor, note=f"#{report.id} · {note}{cost}")
    else:
        report.status = ReportStatus.NOT_REPAIRABLE
        _move_asset(report, AssetStatus.DAMAGED, LedgerAction.REPAIR_NOT_REPAIRABLE, actor, note=f"#{report.id} · {note}{cost}")
    db.session.commit()
    return report


def my_work_orders(actor) -> list[DamageReport]:
    """A repairer's open orders: most urgent first, then oldest first."""
    require_signed_in(actor)
    return list(db.session.scalars(
        select(DamageReport).where(DamageReport.assignee_id == actor.id, DamageReport.status.in_((ReportStatus.ACCEPTED, ReportStatus.IN_PROGRESS)))
        .order_by(_PRIORITY_ORDER, DamageReport.created_at)
    ))


def office_queue(actor, status: ReportStatus | None = None, limit: int = 200, overdue: bool = False) -> list[DamageReport]:
    """The repair queue: every report for the office; for a keeper, the reports on their departments' items (to
    follow, not to decide). Open ones by default, most urgent and oldest first."""
    require_signed_in(actor)
    query = select(DamageReport).order_by(_PRIORITY_ORDER, DamageReport.created_at).limit(limit)
    if actor.role == Role.KEEPER:
        query = query.join(Asset, Asset.id == DamageReport.asset_id).where(Asset.department_id.in_([d.id for d in actor.departments]))
    elif not actor.is_admin:
        raise PermissionDeniedError(_("Only the logistics office and department keepers follow the repair queue."))
    if overdue:
        query = query.where(overdue_clause(utcnow()))
    elif status:
        query = query.where(DamageReport.status == status)
    else:
        query = query.where(DamageReport.status.in_(OPEN_STATUSES))
    return list(db.session.scalars(query))


def reports_by(actor, limit: int = 20) -> list[DamageReport]:
    """The reports a signed-in person sent, newest first, so they can see what became of them."""
    require_signed_in(actor)
    return list(db.session.scalars(
        select(DamageReport).where(DamageReport.reporter_id == actor.id).order_by(DamageReport.created_at.desc()).limit(limit)
    ))


def finished_work_orders(actor, limit: int = 20) -> list[DamageReport]:
    """A repairer's closed orders, newest first."""
    require_signed_in(actor)
    return list(db.session.scalars(
        select(DamageReport).where(DamageReport.assignee_id == actor.id, DamageReport.status.in_((ReportStatus.DONE, ReportStatus.NOT_REPAIRABLE)))
        .order_by(DamageReport.finished_at.desc()).limit(limit)
    ))


def overdue_clause(now):
    working = DamageReport.status.in_((ReportStatus.ACCEPTED, ReportStatus.IN_PROGRESS))
    late = or_(*(and_(DamageReport.priority == priority, DamageReport.created_at < now - allowed) for priority, allowed in OVERDUE_AFTER.items()))
    return and_(working, late)


def is_overdue(report: DamageReport) -> bool:
    return report.is_open and report.status != ReportStatus.NEW and utcnow() - report.created_at > OVERDUE_AFTER[report.priority]


@dataclass(frozen=True)
class RepairCounts:
    new: int
    overdue: int


def _build_counts_query(for_repairer: bool):
    """Both counts of the header in one statement. Plain comparisons, no IN lists: a PreparedRead compiles to
    fixed SQL once. The cut-off times are parameters (now minus each priority's allowance)."""
    working = or_(DamageReport.status == ReportStatus.ACCEPTED, DamageReport.status == ReportStatus.IN_PROGRESS)
    late = and_(working, or_(*(and_(DamageReport.priority == priority, DamageReport.created_at < bindparam(f"late_{priority.value}", type_=DamageReport.created_at.type))
                               for priority in OVERDUE_AFTER)))
    new = DamageReport.status == (ReportStatus.ACCEPTED if for_repairer else ReportStatus.NEW)
    query = select(func.count(case((new, 1))), func.count(case((late, 1)))).where(or_(DamageReport.status == ReportStatus.NEW, working))
    if for_repairer:
        query = query.where(DamageReport.assignee_id == bindparam("user_id"))
    return query


# Read on every page a signed-in person opens, so outside a transaction (see PreparedRead).
_OFFICE_COUNTS = db.prepared_read(_build_counts_query(for_repairer=False))
_REPAIRER_COUNTS = db.prepared_read(_build_counts_query(for_repairer=True))


def repair_counts(actor) -> RepairCounts | None:
    """What needs attention, for the count on every page: new reports for the office, newly assigned orders
    for a repairer; overdue ones for both. One counting query, whatever the number of orders."""
    if not _signed_in(actor) or actor.role not in (Role.ADMIN, Role.REPAIRER):
        return None
    now = utcnow()
    cutoffs = {f"late_{priority.value}": now - allowed for priority, allowed in OVERDUE_AFTER.items()}
    if actor.is_admin:
        new, overdue = _OFFICE_COUNTS.first(**cutoffs)
    else:
        new, overdue = _REPAIRER_COUNTS.first(user_id=actor.id, **cutoffs)
    return RepairCounts(new=new, overdue=overdue)


def repairers() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_((Role.REPAIRER, Role.ADMIN)), User.active.is_(True)).order_by(User.role.desc(), User.display_name)))


@register_status_governor
def _open_report_governs(asset_id: int) -> Governance | None:
    """While a report is open, its repair steps decide the status; a hand edit would contradict them."""
    report = open_report_for(asset_id)
    if report is None:
        return None
    return Governance(_("damage report #%(id)d is open; its repair steps set the status.", id=report.id), "repairs.detail", report_id=report.id)


@dataclass(frozen=True)
class OpenReportLink:
    """An item's open report as its pages show it to signed-in staff: the report and what this person can do."""

    report: DamageReport
    action: str | None  # a message id for the button, None when the person only follows it


def open_report_link(actor, asset_id: int) -> OpenReportLink | None:
    """The item's open report, when this person may read it (see DamageReport.readable_by)."""
    if not _signed_in(actor):
        return None
    report = open_report_for(asset_id)
    if report is None or not report.readable_by(actor):
        return None
    if actor.is_admin and report.status == ReportStatus.NEW:
        action = N_("Decide on the report")
    elif actor.is_admin or report.assignee_id == actor.id:
        action = N_("Open the work order")
    else:
        action = None
    return OpenReportLink(report, action)


def readable_report_ids(actor, report_ids) -> set[int]:
    """Of these reports (named in an item's history), the ones this person may open: one query."""
    ids = {i for i in report_ids if i}
    if not ids or not _signed_in(actor):
        return set()
    reports = db.session.scalars(select(DamageReport).where(DamageReport.id.in_(ids)))
    return {r.id for r in reports if r.readable_by(actor)}
