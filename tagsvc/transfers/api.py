"""Transfers over the API: the same steps and rules as the pages, for the scanner pages' scripts and other systems."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate

from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import CancelSchema, CodeOrAssetSchema, ID_RULE, Id, PageArgs, PageMeta, ReasonSchema, Text, paged
from tagsvc.transfers import services
from tagsvc.transfers.models import ArrivalMethod, TransferStatus

blp = Blueprint("transfers_api", __name__, url_prefix="/api/v1/transfers",
                description="Transfers (调拨) between departments: requested, accepted, approved, confirmed on arrival.")


class TransferItemSchema(ma.Schema):
    asset_id = ma.fields.Integer(required=True)
    asset_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    book_value = ma.fields.Decimal(attribute="price", as_string=True, allow_none=True,
                                   metadata={"type": "string", "format": "decimal", "description": "Yuan when requested, as a string."})
    arrived_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "Null: outstanding (still with the sender)."})
    arrived_by = ma.fields.String(attribute="arrived_by_name")


class TransferSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True, metadata={"description": "The document number (DB-2026-0001)."})
    status = ma.fields.Enum(TransferStatus, by_value=True, required=True)
    direct = ma.fields.Boolean(required=True, metadata={"description": "Recorded by the office without approvals."})
    from_department_id = ma.fields.Integer(required=True)
    to_department_id = ma.fields.Integer(required=True)
    to_location_id = ma.fields.Integer(allow_none=True)
    to_custodian = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)
    requested_at = ma.fields.AwareDateTime(required=True)
    requested_by = ma.fields.String(attribute="requested_by_name", required=True)
    accepted_at = ma.fields.AwareDateTime(allow_none=True)
    approved_at = ma.fields.AwareDateTime(allow_none=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    close_reason = ma.fields.String(required=True)
    items = ma.fields.List(ma.fields.Nested(TransferItemSchema), required=True)


class TransferPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TransferSchema), required=True)
    meta = ma.fields.Nested(PageMeta, required=True)


class NewTransferSchema(ma.Schema):
    asset_ids = ma.fields.List(Id(), required=True, validate=validate.Length(min=1, max=services.MAX_ITEMS))
    to_department_id = Id(required=True)
    to_location_id = Id(allow_none=True, load_default=None)
    to_custodian = Text(100, load_default="")
    reason = Text(2000, load_default="", metadata={"description": "Required unless direct."})
    direct = ma.fields.Boolean(load_default=False, metadata={"description": "The office only: no approvals needed."})

    class Meta:
        unknown = ma.RAISE


class ArrivalSchema(CodeOrAssetSchema):
    method = ma.fields.Enum(ArrivalMethod, by_value=True, load_default=ArrivalMethod.TYPED)


class ArrivalResultSchema(ma.Schema):
    counted = ma.fields.Boolean(required=True, metadata={"description": "False: it had arrived before (see first_by, first_at)."})
    asset_id = ma.fields.Integer(required=True)
    asset_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    arrived = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    completed = ma.fields.Boolean(required=True)
    first_by = ma.fields.String(required=True)
    first_at = ma.fields.AwareDateTime(allow_none=True)


@blp.route("")
@blp.doc(security=BEARER, summary="List transfers", description="The office: all; a keeper: those to or from their departments. Open first.")
@blp.arguments(PageArgs, location="query", unknown=ma.RAISE)
@blp.response(200, TransferPageSchema)
def list_transfers(args):
    page = services.transfers_for(current_user, args["page"], args["per_page"])
    return paged(page)


@blp.route("", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Request a transfer", description="Items of one department, by its keeper or the office. "
         "Nothing moves in the books until each item's arrival is confirmed. 409 when an item is already in an open transfer.")
@blp.arguments(NewTransferSchema)
@blp.response(201, TransferSchema)
def request_transfer(body):
    data = services.TransferRequest(body["asset_ids"], body["to_department_id"], body["to_location_id"], body["to_custodian"], body["reason"])
    transfer = services.request_transfer(current_user, data, direct=body["direct"])
    return transfer, 201, {"Location": url_for("transfers_api.read_transfer", transfer_id=transfer.id, _external=True)}


@blp.route(f"/<{ID_RULE}:transfer_id>")
@blp.doc(security=BEARER, summary="Read a transfer with its items and their arrival")
@blp.response(200, TransferSchema)
def read_transfer(transfer_id: int):
    return services.get_transfer(current_user, transfer_id)


@blp.route(f"/<{ID_RULE}:transfer_id>/acceptance", methods=["POST"])
@blp.doc(security=BEARER, summary="Accept (the receiving department's keeper)", description="409 when decided already.")
@blp.response(200, TransferSchema)
def accept(transfer_id: int):
    return services.accept_transfer(current_user, transfer_id)


@blp.route(f"/<{ID_RULE}:transfer_id>/approval", methods=["POST"])
@blp.doc(security=BEARER, summary="Approve (the office)", description="Of two approvals at the same moment one counts; 409 for the other.")
@blp.response(200, TransferSchema)
def approve(transfer_id: int):
    return services.approve_transfer(current_user, transfer_id)


@blp.route(f"/<{ID_RULE}:transfer_id>/decline", methods=["POST"])
@blp.doc(security=BEARER, summary="Decline (the receiving side), with a reason")
@blp.arguments(ReasonSchema)
@blp.response(200, TransferSchema)
def decline(body, transfer_id: int):
    return services.decline_transfer(current_user, transfer_id, body["reason"])


@blp.route(f"/<{ID_RULE}:transfer_id>/rejection", methods=["POST"])
@blp.doc(security=BEARER, summary="Reject (the office), with a reason")
@blp.arguments(ReasonSchema)
@blp.response(200, TransferSchema)
def reject(body, transfer_id: int):
    return services.reject_transfer(current_user, transfer_id, body["reason"])


@blp.route(f"/<{ID_RULE}:transfer_id>/cancellation", methods=["POST"])
@blp.doc(security=BEARER, summary="Cancel (either side or the office), before the office approved")
@blp.arguments(CancelSchema, required=False)
@blp.response(200, TransferSchema)
def cancel(body, transfer_id: int):
    return services.cancel_transfer(current_user, transfer_id, (body or {}).get("reason", ""))


@blp.route(f"/<{ID_RULE}:transfer_id>/arrivals", methods=["POST"])
@blp.doc(security=BEARER, summary="Confirm an item's arrival (the receiver)", description="The item moves in the books now, in "
         "one ledger event naming the transfer. Sent again, it answers who confirmed it first (counted: false) and changes "
         "nothing: no Idempotency-Key needed. 422 for an item that is not in the transfer.")
@blp.arguments(ArrivalSchema)
@blp.response(200, ArrivalResultSchema)
def arrive(body, transfer_id: int):
    arrival = services.confirm_arrival(current_user, transfer_id, body["asset_id"] or body["code"], body["method"])
    return {"counted": arrival.counted, "asset_id": arrival.item.asset_id, "asset_number": arrival.item.asset_number,
            "name": arrival.item.name, "arrived": arrival.arrived, "total": arrival.total,
            "completed": arrival.completed, "first_by": arrival.first_by, "first_at": arrival.first_at}
