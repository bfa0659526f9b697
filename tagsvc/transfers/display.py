from tagsvc.i18n.markers import N_
from tagsvc.transfers.models import SchoolTransferStatus, TransferStatus

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

SCHOOL_TRANSFER_STATUS_LABELS = {
    SchoolTransferStatus.OFFERED: N_("Waiting for the receiving school"),
    SchoolTransferStatus.ACCEPTED: N_("Waiting for the education bureau"),
    SchoolTransferStatus.APPROVED: N_("Approved: the items are arriving"),
    SchoolTransferStatus.COMPLETED: N_("Complete"),
    SchoolTransferStatus.DECLINED: N_("Declined by the receiving school"),
    SchoolTransferStatus.REJECTED: N_("Rejected by the education bureau"),
    SchoolTransferStatus.CANCELLED: N_("Cancelled"),
}
SCHOOL_TRANSFER_STATUS_STYLE = {SchoolTransferStatus.OFFERED: "reported", SchoolTransferStatus.ACCEPTED: "reported",
                                SchoolTransferStatus.APPROVED: "in_use", SchoolTransferStatus.COMPLETED: "idle",
                                SchoolTransferStatus.DECLINED: "lost", SchoolTransferStatus.REJECTED: "lost",
                                SchoolTransferStatus.CANCELLED: "idle"}
