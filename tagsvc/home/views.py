from flask import Blueprint, render_template
from flask_login import current_user

from tagsvc.home.services import landing_for
from tagsvc.repairs.services import is_overdue

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("home/public.html")
    return render_template("home/landing.html", landing=landing_for(current_user), is_overdue=is_overdue)
