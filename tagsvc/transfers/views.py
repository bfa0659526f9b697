"""Transfer pages: request (from an asset's page or for many ticked in the register), the transfer's page with the
decisions each person may take, arrivals (typed, scanned or ticked), the list, and the printable slip (调拨单)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from tagsvc.assets.models import Asset
from tagsvc.errors import PermissionDeniedError, TagsvcError, show_refusal
from tagsvc.extensions import db
from tagsvc.schools.models import School
from tagsvc.forms import ConfirmForm
from tagsvc.i18n.views import safe_next
from tagsvc.stocktake.following import open_stocktakes_holding
from tagsvc.structure.services import all_departments
from tagsvc.transfers import between_schools, services
from tagsvc.transfers.forms import AcceptOfferForm, ArrivalForm, OfferToSchoolForm, ReasonForm, RequestTransferForm
from tagsvc.transfers.models import ArrivalMethod
from tagsvc.i18n.messages import join_names

bp = Blueprint("transfers", __name__, url_prefix="/transfers")


@bp.get("")
@login_required
def index():
    try:
        page = services.transfers_for(current_user, request.args.get("page", 1, type=int))
    except TagsvcError as error:
        abort(error.status_code)
    return render_template("transfers/index.html", page=page, waiting={t.id: services.waiting_on(current_user, t) for t in page.items},
                           district_of_several=current_user.is_admin and bool(between_schools.other_schools()))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    asset_ids = [int(v) for v in request.values.getlist("asset") if v.isdigit()]
    assets = list(db.session.scalars(select(Asset).where(Asset.id.in_(asset_ids)).order_by(Asset.asset_number))) if asset_ids else []
    others = [a for a in assets if not services.may_request(current_user, a.department_id)]
    if others:  # every listed item must be this person's to send, as the disposal form checks
        raise PermissionDeniedError(_("You can only request transfers of your own departments' items; these are not yours: %(items)s.",
                                      items=join_names(f"{a.name} ({a.asset_number})" for a in others[:10])))
    form = RequestTransferForm()
    form.to_department_id.choices = [(None, _("— choose —"))] + [(d.id, d.name) for d in all_departments()]
    status = 200
    if form.validate_on_submit():
        data = services.TransferRequest(asset_ids=[a.id for a in assets], to_department_id=form.to_department_id.data,
                                        to_location_id=form.to_location_id.data, to_custodian=form.to_custodian.data,
                                        reason=form.reason.data)
        try:
            transfer = services.request_transfer(current_user, data, direct=bool(form.direct.data) and current_user.is_admin)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("Transfer %(number)s requested: %(department)s accepts it, the office approves it.", number=transfer.number,
                    department=transfer.to_department.name) if not transfer.direct else
                  _("Transfer %(number)s recorded: its items move in the books as %(department)s confirms their arrival.",
                    number=transfer.number, department=transfer.to_department.name), "success")
            return redirect(url_for("transfers.detail", transfer_id=transfer.id))
    elif form.errors:
        status = 400
    return render_template("transfers/new.html", form=form, assets=assets, district_of_several=bool(between_schools.other_schools()),
                           in_stocktake=open_stocktakes_holding([a.id for a in assets])), status


@bp.get("/<int:transfer_id>")
@login_required
def detail(transfer_id: int):
    transfer = _transfer_or_404(transfer_id)
    return render_template("transfers/detail.html", transfer=transfer, steps=services.waiting_on(current_user, transfer),
                           outstanding=services.outstanding_items(transfer), reason_form=ReasonForm(), button=ConfirmForm(),
                           arrival=ArrivalForm(formdata=None))


@bp.post("/<int:transfer_id>/<any(accept, approve):decision>")
@login_required
def decide(transfer_id: int, decision: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    step = services.accept_transfer if decision == "accept" else services.approve_transfer
    try:
        transfer = step(current_user, transfer_id)
    except TagsvcError as error:
        show_refusal(error)
    else:
        flash(_("Transfer %(number)s is approved: confirm each item as it arrives.", number=transfer.number)
              if transfer.status == "approved" else _("Noted. %(number)s now waits for the other approval.", number=transfer.number), "success")
    return redirect(url_for("transfers.detail", transfer_id=transfer_id))


@bp.post("/<int:transfer_id>/<any(decline, reject, cancel):decision>")
@login_required
def close(transfer_id: int, decision: str):
    form = ReasonForm()
    if decision != "cancel" and not form.validate_on_submit():
        flash(_("Say why: the other side reads it."), "error")
        return redirect(url_for("transfers.detail", transfer_id=transfer_id))
    if decision == "cancel" and not ConfirmForm().validate_on_submit():
        abort(400)
    step = {"decline": services.decline_transfer, "reject": services.reject_transfer, "cancel": services.cancel_transfer}[decision]
    try:
        transfer = step(current_user, transfer_id, form.reason.data or "")
    except TagsvcError as error:
        show_refusal(error)
    else:
        flash(_("Transfer %(number)s is closed; its items stay where they are.", number=transfer.number), "success")
    return redirect(url_for("transfers.detail", transfer_id=transfer_id))


@bp.post("/<int:transfer_id>/arrivals")
@login_required
def arrive(transfer_id: int):
    """One item arrived: by its label (typed, scanned, or the button on the label's page) or ticked in the list."""
    form = ArrivalForm()
    asset_id = request.form.get("asset_id", "")
    back = safe_next(form.next.data, fallback=url_for("transfers.detail", transfer_id=transfer_id))
    if not asset_id.isdigit() and not form.validate_on_submit():
        flash(_("Type or scan a label's code."), "error")
        return redirect(back)
    if asset_id.isdigit() and not ConfirmForm().validate_on_submit():
        abort(400)
    method = ArrivalMethod(form.method.data) if form.method.data in ArrivalMethod._value2member_map_ else ArrivalMethod.TYPED
    try:
        arrival = services.confirm_arrival(current_user, transfer_id, int(asset_id) if asset_id.isdigit() else form.code.data, method)
    except TagsvcError as error:
        show_refusal(error)
        return redirect(back)
    if arrival.counted:
        flash(_("✓ %(name)s arrived · %(arrived)d of %(total)d", name=arrival.item.name, arrived=arrival.arrived, total=arrival.total)
              + (" · " + _("all arrived") if arrival.completed else ""), "success")
    else:
        flash(_("%(name)s was confirmed already, by %(person)s at %(time)s.", name=arrival.item.name, person=arrival.first_by,
                time=arrival.first_at.strftime("%Y-%m-%d %H:%M")), "info")
    return redirect(back)


@bp.get("/<int:transfer_id>/slip")
@login_required
def slip(transfer_id: int):
    """The transfer slip (调拨单) on A4, with lines for the signatures of sender, receiver and approver."""
    transfer = _transfer_or_404(transfer_id)
    total = sum((item.price or 0) for item in transfer.items)
    return render_template("transfers/slip.html", transfer=transfer, total=total)


def _transfer_or_404(transfer_id: int):
    try:
        return services.get_transfer(current_user, transfer_id)
    except TagsvcError:
        abort(404)



# ---------------------------------------------------------------- transfers to another school (划拨)


@bp.get("/schools")
@login_required
def school_index():
    _only_in_a_district()
    try:
        page = between_schools.school_transfers_for(current_user, request.args.get("page", 1, type=int))
    except TagsvcError as error:
        abort(error.status_code)
    return render_template("transfers/schools.html", page=page,
                           waiting={t.id: between_schools.steps_for(current_user, t) for t in page.items})


@bp.route("/schools/new", methods=["GET", "POST"])
@login_required
def school_new():
    _only_in_a_district()
    if not current_user.is_admin:
        abort(403)
    asset_ids = [int(v) for v in request.values.getlist("asset") if v.isdigit()]
    assets = list(db.session.scalars(select(Asset).where(Asset.id.in_(asset_ids)).order_by(Asset.asset_number))) if asset_ids else []
    form = OfferToSchoolForm()
    schools = between_schools.other_schools()
    form.to_school_id.choices = [(None, _("— choose —"))] + [(s.id, s.name) for s in schools]
    status = 200
    if form.validate_on_submit():
        try:
            transfer = between_schools.offer_to_school(current_user, [a.id for a in assets], form.to_school_id.data, form.reason.data)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("%(number)s offered to %(school)s: that school accepts it, then the education bureau approves it.",
                    number=transfer.number, school=transfer.to_school_name), "success")
            return redirect(url_for("transfers.school_detail", school_transfer_id=transfer.id))
    elif form.errors:
        status = 400
    return render_template("transfers/school_new.html", form=form, assets=assets, schools=schools), status


