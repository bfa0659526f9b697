"""The append-only ledger: every change to an asset writes one event, and nothing rewrites one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from tagsvc.errors import TagsvcError
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerAction, LedgerEvent, ledger_note_words, note_columns


class LedgerIsAppendOnlyError(TagsvcError):
    status_code = 500


def ledger_value(value) -> str | None:
    """A value as the history shows it: names rather than ids, ISO dates, plain decimals."""
    if value is None or value == "":
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "full_name"):
        return value.full_name
    if hasattr(value, "name") and not isinstance(value, str):
        return value.name
    return str(value)


def _record_event(asset, action: LedgerAction, actor=None, changes: dict | None = None, note: str | dict | list = "") -> LedgerEvent:
    entry = LedgerEvent(
        asset_id=asset.id,
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.display_name if actor is not None else "",
        changes=changes or {},
        **note_columns(note),
    )
    db.session.add(entry)
    return entry


def history_of(asset_id: int, limit: int = 200) -> list[LedgerEvent]:
    return list(
        db.session.scalars(
            select(LedgerEvent)
            .where(LedgerEvent.asset_id == asset_id)
            .order_by(LedgerEvent.at.desc(), LedgerEvent.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class HistoryLine:
    """One ledger event as a history list shows it, read as plain values."""

    id: int
    at: datetime
    actor_name: str
    action: LedgerAction
    changes: dict
    note: str
    note_message: dict | list | None = None

    @property
    def note_words(self) -> str:
        return ledger_note_words(self.note_message, self.note)


RECENT_HISTORY_LENGTH = 20
# The scan page's history for signed-in staff: a fixed statement read outside a transaction (see PreparedRead).
_RECENT_HISTORY = db.prepared_read(
    select(LedgerEvent.id, LedgerEvent.at, LedgerEvent.actor_name, LedgerEvent.action, LedgerEvent.changes, LedgerEvent.note,
           LedgerEvent.note_message)
    .where(LedgerEvent.asset_id == bindparam("asset_id"))
    .order_by(LedgerEvent.at.desc(), LedgerEvent.id.desc())
    .limit(RECENT_HISTORY_LENGTH)
)


def recent_history(asset_id: int) -> list[HistoryLine]:
    """The latest events of an asset, newest first."""
    return [HistoryLine(*row) for row in _RECENT_HISTORY.all(asset_id=asset_id)]


@event.listens_for(Session, "before_flush")
def _refuse_ledger_rewrites(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, LedgerEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise LedgerIsAppendOnlyError("Ledger events cannot be changed or deleted.")
