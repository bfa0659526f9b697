"""Safety inspections over the API: what the round page sends from its queue, and what other programs need."""
from __future__ import annotations

import marshmallow as ma
from flask import current_app, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate

from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import ID_RULE, Id, RequiredText, Text
from tagsvc.inspections import services
from tagsvc.inspections.models import Frequency, TargetKind

blp = Blueprint("inspections_api", __name__, url_prefix="/api/v1/inspections",
                description="Safety inspection rounds (安全巡检): plans, rounds and their results.")


class LineSchema(ma.Schema):
    key = ma.fields.String(required=True, metadata={"description": "Stays the same when the line's words are edited."})
    text = ma.fields.String(required=True)


class PlanSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    version = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    target_kind = ma.fields.Enum(TargetKind, by_value=True, required=True)
    category_id = ma.fields.Integer(allow_none=True)
    asset_ids = ma.fields.List(ma.fields.Integer())
    location_ids = ma.fields.List(ma.fields.Integer())
    checklist = ma.fields.List(ma.fields.Nested(LineSchema), required=True)
    frequency = ma.fields.Enum(Frequency, by_value=True, required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(allow_none=True)
    inspector_ids = ma.fields.List(ma.fields.Integer())
    department_ids = ma.fields.List(ma.fields.Integer())
    service_years = ma.fields.Integer(allow_none=True)
    replace_warning_days = ma.fields.Integer()
    active = ma.fields.Boolean(required=True)


class PlanListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PlanSchema), required=True)


class NewPlanSchema(ma.Schema):
    name = RequiredText(200)
    target_kind = ma.fields.Enum(TargetKind, by_value=True, required=True, metadata={
        "description": "category (its items and those of the categories below), items (asset_ids) or rooms (location_ids: rooms, "
                       "or buildings and floors for all their rooms)."})
    category_id = Id(allow_none=True, load_default=None)
    asset_ids = ma.fields.List(Id(), load_default=list, validate=validate.Length(max=2000))
    location_ids = ma.fields.List(Id(), load_default=list, validate=validate.Length(max=500))
    checklist = ma.fields.List(RequiredText(200), required=True, validate=validate.Length(min=1, max=services.MAX_LINES))
    frequency = ma.fields.Enum(Frequency, by_value=True, required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(allow_none=True, load_default=None)
    inspector_ids = ma.fields.List(Id(), load_default=list, validate=validate.Length(max=200))
    department_ids = ma.fields.List(Id(), load_default=list, validate=validate.Length(max=200))
    service_years = ma.fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1, max=50))
    replace_warning_days = ma.fields.Integer(strict=True, load_default=60, validate=validate.Range(min=0, max=365))

    class Meta:
        unknown = ma.RAISE


class ChangedPlanSchema(NewPlanSchema):
    version = ma.fields.Integer(strict=True, required=True, metadata={
        "description": "The plan's version as you read it: a plan someone changed meanwhile is refused (409), not overwritten."})


class PlanActiveSchema(ma.Schema):
    active = ma.fields.Boolean(required=True, metadata={"description": "false: no more rounds until it is switched on again."})

    class Meta:
        unknown = ma.RAISE


class TargetSchema(ma.Schema):
    key = ma.fields.String(required=True, metadata={"description": "asset:ID or location:ID"})
    asset_id = ma.fields.Integer(allow_none=True)
    location_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String(required=True)
    number = ma.fields.String(required=True, metadata={"description": "The asset number, or the room's full name."})
    code = ma.fields.String(required=True, metadata={"description": "Its label's code (empty: no label)."})


class RecordedSchema(ma.Schema):
    id = ma.fields.String(attribute="result_id", required=True)
    photo_url = ma.fields.Method("_photo_url", metadata={"description": "A failed line's photo, once it was sent; else null."})
    target = ma.fields.String(required=True)
    line_key = ma.fields.String(required=True)
    passed = ma.fields.Boolean(required=True)
    note = ma.fields.String(required=True)
    recorded_by = ma.fields.String(attribute="recorded_by_name", required=True)
    checked_at = ma.fields.AwareDateTime(required=True)
    damage_report_id = ma.fields.Integer(allow_none=True)

    def _photo_url(self, result) -> str | None:
        return url_for("photos.show", name=result.photo, _external=True) if result.photo else None


class RoundSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    plan_id = ma.fields.Integer(required=True)
    plan_name = ma.fields.String(attribute="plan.name", required=True)
    period_start = ma.fields.Date(required=True)
    period_end = ma.fields.Date(required=True)
    checklist = ma.fields.List(ma.fields.Nested(LineSchema), required=True, metadata={"description": "The lines this round is walked with."})
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    targets = ma.fields.List(ma.fields.Nested(TargetSchema), required=True)
    results = ma.fields.List(ma.fields.Nested(RecordedSchema), required=True)


class ResultInSchema(ma.Schema):
    id = ma.fields.UUID(required=True, metadata={"description": "Made on the device, once per checked line: sent again, it is "
                                                                "answered as the first time and counted once."})
    code = RequiredText(300, metadata={"description": "The item's or room's label code, or the whole address its QR code holds."})
    line = ma.fields.String(required=True, validate=validate.Length(min=1, max=20), metadata={"description": "The line's key."})
    passed = ma.fields.Boolean(required=True)
    note = Text(services.MAX_NOTE, load_default="", metadata={"description": "Required for a failed line: what is wrong."})
    checked_at = ma.fields.AwareDateTime(allow_none=True, load_default=None)

    class Meta:
        unknown = ma.RAISE


