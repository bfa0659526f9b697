import re

from flask_babel import gettext

from tagsvc.i18n.markers import N_

from tagsvc.assets.display import CONDITION_LABELS, STATUS_LABELS

from tagsvc.ledger.models import LedgerAction

ACTION_LABELS = {
    LedgerAction.CREATED: N_("Registered"),
    LedgerAction.UPDATED: N_("Changed"),
    LedgerAction.TAG_ISSUED: N_("Label code issued"),
    LedgerAction.TAG_REPLACED: N_("Label replaced"),
    LedgerAction.PHOTO_CHANGED: N_("Photo changed"),
    LedgerAction.LABEL_PRINTED: N_("Label printed"),
    LedgerAction.TAG_ATTACHED: N_("Blank label attached"),
    LedgerAction.DAMAGE_REPORTED: N_("Damage reported"),
    LedgerAction.REPORT_ACCEPTED: N_("Repair scheduled"),
    LedgerAction.REPORT_REJECTED: N_("Report rejected: not a fault"),
    LedgerAction.REPORT_MERGED: N_("Report merged into another"),
    LedgerAction.REPAIR_STARTED: N_("Repair started"),
    LedgerAction.REPAIR_DONE: N_("Repaired"),
    LedgerAction.REPAIR_NOT_REPAIRABLE: N_("Not repairable"),
    LedgerAction.LIABILITY_RECORDED: N_("Compensation recorded"),
    LedgerAction.COMPENSATION_PAID: N_("Compensation paid"),
    LedgerAction.STOCKTAKE_CONFIRMED: N_("Confirmed in a stocktake"),
    LedgerAction.STOCKTAKE_CORRECTED: N_("Corrected after a stocktake"),
    LedgerAction.STOCKTAKE_NOTED: N_("Stocktake difference settled"),
    LedgerAction.TRANSFER_REQUESTED: N_("Transfer requested"),
    LedgerAction.TRANSFER_ACCEPTED: N_("Transfer accepted by the receiver"),
    LedgerAction.TRANSFER_DECLINED: N_("Transfer declined by the receiver"),
    LedgerAction.TRANSFER_APPROVED: N_("Transfer approved by the office"),
    LedgerAction.TRANSFER_REJECTED: N_("Transfer rejected by the office"),
    LedgerAction.TRANSFER_CANCELLED: N_("Transfer cancelled"),
    LedgerAction.TRANSFERRED: N_("Transferred: arrived"),
    LedgerAction.SCHOOL_TRANSFER_OFFERED: N_("Offered to another school"),
    LedgerAction.SCHOOL_TRANSFER_CLOSED: N_("Transfer to another school closed: it stays"),
    LedgerAction.TRANSFERRED_OUT: N_("Transferred to another school"),
    LedgerAction.TRANSFERRED_IN: N_("Came from another school"),
    LedgerAction.ISSUED: N_("Handed over for use"),
    LedgerAction.LENT: N_("Lent"),
    LedgerAction.RETURNED: N_("Returned from a loan"),
    LedgerAction.DISPOSAL_PROPOSED: N_("Disposal proposed"),
    LedgerAction.DISPOSAL_APPROVED: N_("Disposal approved (first of two approvals)"),
    LedgerAction.DISPOSAL_REJECTED: N_("Disposal rejected"),
    LedgerAction.DISPOSAL_CANCELLED: N_("Disposal cancelled"),
    LedgerAction.DISPOSED: N_("Disposed of"),
    LedgerAction.IMPORTED: N_("Imported from a register file"),
}

_VALUE_LABELS = {
    "status": {s.value: label for s, label in STATUS_LABELS.items()},
    "condition": {c.value: label for c, label in CONDITION_LABELS.items()},
}


def ledger_value_label(field: str, value):
    """A recorded value in the reader's language where it is one of our own words."""
    if value is None:
        return "—"
    label = _VALUE_LABELS.get(field, {}).get(value)
    return gettext(label) if label else value



# Repair steps write "#<report id> · …" as their note; the history links that number to the report.
REPORT_ACTIONS = frozenset({
    LedgerAction.DAMAGE_REPORTED, LedgerAction.REPORT_ACCEPTED, LedgerAction.REPORT_REJECTED, LedgerAction.REPORT_MERGED,
    LedgerAction.REPAIR_STARTED, LedgerAction.REPAIR_DONE, LedgerAction.REPAIR_NOT_REPAIRABLE,
    LedgerAction.LIABILITY_RECORDED, LedgerAction.COMPENSATION_PAID,
})
_REPORT_NOTE = re.compile(r"#(\d+)(.*)", re.DOTALL)


def report_reference(event) -> tuple[int, str] | None:
    """The report a history line names and the rest of its note, or None for lines about something else."""
    if event.action not in REPORT_ACTIONS or not event.note:
        return None
    match = _REPORT_NOTE.match(event.note)
    return (int(match.group(1)), match.group(2)) if match else None
