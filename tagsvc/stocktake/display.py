from tagsvc.i18n.markers import N_

from tagsvc.stocktake.models import ConfirmMethod, FindingKind, Movement, Resolution

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
METHOD_LABELS[ConfirmMethod.DOCUMENT] = N_("accounted for by a document")


def movement_note(item) -> str:
    """What moved an item while its stocktake was open, in the reader's language ("" when nothing did)."""
    from flask_babel import gettext as _

    if item.moved_by is None:
        return ""
    number = item.moved_by_number
    if item.moved_by == Movement.DISPOSAL:
        return _("Disposed of by %(number)s: off the list", number=number)
    if item.moved_by == Movement.SCHOOL_TRANSFER:
        return _("Transferred to another school by %(number)s: off the list", number=number)
    if item.moved_by == Movement.LOAN:
        return _("Lent out on %(number)s: accounted for", number=number)
    if item.moved_by == Movement.HANDOVER:
        return _("Handed over on %(number)s: accounted for", number=number)
    if item.accounted_for:
        return _("Transferred by %(number)s out of this stocktake's scope: accounted for", number=number)
    place = item.expected_location.full_name if item.expected_location else "—"
    return _("Transferred by %(number)s: now expected in %(place)s", number=number, place=place)


def movement_url(item) -> str | None:
    from flask import url_for

    if item.moved_by is None or item.moved_by_id is None:
        return None
    if item.moved_by == Movement.TRANSFER:
        return url_for("transfers.detail", transfer_id=item.moved_by_id)
    if item.moved_by == Movement.DISPOSAL:
        return url_for("disposals.detail", disposal_id=item.moved_by_id)
    if item.moved_by == Movement.SCHOOL_TRANSFER:
        return url_for("transfers.school_detail", school_transfer_id=item.moved_by_id)
    return url_for("loans.detail", handout_id=item.moved_by_id)
