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
    LedgerAction.REPAIR_NOT_REPAIRABLE: N_("Not repairable: disposal proposed"),
    LedgerAction.LIABILITY_RECORDED: N_("Compensation recorded"),
    LedgerAction.COMPENSATION_PAID: N_("Compensation paid"),
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



