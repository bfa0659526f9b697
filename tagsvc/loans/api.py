"""Loans and handovers over the API: the same steps and rules as the pages, for scanner scripts and other systems."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint


from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import CodeOrAssetSchema, ID_RULE, Id, PageArgs, PageMeta, Text, paged
from tagsvc.assets.models import AssetCondition
from tagsvc.loans import services
from tagsvc.loans.models import HandoutKind, RecipientKind

blp = Blueprint("loans_api", __name__, url_prefix="/api/v1/loans",
                description="Loans (借用) and handovers for dedicated use (领用): start one for a recipient, add items by "
                            "scanning, take loaned items back with their condition.")


class HandoutItemSchema(ma.Schema):
    asset_id = ma.fields.Integer(required=True)
    asset_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    handed_at = ma.fields.AwareDateTime(required=True)
    returned_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "Null: still out (a loan)."})
    return_condition = ma.fields.Enum(AssetCondition, by_value=True, allow_none=True)
    damage_report_id = ma.fields.Integer(allow_none=True)


class HandoutSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True, metadata={"description": "JY-2026-0001 (loan) or LY-2026-0001 (handover)."})
    kind = ma.fields.Enum(HandoutKind, by_value=True, required=True)
    recipient_kind = ma.fields.Enum(RecipientKind, by_value=True, required=True)
    recipient = ma.fields.String(required=True, metadata={"description": "As the slip shows it: 王小明 (高一(3)班)."})
    recipient_contact = ma.fields.String(required=True)
    due_on = ma.fields.Date(allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    created_by = ma.fields.String(attribute="created_by_name", required=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    items = ma.fields.List(ma.fields.Nested(HandoutItemSchema), required=True)


class HandoutPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(HandoutSchema), required=True)
    meta = ma.fields.Nested(PageMeta, required=True)


class NewHandoutSchema(ma.Schema):
    kind = ma.fields.Enum(HandoutKind, by_value=True, required=True)
    recipient_kind = ma.fields.Enum(RecipientKind, by_value=True, required=True)
    name = Text(100, load_default="", metadata={"description": "A person's name (staff or student)."})
    class_name = Text(100, load_default="", metadata={"description": "A student's class, as typed (or give department_id)."})
    contact = Text(100, load_default="")
    user_id = Id(load_default=None, allow_none=True, metadata={"description": "A member of staff with an account."})
    department_id = Id(load_default=None, allow_none=True, metadata={"description": "The borrowing department, or a student's class."})
    location_id = Id(load_default=None, allow_none=True, metadata={"description": "The room (a handover only)."})
    due_on = ma.fields.Date(load_default=None, allow_none=True, metadata={"description": "Required for a loan; at most a year ahead."})
    note = Text(2000, load_default="")

    class Meta:
        unknown = ma.RAISE


class HandedOutSchema(ma.Schema):
    added = ma.fields.Boolean(required=True, metadata={"description": "False: it was on this list already (nothing changed)."})
    count = ma.fields.Integer(required=True)
    asset_id = ma.fields.Integer(required=True)
    asset_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class ReturnSchema(CodeOrAssetSchema):
    condition = ma.fields.Enum(AssetCondition, by_value=True, required=True)
    note = Text(2000, load_default="")
    damage = Text(2000, load_default="", metadata={"description": "What is wrong: opens a damage report naming the loan. Required when broken."})


class ReturnedSchema(ma.Schema):
    counted = ma.fields.Boolean(required=True, metadata={"description": "False: it had been taken back before (returned_by, returned_at)."})
    asset_id = ma.fields.Integer(required=True)
    loan_id = ma.fields.Integer(required=True)
    returned_at = ma.fields.AwareDateTime(required=True)
    returned_by = ma.fields.String(required=True)
    outstanding = ma.fields.Integer(required=True, metadata={"description": "Items of the loan still out."})
    damage_report_id = ma.fields.Integer(allow_none=True)
    damage_report_refusal = ma.fields.String(required=True, metadata={"description": "Why no report was opened, if one was asked for."})


class OverdueSchema(ma.Schema):
    loan_id = ma.fields.Integer(attribute="handout_id", required=True)
    number = ma.fields.String(attribute="handout.number", required=True)
    asset_id = ma.fields.Integer(required=True)
    asset_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    recipient = ma.fields.String(attribute="handout.recipient", required=True)
    due_on = ma.fields.Date(attribute="handout.due_on", required=True)


@blp.route("")
@blp.doc(security=BEARER, summary="List loans and handovers", description="The office: all; a keeper: those they started or "
         "that hold their departments' items. Open first.")
@blp.arguments(PageArgs, location="query", unknown=ma.RAISE)
@blp.response(200, HandoutPageSchema)
def list_handouts(args):
    page = services.handouts_for(current_user, args["page"], args["per_page"])
    return paged(page)


@blp.route("", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Start a loan or a handover", description="For one recipient, empty: add the items one by one.")
@blp.arguments(NewHandoutSchema)
@blp.response(201, HandoutSchema)
def start(body):
    recipient = services.Recipient(body["recipient_kind"], body["name"], body["class_name"], body["contact"], body["user_id"],
                                   body["department_id"], body["location_id"], body["due_on"], body["note"])
    handout = services.start_handout(current_user, body["kind"], recipient)
    return handout, 201, {"Location": url_for("loans_api.read_handout", handout_id=handout.id, _external=True)}


@blp.route("/overdue")
@blp.doc(security=BEARER, summary="Items on loan past their due date", description="Those this person answers for, most overdue first.")
@blp.response(200, OverdueSchema(many=True))
def overdue():
    return services.overdue_items(current_user)


@blp.route(f"/<{ID_RULE}:handout_id>")
@blp.doc(security=BEARER, summary="Read a loan or handover with its items")
@blp.response(200, HandoutSchema)
def read_handout(handout_id: int):
    return services.get_handout(current_user, handout_id)


@blp.route(f"/<{ID_RULE}:handout_id>/items", methods=["POST"])
@blp.doc(security=BEARER, summary="Add an item (a scan)", description="A loan lends it until the due date; a handover hands "
         "it over now. Sent again, it answers added: false and changes nothing. 409 when the item is out of service, on loan, "
         "in a transfer or proposed for disposal.")
@blp.arguments(CodeOrAssetSchema)
@blp.response(200, HandedOutSchema)
def add_item(body, handout_id: int):
    added = services.hand_out(current_user, handout_id, body["asset_id"] or body["code"])
    return {"added": added.added, "count": added.count, "asset_id": added.item.asset_id, "asset_number": added.item.asset_number,
            "name": added.item.name}


@blp.route("/returns", methods=["POST"])
@blp.doc(security=BEARER, summary="Take an item back from its loan", description="With its condition; damage opens a damage "
         "report naming the loan. Sent again, it answers counted: false and changes nothing.")
@blp.arguments(ReturnSchema)
@blp.response(200, ReturnedSchema)
def take_back(body):
    returned = services.return_item(current_user, body["asset_id"] or body["code"], body["condition"], body["note"], body["damage"])
    item = returned.item
    return {"counted": returned.counted, "asset_id": item.asset_id, "loan_id": item.handout_id, "returned_at": item.returned_at,
            "returned_by": item.returned_by_name, "outstanding": returned.outstanding, "damage_report_id": returned.report_id,
            "damage_report_refusal": returned.report_refusal}



