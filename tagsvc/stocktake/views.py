"""Stocktake pages: the office's list, opening, overview and reconciliation; the participant's scanner page and
the one-tap confirmation from a label's page (no JavaScript needed for either)."""
from __future__ import annotations

import uuid
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tagsvc.accounts.models import Role, User
from tagsvc.accounts.permissions import require_admin
from tagsvc.assets.display import CONDITION_LABELS
from tagsvc.assets.models import AssetCondition
from tagsvc.i18n.views import safe_next
from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.extensions import db
from tagsvc.forms import ConfirmForm
from tagsvc.stocktake import reconciling, services
from tagsvc.stocktake.display import RESOLUTION_ACTIONS, FINDING_KIND_LABELS, RESOLUTION_LABELS
from tagsvc.stocktake.forms import (
    AssignForm,
    CloseForm,
    ConditionForm,
    ConfirmItemForm,
    FindingForm,
    OpenStocktakeForm,
    ResolveFindingForm,
    ResolveItemForm,
    RoomForm,
)
from tagsvc.stocktake.models import ConfirmMethod, Resolution, ScanOutcome
from tagsvc.stocktake.report import reconciliation_xlsx
from tagsvc.structure.display import ASSET_KIND_LABELS
from tagsvc.structure.models import AssetKind, Location
from tagsvc.structure.services import all_departments

bp = Blueprint("stocktake", __name__, url_prefix="/stocktakes")


@bp.context_processor
def movements():
    """What moved an item while its stocktake was open, for every stocktake page."""
    from tagsvc.stocktake.display import movement_note, movement_url

    return {"movement_note": movement_note, "movement_url": movement_url}

ROOMS_KEY = "stocktake_rooms"  # {stocktake id: room id}: where this person said they stand


def rooms_in_session() -> dict[str, int]:
    return session.get(ROOMS_KEY) or {}


def room_in_session(stocktake_id: int) -> int | None:
    return rooms_in_session().get(str(stocktake_id))


def _remember_room(stocktake_id: int, room_id: int | None) -> None:
    rooms = dict(session.get(ROOMS_KEY) or {})
    if room_id is None:
        rooms.pop(str(stocktake_id), None)
    else:
        rooms[str(stocktake_id)] = room_id
    session[ROOMS_KEY] = rooms


def _device() -> str:
    return services.device_label(request.headers.get("User-Agent", ""))


