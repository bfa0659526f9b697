"""The office's page for group robots: add one, send it a test message, read its delivery log, resend what failed."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from sqlalchemy import func, select

from tagsvc.accounts.permissions import require_admin
from tagsvc.channels import services
from tagsvc.channels.display import DELIVERY_STATUS_LABELS, EVENT_LABELS, KIND_LABELS, as_the_group_reads_it, shortened
from tagsvc.channels.forms import ChannelForm, EditChannelForm
from tagsvc.channels.models import EVENTS, Channel, ChannelMessage, Delivery
from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.extensions import db
from tagsvc.forms import ConfirmForm
from tagsvc.pagination import paginate
from tagsvc.structure.services import all_departments

bp = Blueprint("channels", __name__, url_prefix="/admin/channels")


@bp.before_request
@login_required
def _office_only():
    require_admin(current_user)


def _form(form_class=ChannelForm, **values) -> ChannelForm:
    form = form_class(**values)
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
                           EVENT_LABELS=EVENT_LABELS, KIND_LABELS=KIND_LABELS, shortened=shortened), status


def _channel_or_404(channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        abort(404)
    return channel


@bp.route("/<int:channel_id>/edit", methods=["GET", "POST"])
def edit(channel_id: int):
    channel = _channel_or_404(channel_id)
    form = _form(EditChannelForm, obj=channel)
    if not form.is_submitted():
        form.url.data = form.secret.data = ""  # never shown back
    status = 200
    if form.validate_on_submit():
        data = services.ChannelData(form.name.data, channel.kind, form.url.data, tuple(form.events.data or []), form.secret.data,
                                    tuple(form.department_ids.data or []), form.quiet_from.data, form.quiet_until.data, form.active.data)
        try:
            services.save_channel(current_user, channel.id, data)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("“%(name)s” saved.", name=data.name.strip()), "success")
            return redirect(url_for("channels.index") + f"#channel-{channel.id}")
    elif form.errors:
        status = 400
    waiting = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.channel_id == channel.id, Delivery.status == "waiting"))
    return render_template("channels/edit.html", form=form, channel=channel, waiting=waiting, button=ConfirmForm(),
                           KIND_LABELS=KIND_LABELS, shortened=shortened), status


@bp.post("/<int:channel_id>/delete")
def delete(channel_id: int):
    channel = _channel_or_404(channel_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = channel.name
    waiting = services.delete_channel(current_user, channel_id)
    flash(_("“%(name)s” removed.", name=name) + (" " + ngettext("%(num)d message that waited will not be sent.",
                                                                 "%(num)d messages that waited will not be sent.", waiting) if waiting else ""),
          "success")
    return redirect(url_for("channels.index"))


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
    channel = _channel_or_404(channel_id)
    page = paginate(select(Delivery).where(Delivery.channel_id == channel_id).order_by(Delivery.id.desc()), request.args.get("page", 1, type=int), 50)
    failed = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.channel_id == channel_id, Delivery.status == "failed"))
    messages = db.session.scalars(select(ChannelMessage).where(ChannelMessage.channel_id == channel_id)
                                  .order_by(ChannelMessage.id.desc()).limit(10)).all()
    return render_template("channels/log.html", channel=channel, page=page, failed=failed, messages=messages, button=ConfirmForm(),
                           EVENT_LABELS=EVENT_LABELS, DELIVERY_STATUS_LABELS=DELIVERY_STATUS_LABELS, shortened=shortened,
                           as_the_group_reads_it=as_the_group_reads_it)


@bp.post("/<int:channel_id>/resend")
def resend(channel_id: int):
    _channel_or_404(channel_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = services.resend_failed(current_user, channel_id)
    flash(_("%(n)d failed messages will be sent again.", n=count), "success")
    return redirect(url_for("channels.log", channel_id=channel_id))
