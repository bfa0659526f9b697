"""The education bureau's district page, on screen and as Excel."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tagsvc.district import services, workbooks
from tagsvc.errors import TagsvcError
from tagsvc.reports.views import _xlsx

bp = Blueprint("district", __name__)


@bp.get("/district")
@login_required
def overview():
    try:
        result = services.district_overview(current_user)
    except TagsvcError as error:
        abort(error.status_code)
    if request.args.get("format") == "xlsx":
        return _xlsx(workbooks.district_xlsx(result), _("district-summary"))
    from tagsvc.structure.display import ASSET_KIND_LABELS

    return render_template("district/overview.html", overview=result, ASSET_KIND_LABELS=ASSET_KIND_LABELS)
