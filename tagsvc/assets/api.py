"""The register over the API: list, read (with history), register, change (with If-Match), replace a label."""
from __future__ import annotations

import base64
import json
from dataclasses import fields, replace
from datetime import datetime

import marshmallow as ma

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy import and_, select

from tagsvc.accounts.permissions import require_asset_editor, require_signed_in
from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import ID_RULE, Id, Money, PageArgs, PlaceRef, Ref, RequiredText, Text
from tagsvc.assets import services
from tagsvc.assets.models import Asset, AssetCondition, AssetStatus
from tagsvc.errors import PreconditionFailedError, PreconditionRequiredError, ValidationError
from tagsvc.ledger.models import LedgerAction
from tagsvc.ledger.services import history_of
from tagsvc.structure.models import Category, Department, Location
from tagsvc.tags.models import Tag
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
    """An asset as the API gives it. Written by `asset_json` (a page of fifty through marshmallow cost 20 ms); this
    schema documents it, and tests/api/test_schemathesis.py checks every answer against it."""

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
    photo_url = ma.fields.String(allow_none=True)
    label = ma.fields.Nested(LabelSchema, allow_none=True, metadata={"description": "The current label."})
    last_confirmed_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class HistoryEventSchema(ma.Schema):
    at = ma.fields.AwareDateTime(required=True)
    action = ma.fields.Enum(LedgerAction, by_value=True, required=True)
    actor = ma.fields.String(attribute="actor_name", required=True)
    changes = ma.fields.Dict(metadata={"description": "Each changed field: [before, after], as a person read them."})
    note = ma.fields.String()


class AssetDetailSchema(AssetSchema):
    history = ma.fields.List(ma.fields.Nested(HistoryEventSchema), required=True,
                             metadata={"description": "The newest 200 events of the asset's ledger, newest first."})


def iso_time(value) -> str | None:
    return value.isoformat() if value is not None else None


# The plain values an asset's answer is made of: the asset's own columns, then its category, department, place and
# current label. `asset_json` reads them off a loaded Asset; a list page reads them in one query (`_LIST_QUERY`).
_OWN = ("id", "version", "asset_number", "name", "brand", "model", "serial_number", "custodian_name", "custodian_phone",
        "status", "condition", "purchase_date", "price", "supplier", "invoice_number", "notes", "photo", "last_confirmed_at",
        "created_at", "updated_at")
_RELATED = ("category_id", "category_name", "category_path", "department_id", "department_name", "location_id", "location_name",
            "location_path", "tag_code", "tag_printed_at")


def _values_of(asset: Asset) -> dict:
    values = {name: getattr(asset, name) for name in _OWN}
    category, department, location, tag = asset.category, asset.department, asset.location, asset.current_tag
    values.update(category_id=category and category.id, category_name=category and category.name, category_path=category and category.full_name,
                  department_id=department and department.id, department_name=department and department.name,
                  location_id=location and location.id, location_name=location and location.name, location_path=location and location.full_name,
                  tag_code=tag and tag.code, tag_printed_at=tag and tag.printed_at)
    return values


def _body(v: dict, base_url: str) -> dict:
    """AssetSchema's shape, from the plain values."""
    return {
        "id": v["id"], "version": v["version"], "asset_number": v["asset_number"], "name": v["name"],
        "category": {"id": v["category_id"], "name": v["category_name"], "full_name": v["category_path"]} if v["category_id"] else None,
        "brand": v["brand"], "model": v["model"], "serial_number": v["serial_number"],
        "department": {"id": v["department_id"], "name": v["department_name"]} if v["department_id"] else None,
        "location": {"id": v["location_id"], "name": v["location_name"], "full_name": v["location_path"]} if v["location_id"] else None,
        "custodian_name": v["custodian_name"], "custodian_phone": v["custodian_phone"],
        "status": v["status"].value, "condition": v["condition"].value,
        "purchase_date": iso_time(v["purchase_date"]), "price": f"{v['price']:.2f}" if v["price"] is not None else None,
        "supplier": v["supplier"], "invoice_number": v["invoice_number"], "notes": v["notes"],
        "photo_url": url_for("photos.show", name=v["photo"], _external=True) if v["photo"] else None,
        "label": {"code": v["tag_code"], "url": f"{base_url}/t/{v['tag_code']}", "printed_at": iso_time(v["tag_printed_at"])} if v["tag_code"] else None,
        "last_confirmed_at": iso_time(v["last_confirmed_at"]), "created_at": iso_time(v["created_at"]), "updated_at": iso_time(v["updated_at"]),
    }


def _base_url() -> str:
    return tag_url("").removesuffix("/t/")


def asset_json(asset: Asset, with_history: bool = False) -> dict:
    """An asset as AssetSchema (or, with its history, AssetDetailSchema) documents it."""
    body = _body(_values_of(asset), _base_url())
    if with_history:
        body["history"] = [{"at": iso_time(e.at), "action": e.action.value, "actor": e.actor_name, "changes": e.changes, "note": e.note_words}
                           for e in history_of(asset.id)]
    return body


_LIST_QUERY = (
    select(*(getattr(Asset, name) for name in _OWN), Category.id, Category.name, Category.full_name, Department.id, Department.name,
           Location.id, Location.name, Location.full_name, Tag.code, Tag.printed_at)
    .outerjoin(Category, Category.id == Asset.category_id)
    .outerjoin(Department, Department.id == Asset.department_id)
    .outerjoin(Location, Location.id == Asset.location_id)
    .outerjoin(Tag, and_(Tag.asset_id == Asset.id, Tag.retired_at.is_(None)))
)