@bp.get("")
@login_required
def index():
    from tagsvc.district.seasons import seasons_to_open

    return render_template("stocktake/index.html", stocktakes=services.stocktakes_for(current_user), seasons=seasons_to_open(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.is_admin:
        abort(403)
    form = OpenStocktakeForm()
    form.department_ids.choices = [(d.id, d.name) for d in all_departments()]
    form.kinds.choices = [(k.value, _(label)) for k, label in ASSET_KIND_LABELS.items()]
    status = 200
    if form.validate_on_submit():
        scope = services.Scope(department_ids=tuple(form.department_ids.data or ()),
                               location_ids=(form.location_id.data,) if form.location_id.data else (),
                               category_ids=(form.category_id.data,) if form.category_id.data else (),
                               kinds=tuple(AssetKind(k) for k in form.kinds.data or ()))
        assignments = services.keepers_of_scope(scope) if form.keepers_take_part.data else []
        try:
            stocktake = services.open_stocktake(current_user, form.name.data, scope, form.deadline.data, assignments)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("The stocktake is open: %(count)s items to confirm.", count=stocktake.expected_count), "success")
            return redirect(url_for("stocktake.overview", stocktake_id=stocktake.id))
    elif form.errors:
        status = 400
    return render_template("stocktake/new.html", form=form), status


@bp.get("/<int:stocktake_id>")
@login_required
def overview(stocktake_id: int):
    stocktake = services.get_stocktake(current_user, stocktake_id)
    assign = None
    if current_user.is_admin and stocktake.is_open:
        assign = AssignForm()
        _assign_choices(assign)
    return render_template("stocktake/overview.html", stocktake=stocktake, progress=services.progress(current_user, stocktake_id),
                           devices_pending=services.pending_on_devices(stocktake_id), assign=assign, close=CloseForm(), button=ConfirmForm())


def _assign_choices(form: AssignForm) -> None:
    people = db.session.scalars(select(User).where(User.role.in_((Role.KEEPER, Role.ADMIN)), User.active.is_(True)).order_by(User.display_name))
    form.user_id.choices = [(u.id, u.display_name) for u in people]
    form.department_id.choices = [(None, "—")] + [(d.id, d.name) for d in all_departments()]


@bp.post("/<int:stocktake_id>/participants")
@login_required
def assign(stocktake_id: int):
    form = AssignForm()
    _assign_choices(form)
    if form.validate_on_submit():
        try:
            services.assign_participant(current_user, stocktake_id, services.Assignment(form.user_id.data, form.department_id.data,
                                                                                       form.location_id.data))
        except TagsvcError as error:
            show_refusal(error)
        else:
            flash(_("Added."), "success")
    else:
        flash(_("Choose a person, and a department or a place."), "error")
    return redirect(url_for("stocktake.overview", stocktake_id=stocktake_id) + "#participants")


@bp.post("/<int:stocktake_id>/participants/<int:participant_id>/remove")
@login_required
def unassign(stocktake_id: int, participant_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_participant(current_user, stocktake_id, participant_id)
        except TagsvcError as error:
            show_refusal(error)
    return redirect(url_for("stocktake.overview", stocktake_id=stocktake_id) + "#participants")


@bp.get("/<int:stocktake_id>/scan")
@login_required
def scanner(stocktake_id: int):
    """The walk: where I stand, what is still missing here, the camera, the typed-code field."""
    stocktake = services.get_stocktake(current_user, stocktake_id)
    rooms = services.room_choices(stocktake)
    chosen = request.args.get("room", type=int)
    if chosen is not None:
        _remember_room(stocktake_id, chosen)
    room_id = chosen if chosen is not None else room_in_session(stocktake_id)
    view = None
    if room_id is not None:
        try:
            view = services.room_view(current_user, stocktake_id, room_id)
        except TagsvcError as error:
            show_refusal(error)
            _remember_room(stocktake_id, None)
    room_form = RoomForm(formdata=None, room=room_id)
    room_form.room.choices = [(None, _("Choose the room you are in"))] + [(r.id, r.full_name) for r in rooms]
    typed = ConfirmItemForm(formdata=None, scan_id=str(uuid.uuid4()), room=room_id or "", method=ConfirmMethod.TYPED.value)
    return render_template("stocktake/scanner.html", stocktake=stocktake, view=view, room_form=room_form, typed=typed,
                           finding=FindingForm(formdata=None, room=room_id or "", scan_id=str(uuid.uuid4())),
                           room_codes=services.room_codes(stocktake), room_names={r.id: r.full_name for r in rooms},
                           condition_labels=CONDITION_LABELS)


@bp.post("/<int:stocktake_id>/confirm")
@login_required
def confirm(stocktake_id: int):
    """One confirmation from a form: the button on a label's page, or the typed-code field."""
    form = ConfirmItemForm()
    back = safe_next(form.next.data, url_for("stocktake.scanner", stocktake_id=stocktake_id))
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0] if form.errors else _("Type or scan a label's code."), "error")
        return redirect(back)
    method = ConfirmMethod(form.method.data) if form.method.data in ConfirmMethod._value2member_map_ else ConfirmMethod.TYPED
    room_id = int(form.room.data) if (form.room.data or "").isdigit() else None
    try:
        scan_id = str(uuid.UUID(form.scan_id.data)) if form.scan_id.data else ""
    except ValueError:
        scan_id = ""
    try:
        result = services.confirm_in_stocktake(current_user, stocktake_id, services.Sighting(
            code=form.code.data, location_id=room_id, method=method, scan_id=scan_id, device=_device()))
    except TagsvcError as error:
        db.session.rollback()
        show_refusal(error)
        return redirect(back)
    _say(stocktake_id, result, form.code.data)
    if result.outcome == ScanOutcome.ROOM_LABEL:
        _remember_room(stocktake_id, result.location_id)
        return redirect(url_for("stocktake.scanner", stocktake_id=stocktake_id, room=result.location_id))
    return redirect(back)


