"""The words for the news a group can hear of."""
from tagsvc.i18n.markers import N_

EVENT_LABELS = {
    "damage_reported": N_("New damage reports"),
    "repair_assigned": N_("Repairs assigned"),
    "repair_overdue": N_("Repairs overdue"),
    "transfer_waiting": N_("Transfers waiting for a decision"),
    "disposal_waiting": N_("Disposals waiting for approval"),
    "loan_overdue": N_("Loans overdue (daily)"),
    "stocktake_due": N_("Stocktakes due in 3 days"),
    "import_done": N_("Imports finished"),
}
DELIVERY_STATUS_LABELS = {"waiting": N_("waiting"), "sent": N_("sent"), "failed": N_("failed")}


def shortened(url: str) -> str:
    """A webhook address without most of its key (it is a secret: whoever has it can post to the group)."""
    head, separator, key = url.partition("key=") if "key=" in url else url.partition("access_token=")
    return f"{head}{separator}{key[:4]}…" if separator else url[:40]
