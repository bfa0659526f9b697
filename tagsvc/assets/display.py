"""The words a person reads for asset fields and states, in their language."""
from flask_babel import lazy_gettext as _l

from tagsvc.assets.models import AssetCondition, AssetStatus

STATUS_LABELS = {
    AssetStatus.IN_USE: _l("In use"),
    AssetStatus.IDLE: _l("Idle"),
    AssetStatus.ON_LOAN: _l("On loan"),
    AssetStatus.UNDER_REPAIR: _l("Under repair"),
    AssetStatus.DAMAGED: _l("Damaged"),
    AssetStatus.LOST: _l("Lost"),
    AssetStatus.DISPOSED: _l("Disposed"),
}

# What the status means for someone standing next to the item.
STATUS_EXPLANATIONS = {
    AssetStatus.IN_USE: _l("This item is in normal use."),
    AssetStatus.IDLE: _l("This item is not in use at the moment."),
    AssetStatus.ON_LOAN: _l("This item is lent out and due back to its department."),
    AssetStatus.UNDER_REPAIR: _l("This item is being repaired."),
    AssetStatus.DAMAGED: _l("This item is known to be damaged."),
    AssetStatus.LOST: _l("This item was reported lost. If you see it, please tell the logistics office."),
    AssetStatus.DISPOSED: _l("This item has been retired from the register."),
}

CONDITION_LABELS = {
    AssetCondition.NEW: _l("New"),
    AssetCondition.GOOD: _l("Good"),
    AssetCondition.FAIR: _l("Fair, shows wear"),
    AssetCondition.POOR: _l("Poor"),
    AssetCondition.BROKEN: _l("Broken"),
}

FIELD_LABELS = {
    "asset_number": _l("Asset number"),
    "name": _l("Name"),
    "category_id": _l("Category"),
    "brand": _l("Brand"),
    "model": _l("Model / specification"),
    "serial_number": _l("Serial number"),
    "department_id": _l("Department"),
    "location_id": _l("Location"),
    "custodian_name": _l("Custodian"),
    "custodian_phone": _l("Custodian's phone"),
    "status": _l("Status"),
    "condition": _l("Condition"),
    "purchase_date": _l("Purchase date"),
    "price": _l("Price"),
    "supplier": _l("Supplier"),
    "invoice_number": _l("Invoice number"),
    "notes": _l("Notes"),
    "tag": _l("Label code"),
}
