"""The register over the API: list, read (with history), register, change (with If-Match), replace a label."""
from __future__ import annotations

from dataclasses import fields, replace

import marshmallow as ma
from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate

from tagsvc.accounts.permissions import require_asset_editor
from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import ID_RULE, Id, Money, PageArgs, PageMeta, PlaceRef, Ref, RequiredText, Text
from tagsvc.assets import services
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.errors import PreconditionFailedError, PreconditionRequiredError
from tagsvc.ledger.models import LedgerAction
from tagsvc.ledger.services import history_of
from tagsvc.tags.services import tag_url

blp = Blueprint("assets_api", __name__, url_prefix="/api/v1/assets", description="The asset register.")

IF_MATCH = {
    "in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
    "description": "The ETag of the asset as you read it. If someone changed it since, the answer is 412 with the asset as it is now.",
}


class LabelSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "The label's code (8 symbols)."})
    url = ma.fields.String(required=True, metadata={"description": "The address its QR code opens."})
    printed_at = ma.fields.AwareDateTime(allow_none=True)


class AssetSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    version = ma.fields.Integer(required=True, metadata={"description": "Goes up with every change; the ETag is this number."})
    asset_number = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    category = ma.fields.Nested(PlaceRef, allow_none=True)
    brand = ma.fields.String()
    model = ma.fields.String()
    serial_number = ma.fields.String()
    department = ma.fields.Nested(Ref, allow_none=True)
    location = ma.fields.Nested(PlaceRef, allow_none=True)
    custodian_name = ma.fields.String()
    custodian_phone = ma.fields.String()
    status = ma.fields.Enum(AssetStatus, by_value=True, required=True)
    condition = ma.fields.Enum(AssetCondition, by_value=True, required=True)
    purchase_date = ma.fields.Date(allow_none=True)
    price = ma.fields.Decimal(as_string=True, allow_none=True, metadata={"type": "string", "format": "decimal", "description": "Yuan, two decimals, as a string."})
    supplier = ma.fields.String()
    invoice_number = ma.fields.String()
    notes = ma.fields.String()
    photo_url = ma.fields.Method("_photo_url", allow_none=True)
    label = ma.fields.Method("_label", allow_none=True, metadata={"description": "The current label (a LabelSchema)."})
    last_confirmed_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)

    def _photo_url(self, asset: Asset):
        return url_for("photos.show", name=asset.photo, _external=True) if asset.photo else None

    def _label(self, asset: Asset):
        tag = asset.current_tag
        return LabelSchema().dump({"code": tag.code, "url": tag_url(tag.code), "printed_at": tag.printed_at}) if tag else None


class HistoryEventSchema(ma.Schema):
    at = ma.fields.AwareDateTime(required=True)
    action = ma.fields.Enum(LedgerAction, by_value=True, required=True)
    actor = ma.fields.String(attribute="actor_name", required=True)
    changes = ma.fields.Dict(metadata={"description": "Each changed field: [before, after], as a person read them."})
    note = ma.fields.String()


class AssetDetailSchema(AssetSchema):
    history = ma.fields.Method("_history", metadata={"description": "The newest 200 events of the asset's ledger, newest first."})

    def _history(self, asset: Asset):
        return HistoryEventSchema(many=True).dump(history_of(asset.id))


class AssetInputSchema(ma.Schema):
    """An asset as a program registers or changes it. Ids name departments, places and categories (see their
    own operations); null clears an optional one."""

    asset_number = RequiredText(64)
    name = RequiredText(200)
    category_id = Id(allow_none=True)
    brand = Text(100)
    model = Text(200)
    serial_number = Text(100)
    department_id = Id(allow_none=True)
    location_id = Id(allow_none=True)
    custodian_name = Text(100)
    custodian_phone = Text(40)
    status = ma.fields.Enum(AssetStatus, by_value=True)
    condition = ma.fields.Enum(AssetCondition, by_value=True)
    purchase_date = ma.fields.Date(allow_none=True)
    price = Money(9_999_999_999, allow_none=True)
    supplier = Text(200)
    invoice_number = Text(100)
    notes = Text(4000)

    class Meta:
        unknown = ma.RAISE


class AssetChangeSchema(AssetInputSchema):
    """The fields that change; the others keep their values."""