def _say(stocktake_id: int, result: services.ConfirmResult, typed: str) -> None:
    """The answer a person reads after a confirmation, in one line."""
    if result.outcome is None:
        flash(_("“%(code)s” is not a label of this school: nothing was recorded.", code=typed.strip()[:60]), "error")
    elif result.outcome == ScanOutcome.CONFIRMED:
        room = db.session.get(Location, result.room_id) if result.room_id else None
        found, expected = services.room_tally(stocktake_id, result.room_id)
        where = _("%(room)s: %(found)s of %(expected)s", room=room.name, found=found, expected=expected) if room else ""
        message = "✓ " + (f"{result.name} · {where}" if where else result.name) + " · " + _("scan the next one")
        if result.misplaced:
            booked = result.booked_in or _("no place")
            message += " · " + _("misplaced: the books put it in %(place)s", place=booked)
        flash(message, "success")
    elif result.outcome == ScanOutcome.ALREADY_CONFIRMED:
        flash(_("%(name)s was already confirmed by %(person)s at %(time)s: counted once.", name=result.name, person=result.first_by,
                time=result.first_at.strftime("%H:%M") if result.first_at else "—"), "info")
    elif result.outcome == ScanOutcome.NOT_ON_LIST:
        flash(_("%(name)s is not on your list in this stocktake: recorded as found here, for the office.", name=result.name), "info")
    elif result.outcome == ScanOutcome.NOT_REGISTERED:
        flash(_("The label %(code)s belongs to no registered item: say what it is below, for the office.", code=result.code), "info")
    elif result.outcome == ScanOutcome.ROOM_LABEL:
        flash(_("You are now in %(room)s.", room=db.session.get(Location, result.location_id).full_name), "success")


@bp.post("/<int:stocktake_id>/room")
@login_required
def set_room(stocktake_id: int):
    """"I am in this room", from a room label's page."""
    stocktake = services.get_stocktake(current_user, stocktake_id)
    room_id = request.form.get("room", type=int)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.check_room(stocktake, room_id)
    except TagsvcError as error:
        show_refusal(error)
        return redirect(url_for("stocktake.scanner", stocktake_id=stocktake_id))
    _remember_room(stocktake_id, room_id)
    return redirect(url_for("stocktake.scanner", stocktake_id=stocktake_id, room=room_id))


@bp.post("/<int:stocktake_id>/findings")
@login_required
def record_finding(stocktake_id: int):
    form = FindingForm()
    room_id = int(form.room.data) if (form.room.data or "").isdigit() else None
    back = url_for("stocktake.scanner", stocktake_id=stocktake_id, room=room_id) if room_id else url_for("stocktake.scanner", stocktake_id=stocktake_id)
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return redirect(back + "#not-on-list")
    photo = form.photo.data.read() if getattr(form.photo.data, "filename", "") else None
    try:
        finding = services.record_finding(current_user, stocktake_id, services.FoundThing(
            name=form.name.data, location_id=room_id, code=form.code.data or "", note=form.note.data or "", scan_id=form.scan_id.data or ""),
            photo=photo)
    except TagsvcError as error:
        db.session.rollback()
        show_refusal(error)
        return redirect(back + "#not-on-list")
    flash(_("Recorded for the office: %(name)s.", name=finding.name), "success")
    return redirect(back)


@bp.post("/<int:stocktake_id>/items/<int:item_id>/condition")
@login_required
def set_condition(stocktake_id: int, item_id: int):
    form = ConditionForm()
    form.condition.choices = [c.value for c in AssetCondition]
    back = safe_next(request.form.get("next"), url_for("stocktake.scanner", stocktake_id=stocktake_id))
    if form.validate_on_submit():
        try:
            item = services.mark_condition(current_user, stocktake_id, item_id, AssetCondition(form.condition.data))
        except TagsvcError as error:
            db.session.rollback()
            show_refusal(error)
        else:
            flash(_("%(name)s: condition noted (%(condition)s).", name=item.name, condition=_(CONDITION_LABELS[AssetCondition(form.condition.data)])), "success")
    return redirect(back)


@bp.route("/<int:stocktake_id>/close", methods=["GET", "POST"])
@login_required
def close(stocktake_id: int):
    """Closing asks first, on a page of its own: which rooms nobody visited, which phones still hold confirmations.
    Only the form on that page (it says it was confirmed) closes; a tap anywhere else never does."""
    form = CloseForm()
    if request.method == "GET" or request.form.get("confirmed") != "yes":
        require_admin(current_user)
        stocktake = services.get_stocktake(current_user, stocktake_id)
        if not stocktake.is_open:
            return redirect(url_for("stocktake.report", stocktake_id=stocktake_id))
        progress = services.progress(current_user, stocktake_id)
        unvisited = [room for room, _tally, visited in progress.rooms if room is not None and not visited]
        return render_template("stocktake/close.html", stocktake=stocktake, progress=progress, unvisited=unvisited,
                               devices_pending=services.pending_on_devices(stocktake_id), close=CloseForm(formdata=None))
    if form.validate_on_submit():
        try:
            services.close_stocktake(current_user, stocktake_id, form.pending_override.data)
        except TagsvcError as error:
            db.session.rollback()
            show_refusal(error)
            return redirect(url_for("stocktake.close", stocktake_id=stocktake_id))
        flash(_("The stocktake is closed. Settle each difference below."), "success")
        return redirect(url_for("stocktake.report", stocktake_id=stocktake_id))
    return redirect(url_for("stocktake.overview", stocktake_id=stocktake_id))