class ResultBatchSchema(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(ResultInSchema), required=True, validate=validate.Length(min=1, max=services.MAX_BATCH))

    class Meta:
        unknown = ma.RAISE


class ResultOutSchema(ma.Schema):
    id = ma.fields.String(attribute="result_id", required=True)
    outcome = ma.fields.String(required=True, metadata={"enum": ["recorded", "already_checked", "replayed"], "description":
                               "recorded; already_checked (someone checked this line of this item first: their result and "
                               "first_by); replayed (received before: answered as then)."})
    target = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    line_key = ma.fields.String(required=True)
    passed = ma.fields.Boolean(required=True)
    first_by = ma.fields.String(required=True)
    damage_report_id = ma.fields.Integer(allow_none=True, metadata={"description": "The damage report a failed line opened or joined."})


class ResultAnswersSchema(ma.Schema):
    results = ma.fields.List(ma.fields.Nested(ResultOutSchema), required=True)


@blp.route("/plans")
@blp.doc(security=BEARER, summary="List inspection plans", description="The office: all; anyone else: the plans they inspect.")
@blp.response(200, PlanListSchema)
def list_plans():
    return {"items": services.plans_for(current_user)}


@blp.route("/plans", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Make an inspection plan (office)")
@blp.arguments(NewPlanSchema)
@blp.response(201, PlanSchema)
def create_plan(body):
    plan = services.create_plan(current_user, services.PlanData(**body))
    return plan, 201, {"Location": url_for("inspections_api.read_plan", plan_id=plan.id, _external=True)}


@blp.route(f"/plans/<{ID_RULE}:plan_id>")
@blp.doc(security=BEARER, summary="Read an inspection plan")
@blp.response(200, PlanSchema)
def read_plan(plan_id: int):
    return services.get_plan(current_user, plan_id)


@blp.route(f"/plans/<{ID_RULE}:plan_id>", methods=["PUT"])
@blp.doc(security=BEARER, summary="Change an inspection plan (office)", description="The whole plan, with the version it was read "
         "at. The change applies from the plan's next round: a round already begun keeps the lines it began with. A line whose "
         "words are unchanged keeps its key (its results still name it); a line with new words is a new line with a new key.")
@blp.arguments(ChangedPlanSchema)
@blp.response(200, PlanSchema)
def change_plan(body, plan_id: int):
    version = body.pop("version")
    return services.update_plan(current_user, plan_id, services.PlanData(**body), version)


@blp.route(f"/plans/<{ID_RULE}:plan_id>/active", methods=["PUT"])
@blp.doc(security=BEARER, summary="Switch a plan on or off (office)")
@blp.arguments(PlanActiveSchema)
@blp.response(200, PlanSchema)
def switch_plan(body, plan_id: int):
    return services.set_plan_active(current_user, plan_id, body["active"])


@blp.route(f"/plans/<{ID_RULE}:plan_id>/rounds/current", methods=["POST"])
@blp.doc(security=BEARER, summary="Open the plan's round for today", description="Begun by the first person to open it; the same "
         "round for everyone until its period ends. 403 for a person the plan does not name; 404 on a day the plan has no round.")
@blp.response(200, RoundSchema)
def open_current_round(plan_id: int):
    return services.round_view(current_user, services.open_round(current_user, plan_id, services.today()).id)


@blp.route(f"/rounds/<{ID_RULE}:round_id>")
@blp.doc(security=BEARER, summary="Read a round: what it checks and what was recorded")
@blp.response(200, RoundSchema)
def read_round(round_id: int):
    return services.round_view(current_user, round_id)


@blp.route(f"/rounds/<{ID_RULE}:round_id>/results", methods=["POST"])
@blp.doc(security=BEARER, summary="Send results", description=f"Up to {services.MAX_BATCH} at a time, each with an id made on the "
         "device: a batch sent again counts nothing twice. A line not on the round's checklist, an item or room the round does not "
         "check, or a failed line without a word refuses the whole batch (422, nothing written); so does a closed round (409). A "
         "failed line of an item or a room opens a damage report on it, or joins its open one.")
@blp.arguments(ResultBatchSchema)
@blp.response(200, ResultAnswersSchema)
def send_results(body, round_id: int):
    results = [services.ResultIn(str(r["id"]), r["code"], r["line"], r["passed"], r["note"], r["checked_at"]) for r in body["results"]]
    return {"results": services.record_results(current_user, round_id, results)}


@blp.route(f"/rounds/<{ID_RULE}:round_id>/close", methods=["POST"])
@blp.doc(security=BEARER, summary="Close a round (office)", description="Only once its period has ended: its record is then final "
         "and any result sent to it is refused (409). Closing a closed round is refused (409).")
@blp.response(200, RoundSchema)
def close_round(round_id: int):
    services.close_round(current_user, round_id)
    return services.round_view(current_user, round_id)


@blp.route("/results/<string:result_id>/photo", methods=["PUT"])
@blp.doc(security=BEARER, summary="Add the photo of a failed line", description="The body is the photo itself (JPEG, PNG, WebP or "
         "HEIC, up to the upload limit), sent after its line was recorded (404 before). It is re-encoded without its metadata and "
         "kept with the line and with the damage report the line opened or joined. Sent again, the first photo stands. Only the "
         "person who checked the line, or the office; 422 for a line that passed or a file that is not a photo.",
         requestBody={"required": True, "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}})
@blp.response(200, RecordedSchema)
def add_photo(result_id: str):
    request.max_content_length = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024  # a photo, not a JSON body
    return services.add_result_photo(current_user, result_id, request.get_data())
