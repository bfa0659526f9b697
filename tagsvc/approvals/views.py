"""The approvals page: everything waiting for the signed-in person, on a phone as on a desktop."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from tagsvc.accounts.models import Role
from tagsvc.approvals import services

bp = Blueprint("approvals", __name__, url_prefix="/approvals")


@bp.get("")
@login_required
def index():
    if current_user.role not in (Role.ADMIN, Role.KEEPER, Role.DISTRICT):
        abort(403)
    return render_template("approvals/index.html", waiting=services.waiting_for(current_user))
