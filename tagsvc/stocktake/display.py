from tagsvc.i18n.markers import N_

from tagsvc.stocktake.models import ConfirmMethod, FindingKind, Resolution

FINDING_KIND_LABELS = {
    FindingKind.OUTSIDE_SCOPE: N_("Registered, but not expected in this stocktake"),
    FindingKind.OUTSIDE_ASSIGNMENT: N_("Expected, but outside this person's part"),
    FindingKind.BLANK_LABEL: N_("Blank label, never registered"),
    FindingKind.UNKNOWN_CODE: N_("Unknown code"),
    FindingKind.NO_LABEL: N_("No label"),
}

RESOLUTION_LABELS = {
    Resolution.MOVED: N_("Books moved to where it was found"),
    Resolution.LOST: N_("Marked lost"),
    Resolution.LEFT_OPEN: N_("Left open"),
    Resolution.REGISTERED: N_("Registered"),
    Resolution.ATTACHED: N_("Matched to a registered asset"),
    Resolution.DISMISSED: N_("Dismissed"),
}

# What each decision does, as the choice reads before it is made (RESOLUTION_LABELS say what was done).
RESOLUTION_ACTIONS = {
    Resolution.MOVED: N_("Move the books to where it was found"),
    Resolution.LOST: N_("Mark it lost"),
    Resolution.LEFT_OPEN: N_("Leave it open, with a note"),
    Resolution.REGISTERED: N_("Register it"),
    Resolution.ATTACHED: N_("Match it to a registered asset"),
    Resolution.DISMISSED: N_("Dismiss it"),
}

METHOD_LABELS = {
    ConfirmMethod.TAP: N_("tap on the label's page"),
    ConfirmMethod.CAMERA: N_("in-page scanner"),
    ConfirmMethod.TYPED: N_("typed or hand-held scanner"),
    ConfirmMethod.PHOTO: N_("photo of the label"),
}