def _page_json(rows) -> list[dict]:
    """A page of assets read by `_LIST_QUERY`, as plain values (no ORM objects: a third of the time)."""
    names, base_url = _OWN + _RELATED, _base_url()
    return [_body(dict(zip(names, row, strict=True)), base_url) for row in rows]


def json_answer(body, status: int = 200, **headers):
    """An answer already in its documented shape (flask-smorest passes a Response through as it is)."""
    return current_app.response_class(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status,
                                      mimetype="application/json", headers=headers)


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
    cursor = ma.fields.String(validate=validate.Length(min=1, max=600), metadata={
        "description": "Instead of page: the next_cursor of the page before. Walking a long list this way stays as fast as "
                       "its first page, and no asset is skipped or repeated when others are added meanwhile."})
    q = Text(200, load_default="", metadata={"description": "Words of the name or asset number, or a label code."})
    department = Id(strict=False, metadata={"description": "Only this department's assets."})
    location = Id(strict=False, metadata={"description": "Only assets in this place or places inside it."})
    category = Id(strict=False, metadata={"description": "Only this category and the ones under it."})
    status = ma.fields.Enum(AssetStatus, by_value=True)
    never_printed = ma.fields.Boolean(load_default=False, metadata={"description": "Only assets whose label was never printed."})
    sort = ma.fields.String(load_default="number", validate=validate.OneOf(list(services.SORTS)))


class AssetPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AssetSchema), required=True)
    total = ma.fields.Integer(required=True, allow_none=True,
                              metadata={"description": "How many assets match, on all pages; null on a page asked for by cursor."})
    page = ma.fields.Integer(required=True, allow_none=True, metadata={"description": "null on a page asked for by cursor."})
    per_page = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True, allow_none=True, metadata={"description": "null on a page asked for by cursor."})
    next_cursor = ma.fields.String(allow_none=True, required=True,
                                   metadata={"description": "Send it as cursor for the following page; null on the last page."})


def _cursor_of(sort: str, item: dict) -> str:
    """The cursor after an item of a list answer: its sort value (as the answer shows it) and id."""
    value = item[services.SORT_COLUMNS[sort.lstrip("-")].key]
    raw = json.dumps([sort, value, item["id"]], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after_cursor(cursor: str, sort: str) -> tuple:
    """The (value, id) a cursor names, for this sort; a cursor from elsewhere is refused with a clear message."""
    try:
        cursor_sort, value, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if cursor_sort != sort or not isinstance(last_id, int) or not isinstance(value, str):
            raise ValueError
        return (datetime.fromisoformat(value) if sort.lstrip("-") == "updated" else value), last_id
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError(_("This cursor is not one this list gave for this sort order. Start again from the first page.")) from None


def etag_of(asset: Asset) -> str:
    return f'"{asset.version}"'


def _with_etag(asset: Asset, status: int = 200, **headers):
    return json_answer(asset_json(asset, with_history=True), status, ETag=etag_of(asset), **headers)


def _expected_version(asset: Asset) -> int:
    """The version named by If-Match (`"7"`; a compressed answer's `"7:gzip"` is the same version)."""
    raw = request.headers.get("If-Match")
    if not raw:
        raise PreconditionRequiredError(_("Send If-Match with the ETag you read the asset with, so that nobody's change is overwritten unseen."))
    versions = set()
    for tag in request.if_match.as_set():
        if not tag:  # If-Match: "" parses to an empty (or missing) tag
            continue
        number = tag.split(":", 1)[0]
        if number.isdigit() and len(number) < 10:
            versions.add(int(number))
    if len(versions) != 1:
        raise PreconditionFailedError(_("If-Match must be one ETag of this asset, as it was read."), current=asset)
    return versions.pop()


@blp.route("")
@blp.doc(security=BEARER, summary="Find assets", description="The register's search, filters and sorting, a page at a time. "
         "A keeper sees only their departments' assets.")
@blp.arguments(AssetListArgs, location="query", unknown=ma.RAISE)
@blp.response(200, AssetPageSchema)
def list_assets(args):
    require_signed_in(current_user)  # before reading the cursor: a stranger is told to sign in, not that it is wrong
    query = services.AssetQuery(
        text=args["q"], department_id=args.get("department"), location_id=args.get("location"),
        category_id=args.get("category"), status=args.get("status"), never_printed=args["never_printed"],
        sort=args["sort"], page=args["page"], per_page=args["per_page"],
        after=_after_cursor(args["cursor"], args["sort"]) if "cursor" in args else None,
    )
    page = services.search_asset_ids(current_user, query, rows=_LIST_QUERY)
    items = _page_json(page.items)
    by_cursor = query.after is not None
    more = len(items) == page.per_page and (by_cursor or page.page < page.pages)
    return json_answer({"items": items, "total": page.total, "page": page.page, "per_page": page.per_page,
                        "pages": None if by_cursor else page.pages, "next_cursor": _cursor_of(args["sort"], items[-1]) if more else None})


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
    data = replace(services.asset_data_of(asset), **{f.name: body[f.name] for f in fields(services.AssetData) if f.name in body})
    try:
        asset = services.update_asset(current_user, asset_id, data, expected_version=_expected_version(asset))
    except PreconditionFailedError as error:
        error.current = asset_json(error.current, with_history=True)
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
