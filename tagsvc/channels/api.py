"""Channels over the API (the office): the same as the group messages page. Event names are those of the page and
the command line. A robot's address and secret are never read back: whoever has them can post to the group."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import func, select

from tagsvc.accounts.permissions import require_admin
from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import ID_RULE, Id, RequiredText, Text
from tagsvc.channels import services
from tagsvc.channels.display import shortened
from tagsvc.channels.models import EVENTS, Channel, Delivery
from tagsvc.channels.robots import KINDS
from tagsvc.errors import NotFoundError
from tagsvc.extensions import db

blp = Blueprint("channels_api", __name__, url_prefix="/api/v1/channels",
                description="Group robots (WeCom, DingTalk) and email lists that hear of tagsvc's news (the office).")


class ChannelSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": list(KINDS)})
    address = ma.fields.Method("_address", metadata={"description": "The webhook address with most of its key left out; an email list's addresses."})
    events = ma.fields.List(ma.fields.String(metadata={"enum": list(EVENTS)}), required=True)
    department_ids = ma.fields.List(ma.fields.Integer(), required=True, metadata={"description": "Empty: the whole school."})
    quiet_from = ma.fields.Integer(required=True)
    quiet_until = ma.fields.Integer(required=True)
    active = ma.fields.Boolean(required=True)
    deliveries = ma.fields.Method("_deliveries", metadata={"description": "How many notices were sent, wait, or failed for good."})

    def _address(self, channel: Channel) -> str:
        return shortened(channel.url)

    def _deliveries(self, channel: Channel) -> dict:
        counts = dict(db.session.execute(select(Delivery.status, func.count()).where(Delivery.channel_id == channel.id)
                                         .group_by(Delivery.status)).all())
        return {state: counts.get(state, 0) for state in ("sent", "waiting", "failed")}


class ChannelInputSchema(ma.Schema):
    name = RequiredText(100)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    url = Text(500, load_default="", metadata={"description": "The webhook address (an email list: its addresses, comma-separated). "
                                                              "On a change, empty keeps the one stored."})
    secret = Text(200, load_default="", metadata={"description": "DingTalk's signing secret (SEC…). On a change, empty keeps it."})
    events = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(EVENTS)), required=True, validate=ma.validate.Length(min=1, max=len(EVENTS)))
    department_ids = ma.fields.List(Id(), load_default=list, validate=ma.validate.Length(max=200))
    quiet_from = ma.fields.Integer(load_default=22, validate=ma.validate.Range(0, 23))
    quiet_until = ma.fields.Integer(load_default=7, validate=ma.validate.Range(0, 23))
    active = ma.fields.Boolean(load_default=True)

    class Meta:
        unknown = ma.RAISE


class ChannelListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ChannelSchema), required=True)


class TestAnswerSchema(ma.Schema):
    outcome = ma.fields.String(required=True, metadata={"enum": ["sent", "rate_limited", "refused", "unavailable"]})
    errcode = ma.fields.Integer(allow_none=True)
    detail = ma.fields.String()


def _data(body) -> services.ChannelData:
    return services.ChannelData(body["name"], body["kind"], body["url"], tuple(body["events"]), body["secret"], tuple(body["department_ids"]),
                                body["quiet_from"], body["quiet_until"], body["active"])


def _channel(channel_id: int) -> Channel:
    require_admin(current_user)
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise NotFoundError(_("There is no such channel."))
    return channel


@blp.route("")
@blp.doc(security=BEARER, summary="All channels (office)")
@blp.response(200, ChannelListSchema)
def list_channels():
    require_admin(current_user)
    return {"items": db.session.scalars(select(Channel).order_by(Channel.id)).all()}


@blp.route("", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Add a channel (office)")
@blp.arguments(ChannelInputSchema)
@blp.response(201, ChannelSchema)
def create_channel(body):
    channel = services.save_channel(current_user, None, _data(body))
    return channel, 201, {"Location": url_for("channels_api.read_channel", channel_id=channel.id, _external=True)}


@blp.route(f"/<{ID_RULE}:channel_id>")
@blp.doc(security=BEARER, summary="Read a channel (office)")
@blp.response(200, ChannelSchema)
def read_channel(channel_id: int):
    return _channel(channel_id)


@blp.route(f"/<{ID_RULE}:channel_id>", methods=["PUT"])
@blp.doc(security=BEARER, summary="Change a channel (office)", description="Its kind stays; `active: false` pauses it.")
@blp.arguments(ChannelInputSchema)
@blp.response(200, ChannelSchema)
def change_channel(body, channel_id: int):
    _channel(channel_id)
    return services.save_channel(current_user, channel_id, _data(body))


@blp.route(f"/<{ID_RULE}:channel_id>", methods=["DELETE"])
@blp.doc(security=BEARER, summary="Remove a channel (office)", description="What still waited for it is not sent.")
@blp.response(204)
def delete_channel(channel_id: int):
    _channel(channel_id)
    services.delete_channel(current_user, channel_id)


@blp.route(f"/<{ID_RULE}:channel_id>/test", methods=["POST"])
@blp.doc(security=BEARER, summary="Send a test message now (office)", description="The robot's answer as it gave it.")
@blp.response(200, TestAnswerSchema)
def test_channel(channel_id: int):
    _channel(channel_id)
    answer = services.test_channel(current_user, channel_id)
    return {"outcome": answer.outcome.value, "errcode": answer.errcode, "detail": answer.detail}
