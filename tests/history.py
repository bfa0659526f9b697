"""What the books say of an asset now: its ledger lines, and the asset read afresh."""
from sqlalchemy import select

from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.ledger.models import LedgerEvent


def events(asset, action=None) -> list[LedgerEvent]:
    """The asset's ledger lines, oldest first (only those of one action when given)."""
    query = select(LedgerEvent).where(LedgerEvent.asset_id == asset.id).order_by(LedgerEvent.id)
    return [e for e in db.session.scalars(query) if action is None or e.action == action]


def fresh(asset) -> Asset:
    """The asset as the database has it now (another session may have changed it)."""
    db.session.expire_all()
    return db.session.get(Asset, asset.id)
