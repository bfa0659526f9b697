"""Words for the inspections' enums and states (translated where they are shown)."""
from __future__ import annotations

from tagsvc.i18n.markers import N_
from tagsvc.inspections.models import Frequency, TargetKind

FREQUENCY_LABELS = {
    Frequency.DAILY: N_("Every day"),
    Frequency.WEEKLY: N_("Every week"),
    Frequency.MONTHLY: N_("Every month"),
    Frequency.TERM: N_("Every term"),
    Frequency.ONCE: N_("Once"),
}

TARGET_KIND_LABELS = {
    TargetKind.CATEGORY: N_("The items of a category"),
    TargetKind.ITEMS: N_("Chosen items"),
    TargetKind.ROOMS: N_("Rooms"),
}

STATE_LABELS = {
    "done": N_("Done"),
    "due": N_("Due"),
    "overdue": N_("Overdue"),
    "closed": N_("Closed"),
}
