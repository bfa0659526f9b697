from tagsvc.i18n.markers import N_
from tagsvc.repairs.models import DamageKind, LiablePartyKind, Priority, ReportStatus

DAMAGE_KIND_LABELS = {
    DamageKind.BROKEN: N_("Broken"),
    DamageKind.NOT_WORKING: N_("Not working"),
    DamageKind.MISSING_PART: N_("Missing part"),
    DamageKind.UNSAFE: N_("Unsafe"),
    DamageKind.OTHER: N_("Other"),
}

PRIORITY_LABELS = {
    Priority.URGENT: N_("Urgent"),
    Priority.NORMAL: N_("Normal"),
    Priority.LOW: N_("Low"),
}

REPORT_STATUS_LABELS = {
    ReportStatus.NEW: N_("New: to decide"),
    ReportStatus.ACCEPTED: N_("Repair scheduled"),
    ReportStatus.IN_PROGRESS: N_("Repair in progress"),
    ReportStatus.DONE: N_("Repaired"),
    ReportStatus.NOT_REPAIRABLE: N_("Not repairable"),
    ReportStatus.REJECTED: N_("Not a fault"),
    ReportStatus.MERGED: N_("Merged into another report"),
}

PARTY_KIND_LABELS = {
    LiablePartyKind.STUDENT: N_("A student"),
    LiablePartyKind.CLASS: N_("A class"),
    LiablePartyKind.DORM_ROOM: N_("A dorm room"),
    LiablePartyKind.DEPARTMENT: N_("A department"),
    LiablePartyKind.UNKNOWN: N_("Unknown"),
}
