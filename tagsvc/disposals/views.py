"""Disposal pages: propose (from an item's page, a not-repairable repair, or many ticked in the register), the
disposal's page with the office's decision, the list, and the printable record (报废单)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tagsvc.assets.models import Asset
from tagsvc.disposals import services
from tagsvc.disposals.forms import DecisionReasonForm, ProposeDisposalForm
from tagsvc.disposals.models import DisposalReason, DisposalStatus
from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.extensions import db
from tagsvc.forms import ConfirmForm, uploaded_bytes
from tagsvc.repairs.models import DamageReport
from tagsvc.stocktake.following import open_stocktakes_holding

bp = Blueprint("disposals", __name__, url_prefix="/disposals")


@bp.get("")
@login_required
def index():
    try:
        page = services.disposals_for(current_user, request.args.get("page", 1, type=int))
    except TagsvcError as error:
        abort(error.status_code)
    year = services.school_today().year
    return render_template("disposals/index.html", page=page, year=year,
                           written_off=services.written_off(year) if current_user.is_admin else None)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    asset_ids = [int(v) for v in request.values.getlist("asset") if v.isdigit()]
    report = db.session.get(DamageReport, request.values.get("report", type=int)) if request.values.get("report", "").isdigit() else None
    if report is not None and report.asset_id not in asset_ids:
        asset_ids.append(report.asset_id)
    assets = list(db.session.scalars(select(Asset).where(Asset.id.in_(asset_ids)).order_by(Asset.asset_number))) if asset_ids else []
    if assets and not services.may_propose(current_user, assets):
        abort(403)
    form = ProposeDisposalForm()
    if request.method == "GET" and report is not None:
        form.reason_kind.data, form.repair_report_id.data = DisposalReason.NOT_REPAIRABLE.value, report.id
        form.reason.data = report.repair_note
    status = 200
    if form.validate_on_submit():
        proposal = services.Proposal([a.id for a in assets], form.reason_kind.data, form.reason.data or "",
                                     form.repair_report_id.data, uploaded_bytes(form.photos))
        try:
            disposal = services.propose_disposal(current_user, proposal)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("Disposal %(number)s proposed: the office decides on it.", number=disposal.number), "success")
            return redirect(url_for("disposals.detail", disposal_id=disposal.id))
    elif form.errors:
        status = 400
    total = sum((a.price or 0) for a in assets)
    return render_template("disposals/new.html", form=form, assets=assets, report=report, total=total,
                           needed=services.approvals_needed(total), limit=services.second_approval_limit(),
                           young=services.young_items(assets), in_stocktake=open_stocktakes_holding([a.id for a in assets])), status


@bp.get("/<int:disposal_id>")
@login_required
def detail(disposal_id: int):
    disposal = _disposal_or_404(disposal_id)
    return render_template("disposals/detail.html", disposal=disposal, button=ConfirmForm(), reason_form=DecisionReasonForm(),
                           may_approve=services.may_approve_now(current_user, disposal), limit=services.second_approval_limit(),
                           bureau_limit=services.bureau_limit())


@bp.post("/<int:disposal_id>/approve")
@login_required
def approve(disposal_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        disposal = services.approve_disposal(current_user, disposal_id)
    except TagsvcError as error:
        show_refusal(error)
    else:
        if disposal.status == DisposalStatus.APPROVED:
            flash(_("%(number)s is approved: its items are disposed of and their labels retired.", number=disposal.number), "success")
        elif disposal.waiting_for_bureau:
            flash(_("Approved. %(number)s now waits for the education bureau.", number=disposal.number), "success")
        else:
            flash(_("Approved. %(number)s now needs a second approver from the office.", number=disposal.number), "success")
    return redirect(url_for("disposals.detail", disposal_id=disposal_id))


@bp.post("/<int:disposal_id>/<any(reject, cancel):decision>")
@login_required
def close(disposal_id: int, decision: str):
    form = DecisionReasonForm()
    if decision == "reject" and not form.validate_on_submit():
        flash(_("Say why: whoever proposed it reads it."), "error")
        return redirect(url_for("disposals.detail", disposal_id=disposal_id))
    if decision == "cancel" and not ConfirmForm().validate_on_submit():
        abort(400)
    step = services.reject_disposal if decision == "reject" else services.cancel_disposal
    try:
        disposal = step(current_user, disposal_id, form.reason.data or "")
    except TagsvcError as error:
        show_refusal(error)
    else:
        flash(_("%(number)s is closed; its items stay as they are.", number=disposal.number), "success")
    return redirect(url_for("disposals.detail", disposal_id=disposal_id))


@bp.get("/<int:disposal_id>/record")
@login_required
def record(disposal_id: int):
    """The disposal record (报废单) on A4: the items with their model, number, value, condition and reason."""
    disposal = _disposal_or_404(disposal_id)
    return render_template("disposals/record.html", disposal=disposal)


def _disposal_or_404(disposal_id: int):
    try:
        return services.get_disposal(current_user, disposal_id)
    except TagsvcError:
        abort(404)
