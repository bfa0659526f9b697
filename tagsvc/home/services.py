"""What each role finds on its landing page: the work that is theirs, with counts, one query per figure."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.accounts.permissions import require_signed_in
from tagsvc.assets.models import OFF_THE_BOOKS, Asset
from tagsvc.extensions import db, utcnow
from tagsvc.i18n.markers import N_
from tagsvc.repairs import services as repairs
from tagsvc.repairs.models import OPEN_STATUSES, DamageReport, ReportStatus
from tagsvc.structure.models import Department


@dataclass(frozen=True)
class Tile:
    """One figure that needs attention, and where to deal with it."""

    label: str  # a message id, translated by the page
    count: int
    endpoint: str
    args: dict = field(default_factory=dict)
    late: bool = False


@dataclass(frozen=True)
class DepartmentSummary:
    department: Department
    assets: int
    open_reports: int


@dataclass
class Landing:
    role: Role
    decisions: list[Tile] = field(default_factory=list)  # the office: what waits for a decision
    departments: list[DepartmentSummary] = field(default_factory=list)  # a keeper's departments
    reports: list[DamageReport] = field(default_factory=list)  # new ones for the office; a keeper's open ones; a person's own
    work_orders: list[DamageReport] = field(default_factory=list)  # a repairer's open orders
    finished: list[DamageReport] = field(default_factory=list)  # a repairer's closed orders
    stocktakes: list = field(default_factory=list)  # open stocktakes the person takes part in (office: all open ones)
    transfers: list = field(default_factory=list)  # (transfer, steps) waiting for this person
    overdue_loans: int = 0  # items on loan past their due date that this person answers for
    glance: object = None  # the office: the register by property kind, and the latest ledger lines
    disposals: list = field(default_factory=list)  # the education bureau: disposals waiting for its decision
    school_transfers: list = field(default_factory=list)  # (transfer between schools, steps) waiting for this person
    rounds: list = field(default_factory=list)  # safety inspection rounds due or overdue for this person


def landing_for(actor) -> Landing:
    from tagsvc.inspections.services import rounds_due_for

    landing = _landing_for(actor)
    landing.rounds = rounds_due_for(actor)
    return landing


def _landing_for(actor) -> Landing:
    require_signed_in(actor)
    if actor.is_admin or actor.role == Role.KEEPER:
        from tagsvc.stocktake.services import stocktakes_for
        from tagsvc.transfers.between_schools import school_transfers_waiting
        from tagsvc.transfers.services import waiting_for

        landing = _office_landing(actor) if actor.is_admin else _keeper_landing(actor)
        landing.stocktakes = [s for s in stocktakes_for(actor) if s.is_open][:5]
        landing.transfers = waiting_for(actor)
        landing.school_transfers = school_transfers_waiting(actor)
        if not actor.is_admin:  # the office counts them among its tiles
            from tagsvc.loans.services import overdue_query, school_today

            landing.overdue_loans = db.session.scalar(select(func.count()).select_from(overdue_query(actor, school_today()).subquery()))
        return landing
    if actor.role == Role.DISTRICT:
        from tagsvc.disposals.services import waiting_for_approval
        from tagsvc.transfers.between_schools import school_transfers_waiting

        return Landing(Role.DISTRICT, disposals=waiting_for_approval(actor), school_transfers=school_transfers_waiting(actor))
    if actor.role == Role.REPAIRER:
        return Landing(Role.REPAIRER, work_orders=repairs.my_work_orders(actor), finished=repairs.finished_work_orders(actor, limit=10))
    return Landing(Role.STAFF, reports=repairs.reports_by(actor, limit=10))


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count(DamageReport.id)).where(*conditions))


def _office_landing(actor) -> Landing:
    from tagsvc.disposals.models import Disposal, DisposalStatus
    from tagsvc.loans.services import overdue_query, school_today
    from tagsvc.transfers.models import Transfer, TransferStatus

    to_approve = db.session.scalar(select(func.count(Transfer.id)).where(Transfer.status == TransferStatus.REQUESTED, Transfer.approved_at.is_(None)))
    decisions = [
        Tile(N_("New damage reports to decide"), _count(DamageReport.status == ReportStatus.NEW), "repairs.queue", {"status": "new"}),
        Tile(N_("Overdue repairs"), _count(repairs.overdue_clause(utcnow())), "repairs.queue", {"overdue": 1}, late=True),
        Tile(N_("Repairs under way"), _count(DamageReport.status.in_((ReportStatus.ACCEPTED, ReportStatus.IN_PROGRESS))), "repairs.queue", {}),
        Tile(N_("Not repairable: decide on disposal"), _count(DamageReport.status == ReportStatus.NOT_REPAIRABLE), "repairs.queue", {"status": "not_repairable"}),
        Tile(N_("Transfers to approve"), to_approve, "transfers.index", {}),
        Tile(N_("Disposals to approve"), db.session.scalar(select(func.count(Disposal.id)).where(Disposal.status == DisposalStatus.PROPOSED)),
             "approvals.index", {}),
        Tile(N_("Overdue loans"), db.session.scalar(select(func.count()).select_from(overdue_query(actor, school_today()).subquery())),
             "approvals.index", {}, late=True),
    ]
    from tagsvc.reports.services import glance

    return Landing(Role.ADMIN, decisions=decisions, reports=repairs.office_queue(actor, ReportStatus.NEW, limit=5), glance=glance(actor))


def _keeper_landing(actor) -> Landing:
    department_ids = [d.id for d in actor.departments]
    assets = dict(db.session.execute(
        select(Asset.department_id, func.count(Asset.id)).where(Asset.department_id.in_(department_ids), Asset.status.not_in(OFF_THE_BOOKS))
        .group_by(Asset.department_id)
    ).all()) if department_ids else {}
    open_reports = dict(db.session.execute(
        select(Asset.department_id, func.count(DamageReport.id)).join(Asset, Asset.id == DamageReport.asset_id)
        .where(Asset.department_id.in_(department_ids), DamageReport.status.in_(OPEN_STATUSES)).group_by(Asset.department_id)
    ).all()) if department_ids else {}
    summaries = [DepartmentSummary(d, assets.get(d.id, 0), open_reports.get(d.id, 0)) for d in actor.departments]
    return Landing(Role.KEEPER, departments=summaries, reports=repairs.office_queue(actor, limit=10) if department_ids else [])
