"""The words a person reads for asset fields and states, in their language."""
from tagsvc.i18n.markers import N_

from tagsvc.assets.models import AssetCondition, AssetStatus

STATUS_LABELS = {
    AssetStatus.IN_USE: N_("In use"),
    AssetStatus.IDLE: N_("Idle"),
    AssetStatus.ON_LOAN: N_("On loan"),
    AssetStatus.UNDER_REPAIR: N_("Under repair"),
    AssetStatus.DAMAGED: N_("Damaged"),
    AssetStatus.LOST: N_("Lost"),
    AssetStatus.DISPOSED: N_("Disposed"),
    AssetStatus.TRANSFERRED_OUT: N_("Transferred to another school"),
}

# What the status means for someone standing next to the item.
STATUS_EXPLANATIONS = {
    AssetStatus.IN_USE: N_("This item is in normal use."),
    AssetStatus.IDLE: N_("This item is not in use at the moment."),
    AssetStatus.ON_LOAN: N_("This item is lent out and due back to its department."),
    AssetStatus.UNDER_REPAIR: N_("This item is being repaired."),
    AssetStatus.DAMAGED: N_("This item is known to be damaged."),
    AssetStatus.LOST: N_("This item was reported lost. If you see it, please tell the logistics office."),
    AssetStatus.DISPOSED: N_("This item has been retired from the register."),
    AssetStatus.TRANSFERRED_OUT: N_("This item now belongs to another school."),
}

CONDITION_LABELS = {
    AssetCondition.NEW: N_("New"),
    AssetCondition.GOOD: N_("Good"),
    AssetCondition.FAIR: N_("Fair, shows wear"),
    AssetCondition.POOR: N_("Poor"),
    AssetCondition.BROKEN: N_("Broken"),
}

FIELD_LABELS = {
    "asset_number": N_("Asset number"),
    "name": N_("Name"),
    "category_id": N_("Category"),
    "brand": N_("Brand"),
    "model": N_("Model / specification"),
    "serial_number": N_("Serial number"),
    "department_id": N_("Department"),
    "location_id": N_("Location"),
    "custodian_name": N_("Custodian"),
    "custodian_phone": N_("Custodian's phone"),
    "status": N_("Status"),
    "condition": N_("Condition"),
    "purchase_date": N_("Purchase date"),
    "price": N_("Price"),
    "supplier": N_("Supplier"),
    "invoice_number": N_("Invoice number"),
    "notes": N_("Notes"),
    "tag": N_("Label code"),
    "compensation": N_("Compensation (yuan)"),
    "seen_in": N_("Seen in a stocktake (booked → found)"),
}