class AssetListArgs(PageArgs):
    q = Text(200, load_default="", metadata={"description": "Words of the name or asset number, or a label code."})
    department = Id(strict=False, metadata={"description": "Only this department's assets."})
    location = Id(strict=False, metadata={"description": "Only assets in this place or places inside it."})
    category = Id(strict=False, metadata={"description": "Only this category and the ones under it."})
    status = ma.fields.Enum(AssetStatus, by_value=True)
    never_printed = ma.fields.Boolean(load_default=False, metadata={"description": "Only assets whose label was never printed."})
    sort = ma.fields.String(load_default="number", validate=validate.OneOf(list(services.SORTS)))


class AssetPageSchema(PageMeta):
    items = ma.fields.List(ma.fields.Nested(AssetSchema), required=True)


def etag_of(asset: Asset) -> str:
    return f'"{asset.version}"'


def _with_etag(asset: Asset, status: int = 200, **headers):
    return asset, status, {"ETag": etag_of(asset), **headers}


def _expected_version() -> int:
    """The version named by If-Match (`"7"`; a compressed answer's `"7:gzip"` is the same version)."""
    raw = request.headers.get("If-Match")
    if not raw:
        raise PreconditionRequiredError(_("Send If-Match with the ETag you read the asset with, so that nobody's change is overwritten unseen."))
    versions = set()
    for tag in request.if_match.as_set():
        number = tag.split(":", 1)[0]
        if number.isdigit() and len(number) < 10:
            versions.add(int(number))
    if len(versions) != 1:
        raise PreconditionFailedError(_("If-Match must be one ETag of this asset, as it was read."))
    return versions.pop()


@blp.route("")
@blp.doc(security=BEARER, summary="Find assets", description="The register's search, filters and sorting, a page at a time. "
         "A keeper sees only their departments' assets.")
@blp.arguments(AssetListArgs, location="query", unknown=ma.RAISE)
@blp.response(200, AssetPageSchema)
def list_assets(args):
    query = services.AssetQuery(
        text=args["q"], department_id=args.get("department"), location_id=args.get("location"),
        category_id=args.get("category"), status=args.get("status"), never_printed=args["never_printed"],
        sort=args["sort"], page=args["page"], per_page=args["per_page"],
    )
    page = services.search_assets(current_user, query)
    return {"items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages}


@blp.route("", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Register an asset", description="It gets a new label code at once. The office registers "
         "for any department, a keeper for their own.")
@blp.arguments(AssetInputSchema)
@blp.response(201, AssetDetailSchema, headers={"ETag": {"schema": {"type": "string"}}, "Location": {"schema": {"type": "string"}}})
def create_asset(body):
    data = services.AssetData(**body)
    asset = services.create_asset(current_user, data)
    return _with_etag(asset, 201, Location=url_for("assets_api.read_asset", asset_id=asset.id, _external=True))


@blp.route(f"/<{ID_RULE}:asset_id>")
@blp.doc(security=BEARER, summary="Read an asset", description="With its history and, in the ETag header, its version.")
@blp.response(200, AssetDetailSchema, headers={"ETag": {"schema": {"type": "string"}}})
def read_asset(asset_id: int):
    return _with_etag(services.get_asset(current_user, asset_id))


@blp.route(f"/<{ID_RULE}:asset_id>", methods=["PATCH"])
@blp.doc(security=BEARER, summary="Change an asset", parameters=[IF_MATCH],
         description="Send only the fields that change. Needs If-Match: a change made by someone else since you read the "
                     "asset gets 412, with the asset as it is now in `current`.")
@blp.arguments(AssetChangeSchema(partial=True))
@blp.response(200, AssetDetailSchema, headers={"ETag": {"schema": {"type": "string"}}})
def change_asset(body, asset_id: int):
    asset = services.get_asset(current_user, asset_id)
    require_asset_editor(current_user, asset.department_id)  # before If-Match: a stranger learns nothing of versions
    expected = _expected_version()
    data = replace(services.asset_data_of(asset), **{f.name: body[f.name] for f in fields(services.AssetData) if f.name in body})
    try:
        asset = services.update_asset(current_user, asset_id, data, expected_version=expected)
    except PreconditionFailedError as error:
        error.current = AssetDetailSchema().dump(error.current)
        raise
    return _with_etag(asset)


@blp.route(f"/<{ID_RULE}:asset_id>/label", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Replace an asset's label", description="A new code for a lost or damaged label; the old "
         "label keeps working and leads to the new one.")
@blp.response(201, LabelSchema)
def replace_label(asset_id: int):
    tag = services.replace_tag(current_user, asset_id)
    return {"code": tag.code, "url": tag_url(tag.code), "printed_at": tag.printed_at}
