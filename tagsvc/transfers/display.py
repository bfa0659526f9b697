from tagsvc.i18n.markers import N_
from tagsvc.transfers.models import TransferStatus

TRANSFER_STATUS_LABELS = {
    TransferStatus.REQUESTED: N_("Waiting for approval"),
    TransferStatus.APPROVED: N_("Under way"),
    TransferStatus.COMPLETED: N_("Complete"),
    TransferStatus.DECLINED: N_("Declined by the receiver"),
    TransferStatus.REJECTED: N_("Rejected by the office"),
    TransferStatus.CANCELLED: N_("Cancelled"),
}
# The status badge's colour, from the register's own (app.css).
TRANSFER_STATUS_STYLE = {TransferStatus.REQUESTED: "reported", TransferStatus.APPROVED: "in_use", TransferStatus.COMPLETED: "idle",
                         TransferStatus.DECLINED: "lost", TransferStatus.REJECTED: "lost", TransferStatus.CANCELLED: "idle"}
