"""Stocktakes (盘点): walk-through audits, room by room, that end in a reconciliation (账物相符)."""
