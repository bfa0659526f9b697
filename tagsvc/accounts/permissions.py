"""Who may do what. Services call these; views never decide permissions themselves."""
from __future__ import annotations

from flask_babel import gettext as _

from tagsvc.errors import PermissionDeniedError


def require_signed_in(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("Please sign in first."))


def require_admin(actor) -> None:
    require_signed_in(actor)
    if not actor.is_admin:
        raise PermissionDeniedError(_("Only the logistics office can do that."))


def require_asset_editor(actor, department_id: int | None) -> None:
    require_signed_in(actor)
    if not actor.can_edit_asset_in(department_id):
        raise PermissionDeniedError(_("You can only change assets of the departments you keep."))


def require_asset_reader(actor, department_id: int | None) -> None:
    require_signed_in(actor)
    if not actor.sees_all_assets and not actor.keeps(department_id):
        raise PermissionDeniedError(_("This asset belongs to a department you do not keep."))
