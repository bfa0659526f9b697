"""Holds: an asset taken by a movement under way (a transfer, a loan, a disposal waiting for approval) cannot be taken by another.

One row per held asset, its asset id the primary key: of two movements started at the same moment on the same
asset, the database lets one in and the other is told which movement holds it.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from tagsvc.assets.states import Governance, register_status_governor
from tagsvc.errors import ConflictError
from tagsvc.extensions import Base, db, enum_column_type, utcnow
from tagsvc.schools.wall import SchoolOwned
from tagsvc.i18n.markers import N_


class HoldKind(StrEnum):
    TRANSFER = "transfer"
    LOAN = "loan"
    DISPOSAL = "disposal"  # proposed, not approved yet
    SCHOOL_TRANSFER = "school_transfer"  # offered to another school (划拨), until it arrives there


HOLD_LABELS = {HoldKind.TRANSFER: N_("transfer %(document)s"), HoldKind.LOAN: N_("loan %(document)s"),
               HoldKind.DISPOSAL: N_("disposal %(document)s"), HoldKind.SCHOOL_TRANSFER: N_("transfer to another school %(document)s")}


class AssetHold(SchoolOwned, Base):
    __tablename__ = "asset_hold"

    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"), primary_key=True)
    kind: Mapped[HoldKind] = mapped_column(enum_column_type(HoldKind))
    reference_id: Mapped[int]  # the transfer's, loan's or disposal's id
    document: Mapped[str] = mapped_column(String(32))  # its number, as people know it
    since: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date | None]  # a loan's due date: the scan page shows it to everyone

    def describe(self) -> str:
        return _(HOLD_LABELS[self.kind], document=self.document)


def check_free(asset_ids: list[int]) -> None:
    """Refuse (naming the movement) when one of these assets is held: call it before writing anything."""
    held = db.session.scalars(select(AssetHold).where(AssetHold.asset_id.in_(asset_ids)).limit(1)).first()
    if held is not None:
        raise _held_error(held)


def take_holds(asset_ids: list[int], kind: HoldKind, reference_id: int, document: str, due_on: date | None = None) -> None:
    """Hold these assets for a movement, in the caller's transaction; refused whole, naming the movement that holds
    one already (checked first for the message, then enforced by the primary key against a concurrent start: then
    the caller's whole transaction is rolled back)."""
    try:
        check_free(asset_ids)
    except ConflictError:
        db.session.rollback()
        raise
    try:
        with db.session.begin_nested():
            db.session.add_all([AssetHold(asset_id=asset_id, kind=kind, reference_id=reference_id, document=document, due_on=due_on) for asset_id in asset_ids])
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ConflictError(_("Someone has just started another movement of one of these items: reload and look again.")) from None


def release_holds(asset_ids: list[int], kind: HoldKind, reference_id: int) -> None:
    db.session.execute(delete(AssetHold).where(AssetHold.asset_id.in_(asset_ids), AssetHold.kind == kind,
                                               AssetHold.reference_id == reference_id))


def hold_on(asset_id: int) -> AssetHold | None:
    return db.session.get(AssetHold, asset_id)


def _held_error(held: AssetHold) -> ConflictError:
    from tagsvc.assets.models import Asset

    asset = db.session.get(Asset, held.asset_id)
    return ConflictError(_("%(name)s (%(number)s) is already part of %(movement)s since %(date)s.", name=asset.name,
                           number=asset.asset_number, movement=held.describe(), date=held.since.date().isoformat()))


# Where each movement is seen, for the register's edit page ("the status is governed by …").
_HOLD_PAGES = {HoldKind.LOAN: ("loans.detail", "handout_id"), HoldKind.DISPOSAL: ("disposals.detail", "disposal_id"),
               HoldKind.SCHOOL_TRANSFER: ("transfers.school_detail", "school_transfer_id")}


@register_status_governor
def _movement_governs(asset_id: int) -> Governance | None:
    """On loan or proposed for disposal: the loan's return or the disposal's decision sets the status, not a hand
    edit. (A transfer moves the department, place and custodian, which update_asset guards itself.)"""
    held = hold_on(asset_id)
    if held is None or held.kind not in _HOLD_PAGES:
        return None
    endpoint, argument = _HOLD_PAGES[held.kind]
    return Governance(_("it is part of %(movement)s.", movement=held.describe()), endpoint, **{argument: held.reference_id})
