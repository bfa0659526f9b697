"""The approvals page: everything waiting for the signed-in person, on a phone as on a desktop."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from tagsvc.approvals import services
from tagsvc.forms import ConfirmForm
from tagsvc.inspections.display import FREQUENCY_LABELS

bp = Blueprint("approvals", __name__, url_prefix="/approvals")


@bp.get("")
@login_required
def index():
    """Everyone has one: a teacher's lists the inspection rounds they walk."""
    return render_template("approvals/index.html", waiting=services.waiting_for(current_user), button=ConfirmForm(),
                           frequency_labels=FREQUENCY_LABELS)
