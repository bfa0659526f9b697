from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tagsvc.extensions import Base, enum_column_type, utcnow
from tagsvc.schools.wall import SchoolOwned

if TYPE_CHECKING:
    from tagsvc.accounts.models import User


class LedgerAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    TAG_ISSUED = "tag_issued"
    TAG_REPLACED = "tag_replaced"
    PHOTO_CHANGED = "photo_changed"
    LABEL_PRINTED = "label_printed"
    TAG_ATTACHED = "tag_attached"  # a blank label from a batch was claimed for this asset
    DAMAGE_REPORTED = "damage_reported"
    REPORT_ACCEPTED = "report_accepted"
    REPORT_REJECTED = "report_rejected"
    REPORT_MERGED = "report_merged"
    REPAIR_STARTED = "repair_started"
    REPAIR_DONE = "repair_done"
    REPAIR_NOT_REPAIRABLE = "repair_not_repairable"
    LIABILITY_RECORDED = "liability_recorded"
    COMPENSATION_PAID = "compensation_paid"
    STOCKTAKE_CONFIRMED = "stocktake_confirmed"  # seen in a stocktake (盘点): the note names it and the room
    STOCKTAKE_CORRECTED = "stocktake_corrected"  # the books changed to match what a stocktake found
    STOCKTAKE_NOTED = "stocktake_noted"  # a stocktake's difference settled without a change (a note says why)
    # A transfer (调拨): each step names it; only the arrival moves the books.
    TRANSFER_REQUESTED = "transfer_requested"
    TRANSFER_ACCEPTED = "transfer_accepted"
    TRANSFER_DECLINED = "transfer_declined"
    TRANSFER_APPROVED = "transfer_approved"
    TRANSFER_REJECTED = "transfer_rejected"
    TRANSFER_CANCELLED = "transfer_cancelled"
    TRANSFERRED = "transferred"  # arrived: department, place and custodian moved in the books
    # A transfer to another school (划拨): the sender's record ends, the receiver's begins, with the same label.
    SCHOOL_TRANSFER_OFFERED = "school_transfer_offered"
    SCHOOL_TRANSFER_CLOSED = "school_transfer_closed"  # declined, rejected or cancelled: it stays
    TRANSFERRED_OUT = "transferred_out"
    TRANSFERRED_IN = "transferred_in"
    ISSUED = "issued"  # handed over for dedicated use (领用): custodian (and place) changed
    LENT = "lent"  # on loan (借用) until a due date
    RETURNED = "returned"  # back from a loan, with its condition
    DISPOSAL_PROPOSED = "disposal_proposed"
    DISPOSAL_APPROVED = "disposal_approved"  # one approval of two (a high book value)
    DISPOSAL_REJECTED = "disposal_rejected"
    DISPOSAL_CANCELLED = "disposal_cancelled"
    DISPOSED = "disposed"  # approved: out of service, label retired, still in the register
    IMPORTED = "imported"  # created or changed by an import of a register file (the note names it and the row)


class LedgerEvent(SchoolOwned, Base):
    """One line of an asset's history (台账). Rows are only ever added: see ledger.services."""

    __tablename__ = "ledger_event"
    # A school's newest lines (the office's start page) read from the end of this index, ten rows, not sorted from all.
    __table_args__ = (Index("ix_ledger_event_school_at", "school_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="RESTRICT"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    # The actor's name as it was, so history reads right after an account is renamed.
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[LedgerAction] = mapped_column(enum_column_type(LedgerAction))
    # {field: [before, after]} with values as the person saw them (names, not ids).
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")  # as a person typed it, or names (a document's number)
    # What the system said, as a message said in the reader's language (tagsvc.i18n.messages); shown before `note`.
    note_message: Mapped[dict | list | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()

    @property
    def note_words(self) -> str:
        return ledger_note_words(self.note_message, self.note)


def ledger_note_words(note_message, note: str) -> str:
    """A history line's note in the reader's language: what the system said, then what a person typed."""
    from tagsvc.i18n.messages import say

    return " · ".join(part for part in (say(note_message), note) if part)


def note_columns(note) -> dict:
    """The columns of a note given as text (typed, or names) or as a message to say later (see i18n.messages)."""
    if note is None or isinstance(note, str):
        return {"note": (note or "")[:2000], "note_message": None}
    return {"note": "", "note_message": note}
