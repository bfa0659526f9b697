"""Stocktakes over the API: what the in-page scanner sends from its queue, and what other programs need."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate

from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import ID_RULE, Id, RequiredText, Text
from tagsvc.assets.models import AssetCondition
from tagsvc.stocktake import reconciling, services
from tagsvc.stocktake.models import ConfirmMethod, FindingKind, Resolution, ScanOutcome, StocktakeStatus
from tagsvc.structure.models import AssetKind

blp = Blueprint("stocktake_api", __name__, url_prefix="/api/v1/stocktakes", description="Stocktakes (盘点): confirm what is where.")

DEVICE_ID = validate.Regexp(r"^[A-Za-z0-9._:-]{1,64}$", error="1 to 64 letters, digits or . _ : -")


class TallySchema(ma.Schema):
    expected = ma.fields.Integer(required=True)
    found = ma.fields.Integer(required=True)
    misplaced = ma.fields.Integer(required=True)
    missing = ma.fields.Integer(required=True)
    surplus = ma.fields.Integer(required=True, metadata={"description": "Found but not on the list (盘盈)."})


class StocktakeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    status = ma.fields.Enum(StocktakeStatus, by_value=True, required=True)
    scope = ma.fields.String(attribute="scope_words", required=True)
    deadline = ma.fields.Date(allow_none=True)
    expected_count = ma.fields.Integer(required=True)
    opened_at = ma.fields.AwareDateTime(required=True)
    closed_at = ma.fields.AwareDateTime(allow_none=True)


class StocktakeListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StocktakeSchema), required=True)


class StocktakeProgressSchema(StocktakeSchema):
    progress = ma.fields.Nested(TallySchema, required=True)


class ScopeSchema(ma.Schema):
    department_ids = ma.fields.List(Id(), load_default=list, validate=validate.Length(max=500))
    location_ids = ma.fields.List(Id(), load_default=list, validate=validate.Length(max=500))
    category_ids = ma.fields.List(Id(), load_default=list, validate=validate.Length(max=500))
    kinds = ma.fields.List(ma.fields.Enum(AssetKind, by_value=True), load_default=list)

    class Meta:
        unknown = ma.RAISE


class AssignmentSchema(ma.Schema):
    user_id = Id(required=True)
    department_id = Id(allow_none=True, load_default=None)
    location_id = Id(allow_none=True, load_default=None)

    class Meta:
        unknown = ma.RAISE


class NewStocktakeSchema(ma.Schema):
    name = RequiredText(200)
    scope = ma.fields.Nested(ScopeSchema, load_default=dict, metadata={"description": "Empty: the whole school."})
    deadline = ma.fields.Date(allow_none=True, load_default=None)
    participants = ma.fields.List(ma.fields.Nested(AssignmentSchema), validate=validate.Length(max=500), metadata={
        "description": "Who takes part, each for a department or a place. Left out: the keepers of the departments in scope."})

    class Meta:
        unknown = ma.RAISE


class ConfirmationSchema(ma.Schema):
    id = ma.fields.UUID(required=True, metadata={"description": "Made on the device, once per scan: a confirmation sent again "
                                                                "with the same id is answered as the first time and counted once."})
    code = RequiredText(300, metadata={"description": "The label's code, or the whole address its QR code holds."})
    location_id = Id(allow_none=True, load_default=None, metadata={"description": "The room the person stood in."})
    method = ma.fields.Enum(ConfirmMethod, by_value=True, load_default=ConfirmMethod.CAMERA)
    scanned_at = ma.fields.AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "When it was scanned, on the device's clock (kept if within two days of the server's)."})
    condition = ma.fields.Enum(AssetCondition, by_value=True, allow_none=True, load_default=None)

    class Meta:
        unknown = ma.RAISE


class BatchSchema(ma.Schema):
    device_id = ma.fields.String(load_default="", validate=DEVICE_ID)
    pending = ma.fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=1_000_000), metadata={
        "description": "How many more confirmations the device still holds after this batch."})
    confirmations = ma.fields.List(ma.fields.Nested(ConfirmationSchema), required=True,
                                   validate=validate.Length(min=1, max=services.MAX_BATCH))

    class Meta:
        unknown = ma.RAISE


class ResultSchema(ma.Schema):
    id = ma.fields.String(attribute="scan_id", required=True)
    outcome = ma.fields.Enum(ScanOutcome, by_value=True, allow_none=True, required=True, metadata={
        "description": "confirmed (counted), already_confirmed (someone was first: first_by, first_at), not_on_list (recorded "
                       "for the office), not_registered (a blank or unknown label: record it as a finding with a name), "
                       "room_label (a room: location_id), or null (not a label of this school: nothing recorded)."})
    replayed = ma.fields.Boolean(required=True)
    code = ma.fields.String()
    asset_id = ma.fields.Integer(allow_none=True)
    item_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String()
    misplaced = ma.fields.Boolean()
    booked_in = ma.fields.String(allow_none=True, metadata={"description": "Where the books put the item."})
    first_by = ma.fields.String()
    first_at = ma.fields.AwareDateTime(allow_none=True)
    location_id = ma.fields.Integer(allow_none=True)
    finding_id = ma.fields.Integer(allow_none=True)


class BatchResultSchema(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(ResultSchema), required=True)


class FindingSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.Enum(FindingKind, by_value=True, required=True)
    name = ma.fields.String(required=True)
    code = ma.fields.String()
    location_id = ma.fields.Integer(allow_none=True)
    recorded_by = ma.fields.String(attribute="recorded_by_name")
    recorded_at = ma.fields.AwareDateTime(required=True)


class NewFindingSchema(ma.Schema):
    id = ma.fields.UUID(load_default=None, allow_none=True, metadata={"description": "Made on the device: sent twice, recorded once."})
    name = RequiredText(200)
    code = Text(300, load_default="", metadata={"description": "A blank or unknown label's code; empty for an item without one."})
    location_id = Id(allow_none=True, load_default=None)
    note = Text(2000, load_default="")

    class Meta:
        unknown = ma.RAISE


class DeviceSchema(ma.Schema):
    pending = ma.fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=1_000_000))

    class Meta:
        unknown = ma.RAISE


class CloseSchema(ma.Schema):
    pending_override = ma.fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=0), metadata={
        "description": "Close although phones report this many unsent confirmations (the number must match)."})

    class Meta:
        unknown = ma.RAISE


class ItemSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    asset_id = ma.fields.Integer(required=True)
    asset_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    booked_in = ma.fields.Function(lambda i: i.expected_location.full_name if i.expected_location else None, allow_none=True)
    found_in = ma.fields.Function(lambda i: i.confirmed_location.full_name if i.confirmed_location else None, allow_none=True)
    confirmed_at = ma.fields.AwareDateTime(allow_none=True)
    confirmed_by = ma.fields.String(attribute="confirmed_by_name")
    misplaced = ma.fields.Boolean()


class RoomSchema(ma.Schema):
    location_id = ma.fields.Function(lambda v: v.room.id, required=True)
    name = ma.fields.Function(lambda v: v.room.full_name, required=True)
    expected = ma.fields.Integer(required=True)
    missing = ma.fields.List(ma.fields.Nested(ItemSchema), required=True)
    found = ma.fields.List(ma.fields.Nested(ItemSchema), required=True)
    found_here_from_elsewhere = ma.fields.List(ma.fields.Nested(ItemSchema), required=True)
    findings = ma.fields.List(ma.fields.Nested(FindingSchema), required=True)


@blp.route("")
@blp.doc(security=BEARER, summary="List stocktakes", description="The office: all; a keeper: those they take part in. Open first.")
@blp.response(200, StocktakeListSchema)
def list_stocktakes():
    return {"items": services.stocktakes_for(current_user)}


@blp.route("", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Open a stocktake (office)", description="Takes the snapshot of what is expected: every asset in "
         "scope (not disposed) where the books put it now. Refused (409) when some of them are in another open stocktake.")
@blp.arguments(NewStocktakeSchema)
@blp.response(201, StocktakeSchema)
def open_stocktake(body):
    scope = services.Scope(tuple(body["scope"].get("department_ids", ())), tuple(body["scope"].get("location_ids", ())),
                           tuple(body["scope"].get("category_ids", ())), tuple(body["scope"].get("kinds", ())))
    if "participants" in body:
        assignments = [services.Assignment(**p) for p in body["participants"]]
    else:
        assignments = services.keepers_of_scope(scope)
    stocktake = services.open_stocktake(current_user, body["name"], scope, body["deadline"], assignments)
    return stocktake, 201, {"Location": url_for("stocktake_api.read_stocktake", stocktake_id=stocktake.id, _external=True)}


@blp.route(f"/<{ID_RULE}:stocktake_id>")
@blp.doc(security=BEARER, summary="Read a stocktake with its progress", description="Counts within the caller's part.")
@blp.response(200, StocktakeProgressSchema)
def read_stocktake(stocktake_id: int):
    stocktake = services.get_stocktake(current_user, stocktake_id)
    stocktake.progress = services.progress(current_user, stocktake_id).total  # a plain attribute, for the answer only
    return stocktake


@blp.route(f"/<{ID_RULE}:stocktake_id>/rooms/<{ID_RULE}:location_id>")
@blp.doc(security=BEARER, summary="One room's list", description="What is still missing in a room, what was found, and what "
         "was found here but is booked elsewhere.")
@blp.response(200, RoomSchema)
def read_room(stocktake_id: int, location_id: int):
    return services.room_view(current_user, stocktake_id, location_id)


@blp.route(f"/<{ID_RULE}:stocktake_id>/confirmations", methods=["POST"])
@blp.doc(security=BEARER, summary="Send confirmations", description=f"Up to {services.MAX_BATCH} at a time, each with an id made on "
         "the device: a batch sent again (after a lost answer) counts nothing twice, and answers each as the first time. Of two "
         "people confirming one item the first counts; the second learns who and when. A room outside the scope or a closed "
         "stocktake refuses the whole batch (nothing is written). No Idempotency-Key needed: the ids are the key.")
@blp.arguments(BatchSchema)
@blp.response(200, BatchResultSchema)
def send_confirmations(body, stocktake_id: int):
    sightings = [services.Sighting(code=c["code"], location_id=c["location_id"], method=c["method"], scan_id=str(c["id"]),
                                   device=body["device_id"], scanned_at=c["scanned_at"], condition=c["condition"])
                 for c in body["confirmations"]]
    return {"results": services.confirm_batch(current_user, stocktake_id, sightings, body["device_id"], body["pending"])}


@blp.route(f"/<{ID_RULE}:stocktake_id>/findings", methods=["POST"])
@blp.doc(security=BEARER, summary="Record something not on the list (盘盈)", description="A blank label, an unknown code or an "
         "item without a label, with a name; the office resolves it after closing.")
@blp.arguments(NewFindingSchema)
@blp.response(201, FindingSchema)
def record_finding(body, stocktake_id: int):
    thing = services.FoundThing(name=body["name"], location_id=body["location_id"], code=body["code"], note=body["note"],
                                scan_id=str(body["id"]) if body["id"] else "")
    return services.record_finding(current_user, stocktake_id, thing), 201


@blp.route(f"/<{ID_RULE}:stocktake_id>/devices/<string:device_id>", methods=["PUT"])
@blp.doc(security=BEARER, summary="Say how many confirmations a device still holds", description="The office cannot close the "
         "stocktake while a device reports unsent confirmations (unless it overrides, naming the number).")
@blp.arguments(DeviceSchema)
@blp.response(204)
def report_device(body, stocktake_id: int, device_id: str):
    services.report_device(current_user, stocktake_id, device_id, body["pending"])


@blp.route(f"/<{ID_RULE}:stocktake_id>/close", methods=["POST"])
@blp.doc(security=BEARER, summary="Close a stocktake (office)", description="409 while devices report unsent confirmations, "
         "unless pending_override names their number.")
@blp.arguments(CloseSchema, required=False)
@blp.response(200, StocktakeSchema)
def close_stocktake(body, stocktake_id: int):
    return services.close_stocktake(current_user, stocktake_id, body["pending_override"])


class TotalsSchema(ma.Schema):
    department = ma.fields.String(required=True)
    kind = ma.fields.Enum(AssetKind, by_value=True, allow_none=True)
    expected = ma.fields.Integer(required=True)
    expected_value = ma.fields.Decimal(as_string=True, required=True, metadata={"type": "string", "format": "decimal"})
    found = ma.fields.Integer(required=True)
    misplaced = ma.fields.Integer(required=True)
    missing = ma.fields.Integer(required=True)
    missing_value = ma.fields.Decimal(as_string=True, required=True, metadata={"type": "string", "format": "decimal"})


class DecidedItemSchema(ItemSchema):
    resolution = ma.fields.Enum(Resolution, by_value=True, allow_none=True)
    resolution_note = ma.fields.String()


class ReconciliationSchema(ma.Schema):
    stocktake = ma.fields.Nested(StocktakeSchema, required=True)
    match_rate = ma.fields.Float(required=True, metadata={"description": "账物相符率: expected items found where the books put them."})
    in_place = ma.fields.Integer(required=True)
    misplaced = ma.fields.List(ma.fields.Nested(DecidedItemSchema), required=True)
    missing = ma.fields.List(ma.fields.Nested(DecidedItemSchema), required=True)
    surplus = ma.fields.List(ma.fields.Nested(FindingSchema), required=True)
    totals = ma.fields.Method("_totals", required=True)

    def _totals(self, report) -> list:
        rows = [{"department": department, "kind": kind, **vars(t)} for (department, kind), t in report.totals.items()]
        return TotalsSchema(many=True).dump(rows)


class ResolutionSchema(ma.Schema):
    resolution = ma.fields.Enum(Resolution, by_value=True, required=True, metadata={
        "description": "moved (a misplaced item: the books move to where it was found), lost (a missing one), left_open (with a note)."})
    note = Text(2000, load_default="")
    department_id = Id(allow_none=True, load_default=None, metadata={"description": "moved: the department it now belongs to."})

    class Meta:
        unknown = ma.RAISE


@blp.route(f"/<{ID_RULE}:stocktake_id>/reconciliation")
@blp.doc(security=BEARER, summary="The reconciliation (office)", description="Found in place, misplaced, missing (盘亏), found "
         "but not on the list (盘盈), totals per department and property kind, and the match rate. While open: as it stands now.")
@blp.response(200, ReconciliationSchema)
def read_reconciliation(stocktake_id: int):
    return reconciling.reconciliation(current_user, stocktake_id)


@blp.route(f"/<{ID_RULE}:stocktake_id>/items/<{ID_RULE}:item_id>/resolution", methods=["POST"])
@blp.doc(security=BEARER, summary="Settle a difference (office, after closing)", description="Writes the ledger, naming the "
         "stocktake. Settling one twice is refused (409).")
@blp.arguments(ResolutionSchema)
@blp.response(200, DecidedItemSchema)
def resolve_item(body, stocktake_id: int, item_id: int):
    return reconciling.resolve_item(current_user, stocktake_id, item_id, body["resolution"], body["note"], department_id=body["department_id"])
