from tagsvc.i18n.markers import N_
from tagsvc.labels.models import PrintJobKind, PrintJobStatus

JOB_STATUS_LABELS = {
    PrintJobStatus.QUEUED: N_("Waiting to start"),
    PrintJobStatus.RUNNING: N_("Drawing the labels"),
    PrintJobStatus.DONE: N_("Ready"),
    PrintJobStatus.FAILED: N_("Failed"),
}

JOB_KIND_LABELS = {
    PrintJobKind.ASSETS: N_("asset labels"),
    PrintJobKind.ROOMS: N_("room labels"),
    PrintJobKind.BLANK: N_("blank labels"),
}
