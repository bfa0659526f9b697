"""Report pages: each on screen, as Excel (?format=xlsx), and printable on A4 where it is a table people sign."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tagsvc.errors import NotFoundError, TagsvcError
from tagsvc.extensions import db
from tagsvc.reports import services, workbooks
from tagsvc.structure.models import Location

bp = Blueprint("reports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, name: str):
    return send_file(BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx")


def _or_abort(step, *args):
    try:
        return step(current_user, *args)
    except TagsvcError as error:
        abort(error.status_code)


@bp.get("/reports")
@login_required
def summary():
    result = _or_abort(services.register_summary)
    if request.args.get("format") == "xlsx":
        return _xlsx(workbooks.summary_xlsx(result), _("register-summary"))
    from tagsvc.structure.services import all_departments

    return render_template("reports/summary.html", summary=result, departments=all_departments(), places=services.places_with_assets())


@bp.get("/reports/departments/<int:department_id>")
@login_required
def department(department_id: int):
    table = _or_abort(services.department_table, department_id)
    if request.args.get("format") == "xlsx":
        return _xlsx(workbooks.department_xlsx(table), table.department.name)
    return render_template("reports/department.html", table=table)


@bp.get("/reports/rooms/<int:location_id>")
@login_required
def rooms(location_id: int):
    rooms = _or_abort(services.room_lists, location_id)
    place = db.session.get(Location, location_id)
    if request.args.get("format") == "xlsx":
        return _xlsx(workbooks.rooms_xlsx(place, rooms), place.name)
    return render_template("reports/rooms.html", place=place, rooms=rooms)


@bp.get("/assets/<int:asset_id>/card")
@login_required
def card(asset_id: int):
    try:
        result = services.asset_card(current_user, asset_id)
    except NotFoundError:
        abort(404)
    except TagsvcError as error:
        abort(error.status_code)
    if request.args.get("format") == "xlsx":
        return _xlsx(workbooks.card_xlsx(result), result.asset.asset_number)
    return render_template("reports/card.html", card=result)