@bp.get("/schools/<int:school_transfer_id>")
@login_required
def school_detail(school_transfer_id: int):
    transfer = _school_transfer_or_404(school_transfer_id)
    steps = between_schools.steps_for(current_user, transfer)
    accept = AcceptOfferForm(formdata=None)
    if "accept" in steps:
        accept.to_department_id.choices = [(None, _("— choose —"))] + [(d.id, d.name) for d in all_departments()]
    return render_template("transfers/school_detail.html", transfer=transfer, steps=steps, accept=accept, reason_form=ReasonForm(),
                           button=ConfirmForm(), arrival=ArrivalForm(formdata=None))


@bp.post("/schools/<int:school_transfer_id>/accept")
@login_required
def school_accept(school_transfer_id: int):
    form = AcceptOfferForm()
    form.to_department_id.choices = [(None, "")] + [(d.id, d.name) for d in all_departments()]
    if not form.validate_on_submit():
        flash(_("Choose the department that takes these items."), "error")
        return redirect(url_for("transfers.school_detail", school_transfer_id=school_transfer_id))
    try:
        transfer = between_schools.accept_offer(current_user, school_transfer_id, form.to_department_id.data, form.to_location_id.data,
                                                form.to_custodian.data)
    except TagsvcError as error:
        show_refusal(error)
    else:
        flash(_("Accepted. %(number)s now waits for the education bureau.", number=transfer.number), "success")
    return redirect(url_for("transfers.school_detail", school_transfer_id=school_transfer_id))


