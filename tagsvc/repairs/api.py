"""Damage reports and repair orders over the API: the same steps as the repair pages, for the same people."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate

from tagsvc.accounts.models import Role
from tagsvc.accounts.permissions import require_signed_in
from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import ID_RULE, Id, Money, RequiredText, Text
from tagsvc.repairs import services
from tagsvc.repairs.models import DamageKind, Priority, ReportStatus

blp = Blueprint("repairs_api", __name__, url_prefix="/api/v1/reports", description="Damage reports and repair orders.")

SCOPES = ("queue", "orders", "finished", "sent")


class ReportAssetSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    asset_number = ma.fields.String(required=True)


class ReportRoomSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True)


class PersonSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(attribute="display_name", required=True)


class ReportSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    asset = ma.fields.Nested(ReportAssetSchema, allow_none=True, metadata={"description": "The item reported; null for a room's report."})
    room = ma.fields.Nested(ReportRoomSchema, attribute="location", allow_none=True, metadata={
        "description": "The room reported (a safety inspection's failed line of a room); null for an item's report."})
    kind = ma.fields.Enum(DamageKind, by_value=True, required=True)
    description = ma.fields.String(required=True)
    status = ma.fields.Enum(ReportStatus, by_value=True, required=True)
    priority = ma.fields.Enum(Priority, by_value=True, required=True)
    overdue = ma.fields.Method("_overdue", metadata={"description": "Open for longer than its priority allows."})
    reporter_name = ma.fields.String()
    reporter_group = ma.fields.String(metadata={"description": "The reporter's class or department, as typed."})
    assignee = ma.fields.Nested(PersonSchema, allow_none=True)
    merged_into_id = ma.fields.Integer(allow_none=True)
    office_note = ma.fields.String()
    repair_note = ma.fields.String()
    parts_cost = ma.fields.Decimal(as_string=True, allow_none=True, metadata={"type": "string", "format": "decimal"})
    photo_urls = ma.fields.Method("_photo_urls")
    created_at = ma.fields.AwareDateTime(required=True)
    triaged_at = ma.fields.AwareDateTime(allow_none=True)
    started_at = ma.fields.AwareDateTime(allow_none=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True)

    def _overdue(self, report) -> bool:
        return services.is_overdue(report)

    def _photo_urls(self, report) -> list[str]:
        return [url_for("photos.show", name=p.name, _external=True) for p in report.photos]


class ReportListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReportSchema), required=True)


class ReportListArgs(ma.Schema):
    scope = ma.fields.String(validate=validate.OneOf(SCOPES), metadata={"description": (
        "queue: the repair queue (office: all; keeper: their departments', to follow); orders: a repairer's open orders; "
        "finished: a repairer's closed ones; sent: the reports you sent. By default, the one your role works from.")})
    status = ma.fields.Enum(ReportStatus, by_value=True, metadata={"description": "queue only: reports in this state (default: open ones)."})
    overdue = ma.fields.Boolean(load_default=False, metadata={"description": "queue only: just the overdue ones."})


class NewReportSchema(ma.Schema):
    code = RequiredText(40, metadata={"description": "The code on the item's label."})
    kind = ma.fields.Enum(DamageKind, by_value=True, required=True)
    description = RequiredText(services.MAX_DESCRIPTION)

    class Meta:
        unknown = ma.RAISE


class TriageSchema(ma.Schema):
    decision = ma.fields.String(required=True, validate=validate.OneOf(["accept", "reject", "merge"]))
    priority = ma.fields.Enum(Priority, by_value=True, load_default=Priority.NORMAL)
    assignee_id = Id(allow_none=True, load_default=None, metadata={"description": "accept: the repairer."})
    merge_into_id = Id(allow_none=True, load_default=None, metadata={"description": "merge: the other report on the same item."})
    note = Text(2000, load_default="", metadata={"description": "reject: why it is not a fault (required)."})

    class Meta:
        unknown = ma.RAISE


class FinishSchema(ma.Schema):
    note = RequiredText(2000, metadata={"description": "What was done, or why it cannot be repaired."})
    parts_cost = Money(1_000_000, allow_none=True, load_default=None)
    repairable = ma.fields.Boolean(load_default=True)

    class Meta:
        unknown = ma.RAISE


def _default_scope() -> str:
    if current_user.is_admin or current_user.role == Role.KEEPER:
        return "queue"
    return "orders" if current_user.role == Role.REPAIRER else "sent"


@blp.route("")
@blp.doc(security=BEARER, summary="List reports", description="At most 200, most urgent and oldest first (sent and finished: newest first).")
@blp.arguments(ReportListArgs, location="query", unknown=ma.RAISE)
@blp.response(200, ReportListSchema)
def list_reports(args):
    require_signed_in(current_user)
    scope = args.get("scope") or _default_scope()
    if scope == "queue":
        items = services.office_queue(current_user, status=args.get("status"), overdue=args["overdue"])
    elif scope == "orders":
        items = services.my_work_orders(current_user)
    elif scope == "finished":
        items = services.finished_work_orders(current_user, limit=200)
    else:
        items = services.reports_by(current_user, limit=200)
    return {"items": items}


@blp.route("", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Report damage", description="For the item behind a label code. If the item already has an "
         "open report, the answer is 409: add to that one on its page instead.")
@blp.arguments(NewReportSchema)
@blp.response(201, ReportSchema)
def create_report(body):
    require_signed_in(current_user)  # the open form without an account is the scan page's, with its limits
    report = services.submit_report(current_user, body["code"], body["kind"], body["description"])
    return report, 201, {"Location": url_for("repairs_api.read_report", report_id=report.id, _external=True)}


@blp.route(f"/<{ID_RULE}:report_id>")
@blp.doc(security=BEARER, summary="Read a report", description="The office, the repairer it is assigned to, the keepers of "
         "the item's department and the reporter.")
@blp.response(200, ReportSchema)
def read_report(report_id: int):
    return services.get_report(current_user, report_id)


@blp.route(f"/<{ID_RULE}:report_id>/triage", methods=["POST"])
@blp.doc(security=BEARER, summary="Decide on a report (office)", description="accept (with a priority and a repairer: the item "
         "becomes damaged), reject (with a reason), or merge into another report on the same item.")
@blp.arguments(TriageSchema)
@blp.response(200, ReportSchema)
def triage_report(body, report_id: int):
    return services.triage_report(current_user, report_id, services.Triage(**body))


@blp.route(f"/<{ID_RULE}:report_id>/start", methods=["POST"])
@blp.doc(security=BEARER, summary="Start the repair (its repairer)", description="The item is under repair from now on.")
@blp.response(200, ReportSchema)
def start_repair(report_id: int):
    return services.start_repair(current_user, report_id)


@blp.route(f"/<{ID_RULE}:report_id>/finish", methods=["POST"])
@blp.doc(security=BEARER, summary="Close the work order (its repairer)", description="Repaired (the item is back in use) or "
         "not repairable (the office decides what happens to it).")
@blp.arguments(FinishSchema)
@blp.response(200, ReportSchema)
def finish_repair(body, report_id: int):
    return services.finish_repair(current_user, report_id, body["note"], parts_cost=body["parts_cost"], repairable=body["repairable"])
