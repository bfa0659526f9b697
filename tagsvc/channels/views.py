"""The office's page for group robots: add one, send it a test message, read its delivery log, resend what failed."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from tagsvc.accounts.permissions import require_admin
from tagsvc.channels import services
from tagsvc.channels.display import DELIVERY_STATUS_LABELS, EVENT_LABELS, shortened
from tagsvc.channels.forms import ChannelForm
from tagsvc.channels.models import EVENTS, Channel, Delivery
from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.extensions import db
from tagsvc.forms import ConfirmForm
from tagsvc.structure.services import all_departments

bp = Blueprint("channels", __name__, url_prefix="/admin/channels")


@bp.before_request
@login_required
def _office_only():
    require_admin(current_user)


def _form() -> ChannelForm:
    form = ChannelForm()
    form.events.choices = [(event, _(EVENT_LABELS[event])) for event in EVENTS]
    form.department_ids.choices = [(d.id, d.name) for d in all_departments()]
    return form


@bp.route("", methods=["GET", "POST"])
def index():
    form = _form()
    status = 200
    if form.validate_on_submit():
        try:
            channel = services.add_channel(current_user, form.name.data, form.kind.data, form.url.data or "", form.events.data or [],
                                           secret=form.secret.data or "", department_ids=form.department_ids.data or [],
                                           quiet_from=form.quiet_from.data, quiet_until=form.quiet_until.data)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("“%(name)s” added. Send it a test message to see that the group receives it.", name=channel.name), "success")
            return redirect(url_for("channels.index") + f"#channel-{channel.id}")
    elif form.errors:
        status = 400
    channels = db.session.scalars(select(Channel).order_by(Channel.id)).all()
    counts = {}
    for channel_id, state, count in db.session.execute(select(Delivery.channel_id, Delivery.status, func.count()).group_by(Delivery.channel_id, Delivery.status)):
        counts.setdefault(channel_id, {})[state] = count
    departments = {d.id: d.name for d in all_departments()}
    following = {c.id: [departments[i] for i in c.department_ids or [] if i in departments] for c in channels}
    return render_template("channels/index.html", form=form, channels=channels, counts=counts, following=following, button=ConfirmForm(),
                           EVENT_LABELS=EVENT_LABELS, shortened=shortened), status


@bp.post("/<int:channel_id>/test")
def test(channel_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        answer = services.test_channel(current_user, channel_id)
    except TagsvcError as error:
        show_refusal(error)
    else:
        if answer.outcome == "sent":
            flash(_("The robot took the test message: look in the group."), "success")
        else:
            flash(_("The robot answered: %(outcome)s %(code)s %(detail)s", outcome=answer.outcome.value, code=answer.errcode or "",
                    detail=answer.detail), "error")
    return redirect(url_for("channels.index") + f"#channel-{channel_id}")


@bp.get("/<int:channel_id>")
def log(channel_id: int):
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        abort(404)
    deliveries = db.session.scalars(select(Delivery).where(Delivery.channel_id == channel_id).order_by(Delivery.id.desc()).limit(100)).all()
    return render_template("channels/log.html", channel=channel, deliveries=deliveries, button=ConfirmForm(), EVENT_LABELS=EVENT_LABELS,
                           DELIVERY_STATUS_LABELS=DELIVERY_STATUS_LABELS, shortened=shortened)


@bp.post("/<int:channel_id>/resend")
def resend(channel_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = services.resend_failed(current_user, channel_id)
    flash(_("%(n)d failed messages will be sent again.", n=count), "success")
    return redirect(url_for("channels.log", channel_id=channel_id))