@bp.get("/<int:stocktake_id>/report")
@login_required
def report(stocktake_id: int):
    result = reconciling.reconciliation(current_user, stocktake_id)
    item_form = ResolveItemForm(formdata=None)
    item_form.department_id.choices = [(None, _("Department unchanged"))] + [(d.id, d.name) for d in all_departments()]
    return render_template("stocktake/report.html", report=result, item_form=item_form, finding_form=ResolveFindingForm(formdata=None),
                           suggested_department=reconciling.suggested_department, RESOLUTION_LABELS=RESOLUTION_LABELS,
                           ASSET_KIND_LABELS=ASSET_KIND_LABELS, FINDING_KIND_LABELS=FINDING_KIND_LABELS,
                           RESOLUTION_ACTIONS=RESOLUTION_ACTIONS)


@bp.get("/<int:stocktake_id>/report/print")
@login_required
def report_print(stocktake_id: int):
    result = reconciling.reconciliation(current_user, stocktake_id)
    return render_template("stocktake/report_print.html", report=result, RESOLUTION_LABELS=RESOLUTION_LABELS, ASSET_KIND_LABELS=ASSET_KIND_LABELS)


@bp.get("/<int:stocktake_id>/report.xlsx")
@login_required
def report_excel(stocktake_id: int):
    result = reconciling.reconciliation(current_user, stocktake_id)
    return send_file(BytesIO(reconciliation_xlsx(result)), as_attachment=True, download_name=f"stocktake-{stocktake_id}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post("/<int:stocktake_id>/items/<int:item_id>/resolve")
@login_required
def resolve_item(stocktake_id: int, item_id: int):
    form = ResolveItemForm()
    form.resolution.choices = [r.value for r in (Resolution.MOVED, Resolution.LOST, Resolution.LEFT_OPEN)]
    form.department_id.choices = [(None, "")] + [(d.id, d.name) for d in all_departments()]
    if form.validate_on_submit():
        try:
            reconciling.resolve_item(current_user, stocktake_id, item_id, Resolution(form.resolution.data), form.note.data or "",
                                  department_id=form.department_id.data)
        except TagsvcError as error:
            db.session.rollback()
            show_refusal(error)
        else:
            flash(_("Done: %(what)s.", what=_(RESOLUTION_LABELS[Resolution(form.resolution.data)])), "success")
    else:
        flash(_("Choose what to do with this difference."), "error")
    return redirect(url_for("stocktake.report", stocktake_id=stocktake_id) + f"#item-{item_id}")


@bp.post("/<int:stocktake_id>/findings/<int:finding_id>/resolve")
@login_required
def resolve_finding(stocktake_id: int, finding_id: int):
    form = ResolveFindingForm()
    form.resolution.choices = [r.value for r in (Resolution.REGISTERED, Resolution.ATTACHED, Resolution.DISMISSED)]
    form.department_id.choices = [(None, "")] + [(d.id, d.name) for d in all_departments()]
    if form.validate_on_submit():
        resolution = Resolution(form.resolution.data)
        try:
            done = reconciling.resolve_finding(current_user, stocktake_id, finding_id, resolution, form.note.data or "",
                                               asset_number=form.asset_number.data or "", department_id=form.department_id.data)
        except TagsvcError as error:
            db.session.rollback()
            show_refusal(error)
        else:
            if resolution == Resolution.REGISTERED:
                flash(_("Registered. Print its label from the asset's page."), "success")
                return redirect(url_for("assets.detail", asset_id=done.resolved_asset_id))
            flash(_("Done: %(what)s.", what=_(RESOLUTION_LABELS[resolution])), "success")
    else:
        flash(_("Choose what to do with this item."), "error")
    return redirect(url_for("stocktake.report", stocktake_id=stocktake_id) + f"#finding-{finding_id}")


@bp.post("/seasons/<int:season_id>/open")
@login_required
def open_for_season(season_id: int):
    """The school's whole-school stocktake for the education bureau's season, opened from the stocktakes page."""
    from tagsvc.district.seasons import open_season_stocktake

    try:
        stocktake = open_season_stocktake(current_user, season_id)
    except TagsvcError as error:
        show_refusal(error)
        return redirect(url_for("stocktake.index"))
    flash(_("%(name)s is open: the keepers of every department take part.", name=stocktake.name), "success")
    return redirect(url_for("stocktake.overview", stocktake_id=stocktake.id))