@bp.post("/schools/<int:school_transfer_id>/approve")
@login_required
def school_approve(school_transfer_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        transfer = between_schools.approve_offer(current_user, school_transfer_id)
    except TagsvcError as error:
        show_refusal(error)
    else:
        flash(_("%(number)s is approved: its items change school as %(school)s scans them in.", number=transfer.number,
                school=transfer.to_school_name), "success")
    return redirect(url_for("transfers.school_detail", school_transfer_id=school_transfer_id))


@bp.post("/schools/<int:school_transfer_id>/<any(decline, reject, cancel):decision>")
@login_required
def school_close(school_transfer_id: int, decision: str):
    form = ReasonForm()
    if decision != "cancel" and not form.validate_on_submit():
        flash(_("Say why: the other side reads it."), "error")
        return redirect(url_for("transfers.school_detail", school_transfer_id=school_transfer_id))
    if decision == "cancel" and not ConfirmForm().validate_on_submit():
        abort(400)
    step = {"decline": between_schools.decline_offer, "reject": between_schools.reject_offer, "cancel": between_schools.cancel_offer}[decision]
    try:
        transfer = step(current_user, school_transfer_id, form.reason.data or "")
    except TagsvcError as error:
        show_refusal(error)
    else:
        flash(_("%(number)s is closed; its items stay with %(school)s.", number=transfer.number, school=transfer.from_school_name), "success")
    return redirect(url_for("transfers.school_detail", school_transfer_id=school_transfer_id))


@bp.post("/schools/<int:school_transfer_id>/arrivals")
@login_required
def school_arrive(school_transfer_id: int):
    """One item arrived at the receiving school: its label typed or scanned, or ticked in the list."""
    form = ArrivalForm()
    item_id = request.form.get("item_id", "")
    back = url_for("transfers.school_detail", school_transfer_id=school_transfer_id)
    if not item_id.isdigit() and not form.validate_on_submit():
        flash(_("Type or scan a label's code."), "error")
        return redirect(back)
    if item_id.isdigit() and not ConfirmForm().validate_on_submit():
        abort(400)
    method = ArrivalMethod(form.method.data) if form.method.data in ArrivalMethod._value2member_map_ else ArrivalMethod.TYPED
    try:
        arrival = between_schools.confirm_school_arrival(current_user, school_transfer_id, int(item_id) if item_id.isdigit() else form.code.data, method)
    except TagsvcError as error:
        show_refusal(error)
        return redirect(back)
    flash(_arrival_words(arrival), "success" if arrival.counted else "info")
    return redirect(back)


@bp.post("/schools/<int:school_transfer_id>/arrivals.json")
@login_required
def school_arrive_json(school_transfer_id: int):
    """The in-page scanner's arrivals (scan/loop.js): JSON in, JSON out, CSRF in its header."""
    body = request.get_json(silent=True) or {}
    method = body.get("method") if body.get("method") in ArrivalMethod._value2member_map_ else ArrivalMethod.CAMERA
    try:
        arrival = between_schools.confirm_school_arrival(current_user, school_transfer_id, str(body.get("code") or ""), ArrivalMethod(method))
    except TagsvcError as error:
        db.session.rollback()
        return jsonify(detail=error.message), error.status_code
    return jsonify(counted=arrival.counted, name=arrival.item.name, arrived=arrival.arrived, total=arrival.total,
                   completed=arrival.completed, first_by=arrival.item.arrived_by_name)


def _arrival_words(arrival) -> str:
    if not arrival.counted:
        return _("%(name)s was confirmed already, by %(person)s at %(time)s.", name=arrival.item.name, person=arrival.item.arrived_by_name,
                 time=arrival.item.arrived_at.strftime("%Y-%m-%d %H:%M"))
    return (_("✓ %(name)s arrived · %(arrived)d of %(total)d", name=arrival.item.name, arrived=arrival.arrived, total=arrival.total)
            + (" · " + _("all arrived") if arrival.completed else ""))


def _only_in_a_district() -> None:
    """An installation for one school has no transfers between schools: their pages are not there."""
    if db.session.scalar(select(func.count(School.id))) < 2:
        abort(404)


def _school_transfer_or_404(school_transfer_id: int):
    try:
        return between_schools.get_school_transfer(current_user, school_transfer_id)
    except TagsvcError:
        abort(404)
