from tagsvc.disposals.models import DisposalReason, DisposalStatus
from tagsvc.i18n.markers import N_

DISPOSAL_STATUS_LABELS = {
    DisposalStatus.PROPOSED: N_("Waiting for approval"),
    DisposalStatus.APPROVED: N_("Approved: disposed of"),
    DisposalStatus.REJECTED: N_("Rejected by the office"),
    DisposalStatus.CANCELLED: N_("Cancelled"),
}
DISPOSAL_STATUS_STYLE = {DisposalStatus.PROPOSED: "reported", DisposalStatus.APPROVED: "disposed",
                         DisposalStatus.REJECTED: "lost", DisposalStatus.CANCELLED: "idle"}
DISPOSAL_REASON_LABELS = {
    DisposalReason.NOT_REPAIRABLE: N_("Not repairable"),
    DisposalReason.OBSOLETE: N_("Obsolete"),
    DisposalReason.LOST: N_("Lost"),
    DisposalReason.STOLEN: N_("Stolen"),
    DisposalReason.OTHER: N_("Other"),
}
