"""Rules that keep an asset's status and condition honest.

Two things are checked here, for the register's forms and for every workflow that moves an asset:
- status and condition must not contradict each other (a "new" item that is "damaged", a "broken" one "in use");
- a workflow that governs the status (an open repair today; transfers, loans and stocktakes later) owns it: nobody
  changes it by hand until that workflow is finished. Features say so by registering a status governor.
"""
from __future__ import annotations

from collections.abc import Callable

from tagsvc.assets.models import AssetCondition, AssetStatus
from tagsvc.i18n.markers import N_

# Out of service because of damage: a condition of "new" or "good" would contradict the status.
DAMAGE_STATUSES = frozenset({AssetStatus.DAMAGED, AssetStatus.UNDER_REPAIR})
# In service: the item cannot at the same time be broken.
SERVICE_STATUSES = frozenset({AssetStatus.IN_USE, AssetStatus.IDLE, AssetStatus.ON_LOAN})

CONTRADICTION_MESSAGES = {
    "damaged_but_sound": N_("A damaged item or one under repair cannot be new or in good condition: choose its real condition."),
    "broken_but_in_service": N_("A broken item cannot be in use, idle or on loan: set its status to damaged, or report the damage."),
}


def contradiction(status: AssetStatus, condition: AssetCondition) -> str | None:
    """Why this status and condition cannot both be true (a message id to translate), or None when they fit."""
    if status in DAMAGE_STATUSES and condition in (AssetCondition.NEW, AssetCondition.GOOD):
        return CONTRADICTION_MESSAGES["damaged_but_sound"]
    if status in SERVICE_STATUSES and condition == AssetCondition.BROKEN:
        return CONTRADICTION_MESSAGES["broken_but_in_service"]
    return None


def condition_for(status: AssetStatus, condition: AssetCondition) -> AssetCondition:
    """The nearest condition that fits a status a workflow has just set: a confirmed fault makes a sound item
    broken; a repaired item that was broken shows wear. Anything that already fits is left as it is."""
    if status in DAMAGE_STATUSES and condition in (AssetCondition.NEW, AssetCondition.GOOD):
        return AssetCondition.BROKEN
    if status in SERVICE_STATUSES and condition == AssetCondition.BROKEN:
        return AssetCondition.FAIR
    return condition


# A governor takes an asset id and returns what governs its status now, as a (message, link endpoint, link
# arguments) triple for the edit page, or None. Registered once by the features that own such workflows.
StatusGovernor = Callable[[int], "Governance | None"]
_GOVERNORS: list[StatusGovernor] = []


class Governance:
    """A workflow that owns an asset's status for now: what it is (already translated) and where to see it."""

    def __init__(self, reason: str, endpoint: str | None = None, **link_args) -> None:
        self.reason = reason
        self.endpoint = endpoint
        self.link_args = link_args


def register_status_governor(governor: StatusGovernor) -> StatusGovernor:
    if governor not in _GOVERNORS:
        _GOVERNORS.append(governor)
    return governor


def status_governance(asset_id: int) -> Governance | None:
    """The workflow that owns this asset's status now, if any."""
    for governor in _GOVERNORS:
        found = governor(asset_id)
        if found is not None:
            return found
    return None
