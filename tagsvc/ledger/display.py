from flask_babel import lazy_gettext as _l

from tagsvc.assets.display import CONDITION_LABELS, STATUS_LABELS

from tagsvc.ledger.models import LedgerAction

ACTION_LABELS = {
    LedgerAction.CREATED: _l("Registered"),
    LedgerAction.UPDATED: _l("Changed"),
    LedgerAction.TAG_ISSUED: _l("Label code issued"),
    LedgerAction.TAG_REPLACED: _l("Label replaced"),
    LedgerAction.PHOTO_CHANGED: _l("Photo changed"),
}

_VALUE_LABELS = {
    "status": {s.value: label for s, label in STATUS_LABELS.items()},
    "condition": {c.value: label for c, label in CONDITION_LABELS.items()},
}


def ledger_value_label(field: str, value):
    """A recorded value in the reader's language where it is one of our own words."""
    if value is None:
        return "—"
    return _VALUE_LABELS.get(field, {}).get(value, value)



