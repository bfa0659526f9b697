"""Loan and handover pages: the list with what is overdue, starting one (choose the recipient), the scan loop that
adds items one after another, returns (a scan loop too, with the condition), and the printable slip."""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tagsvc.accounts.models import User
from tagsvc.assets.models import Asset
from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.extensions import db
from tagsvc.forms import ConfirmForm
from tagsvc.loans import services
from tagsvc.loans.forms import ItemForm, ReturnForm, SignatureForm, StartHandoutForm
from tagsvc.loans.models import HandoutKind, RecipientKind
from tagsvc.structure.services import all_departments
from tagsvc.stocktake.following import open_stocktakes_holding

bp = Blueprint("loans", __name__, url_prefix="/loans")
# The handout a person is filling: their label pages offer "add to it" (a phone's own camera makes the loop too).
ACTIVE_KEY = "handout"


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    if not services.may_hand_out(current_user):
        abort(403)
    form = _start_form()
    status = 200
    if form.validate_on_submit():
        recipient = services.Recipient(RecipientKind(form.recipient_kind.data), form.name.data or "", form.class_name.data or "",
                                       form.contact.data or "", form.user_id.data, form.department_id.data, form.location_id.data,
                                       form.due_on.data, form.note.data or "")
        try:
            handout = services.start_handout(current_user, HandoutKind(form.kind.data), recipient)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            session[ACTIVE_KEY] = handout.id
            if form.asset.data and form.asset.data.isdigit():
                _add(handout.id, int(form.asset.data))
            return redirect(url_for("loans.detail", handout_id=handout.id))
    elif form.errors:
        status = 400
    asset = db.session.get(Asset, request.values.get("asset", type=int)) if request.values.get("asset", "").isdigit() else None
    page = services.handouts_for(current_user, request.args.get("page", 1, type=int))
    return render_template("loans/index.html", form=form, page=page, asset=asset, overdue=services.overdue_items(current_user),
                           today=services.school_today(), is_overdue=services.is_overdue,
                           in_stocktake=open_stocktakes_holding([asset.id]) if asset else []), status


def _start_form() -> StartHandoutForm:
    form = StartHandoutForm()
    form.department_id.choices = [(None, _("— choose —"))] + [(d.id, d.name) for d in all_departments()]
    staff = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name))
    form.user_id.choices = [(None, _("— or type a name above —"))] + [(u.id, u.display_name) for u in staff]
    if request.method == "GET" and request.args.get("asset", "").isdigit():
        form.asset.data = request.args["asset"]
    return form


@bp.get("/<int:handout_id>")
@login_required
def detail(handout_id: int):
    handout = _handout_or_404(handout_id)
    return render_template("loans/detail.html", handout=handout, form=ItemForm(formdata=None), button=ConfirmForm(),
                           overdue=services.is_overdue(handout), active=session.get(ACTIVE_KEY) == handout.id)


@bp.post("/<int:handout_id>/items")
@login_required
def add_item(handout_id: int):
    """One item more: by its label (typed, a hand-held scanner, or the button on the label's page)."""
    form = ItemForm()
    asset_id = request.form.get("asset_id", "")
    back = url_for("scanning.scan", code=request.form["back_code"]) if request.form.get("back_code") else url_for("loans.detail", handout_id=handout_id)
    if asset_id.isdigit():
        if not ConfirmForm().validate_on_submit():
            abort(400)
        _add(handout_id, int(asset_id))
    elif form.validate_on_submit():
        _add(handout_id, form.code.data)
    else:
        flash(_("Type or scan a label's code."), "error")
    return redirect(back)


def _add(handout_id: int, code_or_asset_id) -> None:
    try:
        added = services.hand_out(current_user, handout_id, code_or_asset_id)
    except TagsvcError as error:
        show_refusal(error)
        return
    if added.added:
        flash(_("✓ %(name)s (%(number)s) · %(count)d in all", name=added.item.name, number=added.item.asset_number, count=added.count), "success")
    else:
        flash(_("%(name)s (%(number)s) is on this list already.", name=added.item.name, number=added.item.asset_number), "info")


