"""The education bureau's pages: the district's figures (on screen and as Excel) and its stocktake seasons."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tagsvc.district import seasons, services, workbooks
from tagsvc.district.forms import SeasonForm
from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.reports.views import _xlsx

bp = Blueprint("district", __name__)


def _bureau_only() -> None:
    try:
        services.require_bureau(current_user)
    except TagsvcError as error:
        abort(error.status_code)


@bp.get("/district")
@login_required
def overview():
    _bureau_only()
    result = services.district_overview(current_user)
    if request.args.get("format") == "xlsx":
        return _xlsx(workbooks.district_xlsx(result), _("district-summary"))
    from tagsvc.structure.display import ASSET_KIND_LABELS

    return render_template("district/overview.html", overview=result, ASSET_KIND_LABELS=ASSET_KIND_LABELS)


@bp.route("/district/seasons", methods=["GET", "POST"])
@login_required
def season_list():
    _bureau_only()
    form = SeasonForm()
    status = 200
    if form.validate_on_submit():
        try:
            season = seasons.open_season(current_user, form.name.data, form.deadline.data)
        except TagsvcError as error:
            show_refusal(error)
            status = error.status_code
        else:
            flash(_("Every school's office now sees %(name)s and opens its stocktake for it.", name=season.name), "success")
            return redirect(url_for("district.season", season_id=season.id))
    elif request.method == "POST":
        status = 400
    return render_template("district/seasons.html", form=form, seasons=seasons.all_seasons()), status


@bp.get("/district/seasons/<int:season_id>")
@login_required
def season(season_id: int):
    _bureau_only()
    try:
        progress = seasons.season_progress(current_user, season_id)
    except TagsvcError as error:
        abort(error.status_code)
    return render_template("district/season.html", progress=progress)
