"""Disposals over the API: the same steps and rules as the pages."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate

from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import CancelSchema, ID_RULE, Id, PageArgs, PageMeta, ReasonSchema, Text, paged
from tagsvc.assets.models import AssetCondition
from tagsvc.disposals import services
from tagsvc.disposals.models import DisposalReason, DisposalStatus

blp = Blueprint("disposals_api", __name__, url_prefix="/api/v1/disposals",
                description="Disposals (报废): proposed with a reason, approved by the office by book value (one approver up to "
                            "the school's limit, two above it); on approval the items are disposed of and their labels retired.")


class DisposalItemSchema(ma.Schema):
    asset_id = ma.fields.Integer(required=True)
    asset_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    model = ma.fields.String(required=True)
    book_value = ma.fields.Decimal(attribute="price", as_string=True, allow_none=True, metadata={"type": "string", "format": "decimal"})
    purchase_date = ma.fields.Date(allow_none=True)
    condition = ma.fields.Enum(AssetCondition, by_value=True, required=True)
    min_years = ma.fields.Integer(allow_none=True, metadata={"description": "Set when younger than its category's minimum years of use."})


class DisposalSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True, metadata={"description": "BF-2026-0001"})
    status = ma.fields.Enum(DisposalStatus, by_value=True, required=True)
    reason_kind = ma.fields.Enum(DisposalReason, by_value=True, required=True)
    reason = ma.fields.String(required=True)
    repair_report_id = ma.fields.Integer(allow_none=True)
    total_value = ma.fields.Decimal(as_string=True, required=True, metadata={"type": "string", "format": "decimal"})
    approvals_needed = ma.fields.Integer(required=True)
    approvals_given = ma.fields.Integer(required=True)
    bureau_needed = ma.fields.Boolean(required=True, metadata={"description": "Above TAGSVC_DISTRICT_DISPOSAL_ABOVE: after the office, "
                                                                           "the education bureau approves it (POST …/approval with a bureau account)."})
    waiting_for_bureau = ma.fields.Boolean(required=True)
    bureau_approved_at = ma.fields.AwareDateTime(allow_none=True)
    bureau_approved_by = ma.fields.String(attribute="bureau_approved_by_name", required=True)
    proposed_at = ma.fields.AwareDateTime(required=True)
    proposed_by = ma.fields.String(attribute="proposed_by_name", required=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    close_reason = ma.fields.String(required=True)
    items = ma.fields.List(ma.fields.Nested(DisposalItemSchema), required=True)


class DisposalPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DisposalSchema), required=True)
    meta = ma.fields.Nested(PageMeta, required=True)


class NewDisposalSchema(ma.Schema):
    asset_ids = ma.fields.List(Id(), required=True, validate=validate.Length(min=1, max=services.MAX_ITEMS))
    reason_kind = ma.fields.Enum(DisposalReason, by_value=True, required=True)
    reason = Text(2000, load_default="", metadata={"description": "Required when the reason is other."})
    repair_report_id = Id(load_default=None, allow_none=True, metadata={"description": "The repair that found the item beyond repair."})

    class Meta:
        unknown = ma.RAISE


@blp.route("")
@blp.doc(security=BEARER, summary="List disposals", description="The office: all; a keeper: theirs. Waiting ones first.")
@blp.arguments(PageArgs, location="query", unknown=ma.RAISE)
@blp.response(200, DisposalPageSchema)
def list_disposals(args):
    page = services.disposals_for(current_user, args["page"], args["per_page"])
    return paged(page)


@blp.route("", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Propose a disposal", description="The items' keeper or the office. 409 when an item is on "
         "loan, in a transfer, proposed already or disposed of. Photos are added on the page.")
@blp.arguments(NewDisposalSchema)
@blp.response(201, DisposalSchema)
def propose(body):
    disposal = services.propose_disposal(current_user, services.Proposal(body["asset_ids"], body["reason_kind"], body["reason"],
                                                                         body["repair_report_id"]))
    return disposal, 201, {"Location": url_for("disposals_api.read_disposal", disposal_id=disposal.id, _external=True)}


@blp.route(f"/<{ID_RULE}:disposal_id>")
@blp.doc(security=BEARER, summary="Read a disposal with its items")
@blp.response(200, DisposalSchema)
def read_disposal(disposal_id: int):
    return services.get_disposal(current_user, disposal_id)


@blp.route(f"/<{ID_RULE}:disposal_id>/approval", methods=["POST"])
@blp.doc(security=BEARER, summary="Approve (the office)", description="The last approval the rule asks for disposes of the items. "
         "409 when decided already, or when the same person approves twice.")
@blp.response(200, DisposalSchema)
def approve(disposal_id: int):
    return services.approve_disposal(current_user, disposal_id)


@blp.route(f"/<{ID_RULE}:disposal_id>/rejection", methods=["POST"])
@blp.doc(security=BEARER, summary="Reject (the office), with a reason")
@blp.arguments(ReasonSchema)
@blp.response(200, DisposalSchema)
def reject(body, disposal_id: int):
    return services.reject_disposal(current_user, disposal_id, body["reason"])


@blp.route(f"/<{ID_RULE}:disposal_id>/cancellation", methods=["POST"])
@blp.doc(security=BEARER, summary="Cancel (whoever proposed it, or the office), before it is decided")
@blp.arguments(CancelSchema, required=False)
@blp.response(200, DisposalSchema)
def cancel(body, disposal_id: int):
    return services.cancel_disposal(current_user, disposal_id, (body or {}).get("reason", ""))
