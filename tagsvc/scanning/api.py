"""A scanned code over the API: the same facts as the scan page, public or (for those who may read the asset)
with the signed-in details."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint

from tagsvc.api import BEARER_OR_ANONYMOUS
from tagsvc.assets.api import AssetDetailSchema, asset_json, iso_time, json_answer
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.errors import NotFoundError
from tagsvc.extensions import db
from tagsvc.repairs.models import ReportStatus
from tagsvc.scanning.services import scan_facts
from tagsvc.tags.services import look_up_tag

blp = Blueprint("scanning_api", __name__, url_prefix="/api/v1/tags", description="What a scanned label says.")


class ScannedAssetSchema(ma.Schema):
    """What anyone who scans the label may know (the scan page's public part)."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    asset_number = ma.fields.String(required=True)
    status = ma.fields.Enum(AssetStatus, by_value=True, required=True)
    condition = ma.fields.Enum(AssetCondition, by_value=True, required=True)
    category = ma.fields.String(allow_none=True)
    department = ma.fields.String(allow_none=True)
    location = ma.fields.String(allow_none=True, metadata={"description": "Where it belongs, as a whole path."})
    photo_url = ma.fields.String(allow_none=True)
    last_confirmed_at = ma.fields.AwareDateTime(allow_none=True)


class ScannedReportSchema(ma.Schema):
    """The latest damage report still standing: a claim while `status` is new, then the office's decision."""

    id = ma.fields.Integer(required=True)
    status = ma.fields.Enum(ReportStatus, by_value=True, required=True)
    open = ma.fields.Boolean(required=True, metadata={"description": "Waiting or being repaired: add to it rather than report again."})
    reported_at = ma.fields.AwareDateTime(required=True)
    repaired_at = ma.fields.AwareDateTime(allow_none=True)


class ScanSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "The code asked for, in its canonical form."})
    replaced_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "Set when this label was replaced."})
    current_code = ma.fields.String(allow_none=True, metadata={"description": "The asset's current code, when it differs."})
    asset = ma.fields.Nested(ScannedAssetSchema, required=True)
    report = ma.fields.Nested(ScannedReportSchema, allow_none=True)
    details = ma.fields.Nested(AssetDetailSchema, allow_none=True,
                               metadata={"description": "For a person who may read the asset: everything the register holds."})


@blp.route("/<code>")
@blp.doc(security=BEARER_OR_ANONYMOUS, summary="Look up a scanned code",
         description="A label code (any case, with or without the dash) or a replaced label's code. No token needed for the "
                     "public facts; with one, `details` holds what the person may read.")
@blp.response(200, ScanSchema)
def look_up(code: str):
    facts = scan_facts(code)
    if facts is None:
        tag = look_up_tag(code).tag
        if tag is not None and tag.location_id is not None:
            raise NotFoundError(_("This is a room's label, not an asset's."))
        if tag is not None and tag.is_blank:
            raise NotFoundError(_("This label is blank: it does not belong to an asset yet."))
        raise NotFoundError(_("No asset carries the label %(code)s.", code=code[:40]))
    details = None
    if (current_user.is_authenticated and current_user.school_id == facts.school_id
            and (current_user.sees_all_assets or current_user.keeps(facts.department_id))):
        details = asset_json(db.session.get(Asset, facts.asset_id), with_history=True)
    report = None
    if facts.report_id is not None:
        report = {"id": facts.report_id, "status": facts.report_status.value, "open": facts.report_open,
                  "reported_at": iso_time(facts.reported_at), "repaired_at": iso_time(facts.repaired_at)}
    # Written directly in ScanSchema's shape: the lookup is the API's hottest read.
    return json_answer({
        "code": facts.code, "replaced_at": iso_time(facts.retired_at), "current_code": facts.current_code,
        "asset": {
            "id": facts.asset_id, "name": facts.name, "asset_number": facts.asset_number, "status": facts.status.value,
            "condition": facts.condition.value, "category": facts.category, "department": facts.department, "location": facts.location,
            "photo_url": url_for("photos.show", name=facts.photo, _external=True) if facts.photo else None,
            "last_confirmed_at": iso_time(facts.last_confirmed_at),
        },
        "report": report,
        "details": details,
    })