@bp.post("/<int:handout_id>/close")
@login_required
def close(handout_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        handout = services.close_handout(current_user, handout_id)
    except TagsvcError as error:
        show_refusal(error)
    else:
        flash(_("%(number)s is finished.", number=handout.number), "success")
    if session.get(ACTIVE_KEY) == handout_id:
        session.pop(ACTIVE_KEY)
    return redirect(url_for("loans.detail", handout_id=handout_id))


@bp.post("/<int:handout_id>/active")
@login_required
def set_active(handout_id: int):
    """Add items from their label pages (the phone's camera) to this one, or stop doing so."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _handout_or_404(handout_id)
    if request.form.get("stop"):
        session.pop(ACTIVE_KEY, None)
    else:
        session[ACTIVE_KEY] = handout_id
    return redirect(url_for("loans.detail", handout_id=handout_id))


@bp.route("/returns", methods=["GET", "POST"], endpoint="return_item")
@login_required
def return_item():
    """Take items back, one scan each; the condition stays chosen for the next one (a class set comes back together)."""
    if not services.may_hand_out(current_user):
        abort(403)
    form = ReturnForm() if request.method == "POST" else ReturnForm(formdata=None, code=request.args.get("code", ""),
                                                                   condition=request.args.get("condition", "good"))
    status = 200
    if form.validate_on_submit():
        try:
            returned = services.return_item(current_user, form.code.data, form.condition.data, form.note.data or "", form.damage.data or "")
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            item = returned.item
            if not returned.counted:
                flash(_("%(name)s was taken back already, by %(person)s at %(time)s.", name=item.name, person=item.returned_by_name,
                        time=item.returned_at.strftime("%Y-%m-%d %H:%M")), "info")
            else:
                flash(_("✓ %(name)s (%(number)s) is back from %(loan)s · %(n)d still out", name=item.name, number=item.asset_number,
                        loan=item.handout.number, n=returned.outstanding), "success")
                if returned.report_id:
                    flash(_("Damage report #%(id)d is open, naming the borrower %(recipient)s.", id=returned.report_id,
                            recipient=item.handout.recipient), "info")
                elif returned.report_refusal:
                    flash(returned.report_refusal, "error")
            # The condition stays for the next scan, unless this one came back damaged (the next is not, most likely).
            sticky = form.condition.data if not (form.damage.data or "").strip() and form.condition.data != "broken" else "good"
            return redirect(url_for("loans.return_item", condition=sticky))
    elif form.errors:
        status = 400
    return render_template("loans/returns.html", form=form), status


@bp.route("/<int:handout_id>/sign", methods=["GET", "POST"])
@login_required
def sign(handout_id: int):
    """The recipient signs on this phone for what they received."""
    handout = _handout_or_404(handout_id)
    form = SignatureForm() if request.method == "POST" else SignatureForm(formdata=None, signer=handout.recipient_name)
    status = 200
    if form.validate_on_submit():
        try:
            services.sign_handout(current_user, handout.id, picture_in(form.picture.data), form.signer.data)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("Signed by %(name)s.", name=form.signer.data.strip()), "success")
            return redirect(url_for("loans.detail", handout_id=handout.id))
    elif form.errors:
        status = 400
    return render_template("loans/sign.html", handout=handout, form=form), status


def picture_in(data_url: str | None) -> bytes:
    """The bytes of a PNG data URL from the signature box (what the page's script sends); empty when there is none."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        return b""
    try:
        return base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        return b""


@bp.get("/<int:handout_id>/slip")
@login_required
def slip(handout_id: int):
    """The handover slip (领用单) or loan slip (借用单) on A4, with lines for both signatures."""
    handout = _handout_or_404(handout_id)
    return render_template("loans/slip.html", handout=handout, total=sum((item.price or 0) for item in handout.items))


def _handout_or_404(handout_id: int):
    try:
        return services.get_handout(current_user, handout_id)
    except TagsvcError:
        abort(404)


def active_handout():
    """The open handout this person is filling (for the banner on label pages), or None."""
    handout_id = session.get(ACTIVE_KEY)
    if not handout_id:
        return None
    try:
        handout = services.get_handout(current_user, handout_id)
    except TagsvcError:
        return None
    return handout if handout.closed_at is None else None
