"""The school's structure over the API: departments, and the two trees (places, categories). Everyone signed in
reads them (a program needs their ids to register assets); only the office changes them."""
from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from tagsvc.accounts.permissions import require_signed_in
from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import ID_RULE, Id, PageArgs, PageMeta, RequiredText, Text
from tagsvc.pagination import paginate
from tagsvc.structure import services
from tagsvc.structure.models import AssetKind, Category, Department, DepartmentKind, Location, LocationKind

blp = Blueprint("structure_api", __name__, url_prefix="/api/v1", description="Departments, places and categories.")


# Departments --------------------------------------------------------------------------------------------

class DepartmentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.Enum(DepartmentKind, by_value=True, required=True)
    code = ma.fields.String()
    keeper_ids = ma.fields.Method("_keeper_ids", metadata={"description": "The accounts that keep it (keepers)."})

    def _keeper_ids(self, department: Department) -> list[int]:
        return [k.id for k in department.keepers]


class DepartmentInputSchema(ma.Schema):
    name = RequiredText(100)
    kind = ma.fields.Enum(DepartmentKind, by_value=True, load_default=DepartmentKind.OFFICE)
    code = Text(40, load_default="")
    keeper_ids = ma.fields.List(Id(), load_default=list, validate=ma.validate.Length(max=50))

    class Meta:
        unknown = ma.RAISE


class DepartmentListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DepartmentSchema), required=True)


def _department_data(body) -> services.DepartmentData:
    return services.DepartmentData(name=body["name"], kind=body["kind"], code=body["code"], keeper_ids=tuple(body["keeper_ids"]))


@blp.route("/departments")
@blp.doc(security=BEARER, summary="All departments")
@blp.response(200, DepartmentListSchema)
def list_departments():
    require_signed_in(current_user)
    return {"items": services.all_departments()}


@blp.route("/departments", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Add a department (office)")
@blp.arguments(DepartmentInputSchema)
@blp.response(201, DepartmentSchema)
def create_department(body):
    department = services.create_department(current_user, _department_data(body))
    return department, 201, {"Location": url_for("structure_api.read_department", department_id=department.id, _external=True)}


@blp.route(f"/departments/<{ID_RULE}:department_id>")
@blp.doc(security=BEARER, summary="Read a department")
@blp.response(200, DepartmentSchema)
def read_department(department_id: int):
    require_signed_in(current_user)
    return services.get_department(department_id)


@blp.route(f"/departments/<{ID_RULE}:department_id>", methods=["PUT"])
@blp.doc(security=BEARER, summary="Change a department (office)")
@blp.arguments(DepartmentInputSchema)
@blp.response(200, DepartmentSchema)
def change_department(body, department_id: int):
    return services.update_department(current_user, department_id, _department_data(body))


@blp.route(f"/departments/<{ID_RULE}:department_id>", methods=["DELETE"])
@blp.doc(security=BEARER, summary="Delete a department (office)", description="Refused while assets or records point to it.")
@blp.response(204)
def delete_department(department_id: int):
    services.delete_department(current_user, department_id)


# Places and categories: two trees, the same operations ------------------------------------------------------

class TreeNodeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    full_name = ma.fields.String(required=True, metadata={"description": "The whole path, e.g. 本部校区 › 教学楼 › 3F › 301."})
    parent_id = ma.fields.Integer(allow_none=True)
    code = ma.fields.String()


class TreeArgs(PageArgs):
    parent = Id(strict=False, metadata={"description": "Only the entries directly inside this one."})
    top = ma.fields.Boolean(load_default=False, metadata={"description": "Only the entries at the top of the tree."})
    q = Text(100, load_default="", metadata={"description": "Words of the path, e.g. \"宿舍楼A 203\"."})


def _tree_operations(model, path: str, endpoint: str, kind_enum, summary_name: str) -> None:
    node_schema = type(f"{model.__name__}Schema", (TreeNodeSchema,), {"kind": ma.fields.Enum(kind_enum, by_value=True, required=True)})
    input_schema = type(f"{model.__name__}InputSchema", (ma.Schema,), {
        "name": RequiredText(100),
        "parent_id": Id(allow_none=True, load_default=None),
        "kind": ma.fields.Enum(kind_enum, by_value=True, load_default=None),
        "code": Text(40, load_default=""),
        "Meta": type("Meta", (), {"unknown": ma.RAISE}),
    })
    page_schema = type(f"{model.__name__}PageSchema", (PageMeta,), {"items": ma.fields.List(ma.fields.Nested(node_schema), required=True)})

    def data(body) -> services.TreeNodeData:
        return services.TreeNodeData(name=body["name"], parent_id=body["parent_id"], kind=body["kind"], code=body["code"])

    @blp.route(f"/{path}", endpoint=f"list_{path}")
    @blp.doc(security=BEARER, summary=f"Find {summary_name}s", description="In tree order; search by words of the path.")
    @blp.arguments(TreeArgs, location="query", unknown=ma.RAISE)
    @blp.response(200, page_schema)
    def list_nodes(args):
        require_signed_in(current_user)
        if args["q"]:
            query = services.tree_search_query(model, args["q"])
        else:
            query = select(model).order_by(model.full_name, model.id)
            if args.get("parent"):
                query = query.where(model.parent_id == args["parent"])
            elif args["top"]:
                query = query.where(model.parent_id.is_(None))
        page = paginate(query, args["page"], args["per_page"])
        return {"items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages}

    @blp.route(f"/{path}", methods=["POST"], endpoint=f"create_{endpoint}")
    @idempotent
    @blp.doc(security=BEARER, summary=f"Add a {summary_name} (office)")
    @blp.arguments(input_schema)
    @blp.response(201, node_schema)
    def create_node(body):
        node = services.create_tree_node(current_user, model, data(body))
        return node, 201, {"Location": url_for(f"structure_api.read_{endpoint}", node_id=node.id, _external=True)}

    @blp.route(f"/{path}/<{ID_RULE}:node_id>", endpoint=f"read_{endpoint}")
    @blp.doc(security=BEARER, summary=f"Read a {summary_name}")
    @blp.response(200, node_schema)
    def read_node(node_id: int):
        require_signed_in(current_user)
        return services.get_tree_node(model, node_id)

    @blp.route(f"/{path}/<{ID_RULE}:node_id>", methods=["PUT"], endpoint=f"change_{endpoint}")
    @blp.doc(security=BEARER, summary=f"Rename or move a {summary_name} (office)")
    @blp.arguments(input_schema)
    @blp.response(200, node_schema)
    def change_node(body, node_id: int):
        return services.update_tree_node(current_user, model, node_id, data(body))

    @blp.route(f"/{path}/<{ID_RULE}:node_id>", methods=["DELETE"], endpoint=f"delete_{endpoint}")
    @blp.doc(security=BEARER, summary=f"Delete a {summary_name} (office)", description="Refused while it has entries inside, "
             "assets, labels or records.")
    @blp.response(204)
    def delete_node(node_id: int):
        services.delete_tree_node(current_user, model, node_id)


_tree_operations(Location, "locations", "location", LocationKind, "place")
_tree_operations(Category, "categories", "category", AssetKind, "category")
