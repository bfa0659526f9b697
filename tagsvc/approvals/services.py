"""What waits for one person's decision or action, gathered from the features that own it, and its count for the
header (one fixed statement on every page)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Boolean, and_, bindparam, exists, func, or_, select

from tagsvc.accounts.models import Role, department_keeper
from tagsvc.assets.models import Asset
from tagsvc.disposals import services as disposals
from tagsvc.disposals.models import Disposal, DisposalStatus
from tagsvc.extensions import db
from tagsvc.inspections import services as inspections
from tagsvc.loans import services as loans
from tagsvc.loans.models import Handout, HandoutItem, HandoutKind
from tagsvc.transfers import between_schools
from tagsvc.transfers import services as transfers
from tagsvc.transfers.models import SchoolTransfer, SchoolTransferStatus, Transfer, TransferStatus


@dataclass
class Waiting:
    transfers: list = field(default_factory=list)  # (transfer, steps)
    disposals: list = field(default_factory=list)
    overdue: list = field(default_factory=list)  # loan items
    school_transfers: list = field(default_factory=list)  # (transfer between schools, steps)
    rounds: list = field(default_factory=list)  # inspection rounds due this period (RoundState)
    overdue_rounds: list = field(default_factory=list)  # inspection periods that ended undone, not signed off

    @property
    def count(self) -> int:
        return (len(self.transfers) + len(self.disposals) + len(self.overdue) + len(self.school_transfers) + len(self.rounds)
                + len(self.overdue_rounds))


def waiting_for(actor) -> Waiting:
    if actor is not None and actor.is_authenticated and actor.role == Role.DISTRICT:
        # the education bureau: its disposals and transfers between schools
        return Waiting(disposals=disposals.waiting_for_approval(actor), school_transfers=between_schools.school_transfers_waiting(actor))
    if actor is None or not actor.is_authenticated:
        return Waiting()
    rounds, overdue_rounds = inspections.waiting_rounds(actor)
    if actor.role not in (Role.ADMIN, Role.KEEPER):  # a teacher or a repairer: the inspection rounds they walk
        return Waiting(rounds=rounds, overdue_rounds=overdue_rounds)
    return Waiting(transfers=transfers.waiting_for(actor, limit=100), disposals=disposals.waiting_for_approval(actor),
                   overdue=loans.overdue_items(actor), school_transfers=between_schools.school_transfers_waiting(actor),
                   rounds=rounds, overdue_rounds=overdue_rounds)


def _keeps(department_id_column):
    return exists().where(department_keeper.c.user_id == bindparam("user_id"), department_keeper.c.department_id == department_id_column)


def _build_count_query(for_office: bool):
    """Everything the approvals page lists for one person, counted in one statement of fixed SQL (a PreparedRead):
    the person and today are parameters."""
    overdue = (select(func.count(HandoutItem.id)).join(Handout, Handout.id == HandoutItem.handout_id)
               .where(Handout.kind == HandoutKind.LOAN, HandoutItem.returned_at.is_(None), Handout.due_on < bindparam("today", type_=Handout.due_on.type)))
    if for_office:
        transfer_steps = select(func.count(Transfer.id)).where(Transfer.status == TransferStatus.REQUESTED, Transfer.approved_at.is_(None))
        to_approve = (select(func.count(Disposal.id)).where(
            Disposal.status == DisposalStatus.PROPOSED, ~and_(*disposals.office_done()),
            or_(Disposal.first_approved_by_id.is_(None), Disposal.first_approved_by_id != bindparam("user_id")),
            or_(bindparam("self_approval", type_=Boolean), Disposal.proposed_by_id != bindparam("user_id"))))
        arriving = select(func.count(SchoolTransfer.id)).where(
            SchoolTransfer.to_school_id == bindparam("school_id"),
            or_(SchoolTransfer.status == SchoolTransferStatus.OFFERED, SchoolTransfer.status == SchoolTransferStatus.APPROVED))
        return select(transfer_steps.scalar_subquery() + to_approve.scalar_subquery() + overdue.scalar_subquery() + arriving.scalar_subquery())
    transfer_steps = select(func.count(Transfer.id)).where(
        _keeps(Transfer.to_department_id),
        or_(and_(Transfer.status == TransferStatus.REQUESTED, Transfer.accepted_at.is_(None)), Transfer.status == TransferStatus.APPROVED))
    overdue = (overdue.join(Asset, Asset.id == HandoutItem.asset_id)
               .where(or_(_keeps(Asset.department_id), Handout.created_by_id == bindparam("user_id"))))
    arriving = select(func.count(SchoolTransfer.id)).where(
        SchoolTransfer.to_school_id == bindparam("school_id"), SchoolTransfer.status == SchoolTransferStatus.APPROVED,
        _keeps(SchoolTransfer.to_department_id))
    return select(transfer_steps.scalar_subquery() + overdue.scalar_subquery() + arriving.scalar_subquery())


_OFFICE_COUNT = db.prepared_read(_build_count_query(for_office=True))
_KEEPER_COUNT = db.prepared_read(_build_count_query(for_office=False))
_BUREAU_COUNT = db.prepared_read(select(
    select(func.count(Disposal.id)).where(*disposals.waiting_for_bureau_clause()).scalar_subquery()
    + select(func.count(SchoolTransfer.id)).where(SchoolTransfer.status == SchoolTransferStatus.ACCEPTED).scalar_subquery()))


def waiting_count(actor) -> int:
    """How many things the approvals page lists for this person: the header's count."""
    if actor is not None and actor.is_authenticated and actor.role == Role.DISTRICT:
        return _BUREAU_COUNT.first()[0] or 0
    if actor is None or not actor.is_authenticated:
        return 0
    return _documents_count(actor) + inspections.waiting_rounds_count(actor)


def _documents_count(actor) -> int:
    if actor.role not in (Role.ADMIN, Role.KEEPER):
        return 0
    query = _OFFICE_COUNT if actor.is_admin else _KEEPER_COUNT
    if actor.is_admin:
        return query.first(user_id=actor.id, today=loans.school_today(), self_approval=bool(current_app.config.get("DISPOSAL_SELF_APPROVAL")),
                           school_id=actor.school_id)[0] or 0
    return query.first(user_id=actor.id, today=loans.school_today(), school_id=actor.school_id)[0] or 0


def settle_stuck_documents() -> tuple[int, int]:
    """Earlier versions decided completion without a lock: two last arrivals (or returns) at the same moment could
    leave a transfer "approved" with every item arrived, or a loan open with every item back, counted as waiting
    forever. Close them as the last step would have, at the time of that step. Returns how many of each. Commits."""
    settled_transfers = 0
    for transfer in db.session.scalars(select(Transfer).where(Transfer.status == TransferStatus.APPROVED)):
        if transfer.items and all(item.arrived_at is not None for item in transfer.items):
            last = max(transfer.items, key=lambda item: item.arrived_at)
            transfer.status, transfer.closed_at, transfer.closed_by_name = TransferStatus.COMPLETED, last.arrived_at, last.arrived_by_name
            settled_transfers += 1
    settled_loans = 0
    for handout in db.session.scalars(select(Handout).where(Handout.kind == HandoutKind.LOAN, Handout.closed_at.is_(None))):
        if handout.items and all(item.returned_at is not None for item in handout.items):
            handout.closed_at = max(item.returned_at for item in handout.items)
            settled_loans += 1
    db.session.commit()
    return settled_transfers, settled_loans
