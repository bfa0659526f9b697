"""Departments, locations and categories: the lists the office keeps and assets point to."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tagsvc.accounts.models import Role, User
from tagsvc.accounts.permissions import require_admin
from tagsvc.assets.models import Asset
from tagsvc.errors import ConflictError, NotFoundError, ValidationError
from tagsvc.extensions import db, same_text
from tagsvc.structure.models import PATH_SEPARATOR, AssetKind, Category, Department, DepartmentKind, Location, LocationKind


def all_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.kind, Department.name)))


def tree_in_order(model) -> list[tuple[int, object]]:
    """Every node of a tree as (depth, node), parents before their children, siblings by name.

    Loads the whole tree in one query; a school's locations and categories number in the thousands at most.
    """
    nodes = list(db.session.scalars(select(model).order_by(model.name)))
    children: dict[int | None, list] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    ordered: list[tuple[int, object]] = []

    def walk(parent_id, depth):
        for node in children.get(parent_id, []):
            ordered.append((depth, node))
            walk(node.id, depth + 1)

    walk(None, 0)
    return ordered


@dataclass(frozen=True)
class TreeView:
    """A window on a tree for its page: a few levels below a root, so a school's thousands of dorm beds do
    not make one endless page. Deeper nodes are reached through their parent's "inside" link."""

    root: object | None
    rows: list[tuple[int, object]]  # (depth below the root, node), in tree order
    hidden_children: dict[int, int]  # node id -> how many places inside it are not shown here
    parent_ids: frozenset[int]  # nodes with anything inside them (they cannot be deleted)


def tree_view(model, root_id: int | None = None, levels: int = 4) -> TreeView:
    ordered = tree_in_order(model)
    root = None
    if root_id is not None:
        root = db.session.get(model, root_id)
        if root is None:
            raise NotFoundError(_("There is no such place."))
    rows, hidden, root_depth, inside = [], {}, 0, root is None
    for depth, node in ordered:
        if root is not None:
            if node.id == root.id:
                inside, root_depth = True, depth
            elif inside and depth <= root_depth:
                break  # past the root's subtree
        if not inside:
            continue
        relative = depth - root_depth
        if relative < levels:
            rows.append((relative, node))
        elif relative == levels:
            parent_id = node.parent_id
            hidden[parent_id] = hidden.get(parent_id, 0) + 1
    parents = frozenset(node.parent_id for _depth, node in ordered if node.parent_id is not None)
    return TreeView(root=root, rows=rows, hidden_children=hidden, parent_ids=parents)


PICKER_LIMIT = 20


def _search_terms(text: str) -> list[str]:
    """The words of a typed path: "教学楼 301", "教学楼 › 3F › 301" and "教学楼/301" all give 教学楼, 301."""
    for separator in (PATH_SEPARATOR.strip(), ">", "/", "\\", "》"):
        text = text.replace(separator, " ")
    return [word for word in text.split() if word]


def search_tree(model, text: str, limit: int = PICKER_LIMIT) -> list:
    """Places (or categories) whose full path holds every typed word, the shortest paths first: typing "301"
    offers 教学楼 › 3F › 301 before the beds inside it. Case-insensitive, one query, at most `limit` nodes."""
    if not _search_terms(text):
        return []
    return list(db.session.scalars(tree_search_query(model, text).limit(limit)))


def tree_search_query(model, text: str):
    """The statement behind search_tree, in its order, for a caller that pages through all matches."""
    query = select(model)
    for word in _search_terms(text)[:6]:
        query = query.where(func.lower(model.full_name).contains(word.lower(), autoescape=True))
    return query.order_by(func.length(model.full_name), model.full_name, model.id)


def get_tree_node(model, node_id: int):
    node = db.session.get(model, node_id)
    if node is None:
        raise NotFoundError(_("There is no such place or category."))
    return node


def get_department(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFoundError(_("There is no such department."))
    return department


def resolve_tree_choice(model, node_id: int | None, text: str):
    """The node a picker field names: the chosen id while its text still shows that node's path, else the one
    node the typed text finds (a form sent without JavaScript, or text typed and not chosen). None when empty."""
    text = (text or "").strip()
    if not text:
        return None  # the box was emptied: nothing chosen
    if node_id is not None:
        node = db.session.get(model, node_id)
        if node is not None and text == node.full_name:
            return node
    exact = db.session.scalar(select(model).where(model.full_name == text))
    if exact is not None:
        return exact
    found = search_tree(model, text, limit=50)
    # One match, or one match with only places inside it (typing "301" means the room, not its beds).
    if found and all(n is found[0] or n.full_name.startswith(found[0].full_name + PATH_SEPARATOR) for n in found):
        return found[0]
    if not found:
        raise ValidationError(_("Nothing is called “%(text)s”. Type part of the name and choose from the list.", text=text))
    examples = "; ".join(n.full_name for n in found[:3])
    raise ValidationError(_("Several match “%(text)s”, e.g. %(examples)s. Type more of the path and choose one.", text=text, examples=examples))


def descendant_ids(model, root_id: int) -> list[int]:
    pairs = db.session.execute(select(model.id, model.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for node_id, parent_id in pairs:
        children.setdefault(parent_id, []).append(node_id)
    found, stack = [], [root_id]
    while stack:
        node_id = stack.pop()
        if node_id in found:
            continue
        found.append(node_id)
        stack.extend(children.get(node_id, []))
    return found


def _get(model, obj_id: int):
    obj = db.session.get(model, obj_id)
    if obj is None:
        raise NotFoundError(_("It no longer exists; someone may have deleted it."))
    return obj


def _required_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Please give a name."))
    return name


# Departments ---------------------------------------------------------------------------------

@dataclass
class DepartmentData:
    name: str
    kind: DepartmentKind = DepartmentKind.OFFICE
    code: str = ""
    keeper_ids: tuple[int, ...] = ()


def _apply_department(department: Department, data: DepartmentData) -> None:
    name = _required_name(data.name)
    clash = db.session.scalar(select(Department.id).where(same_text(Department.name, name)))
    if clash is not None and clash != department.id:
        raise ConflictError(_("There is already a department called %(name)s.", name=name))
    keepers = list(db.session.scalars(select(User).where(User.id.in_(data.keeper_ids)))) if data.keeper_ids else []
    if any(k.role != Role.KEEPER for k in keepers):
        raise ValidationError(_("Only accounts with the department keeper role can keep a department."))
    department.name = name
    department.kind = data.kind
    department.code = (data.code or "").strip()
    department.keepers = keepers


def create_department(actor, data: DepartmentData) -> Department:
    require_admin(actor)
    department = Department()
    _apply_department(department, data)
    db.session.add(department)
    db.session.commit()
    return department


def update_department(actor, department_id: int, data: DepartmentData) -> Department:
    require_admin(actor)
    department = _get(Department, department_id)
    _apply_department(department, data)
    db.session.commit()
    return department


def delete_department(actor, department_id: int) -> None:
    require_admin(actor)
    department = _get(Department, department_id)
    in_use = db.session.scalar(select(func.count(Asset.id)).where(Asset.department_id == department.id))
    if in_use:
        raise ConflictError(
            _("%(name)s still has %(count)d assets; move them to another department first.", name=department.name, count=in_use)
        )
    db.session.delete(department)
    _commit_deletion(department.name)


# Locations and categories (two trees) ------------------------------------------------------------

@dataclass
class TreeNodeData:
    name: str
    parent_id: int | None = None
    kind: LocationKind | AssetKind | None = None
    code: str = ""
    min_years_of_use: int | None = None  # categories: minimum years of use before disposal (empty: as the parent's)


def _apply_tree_node(model, node, data: TreeNodeData) -> None:
    name = _required_name(data.name)
    parent = None
    if data.parent_id is not None:
        parent = _get(model, data.parent_id)
        if node.id is not None and (parent.id == node.id or node in parent.ancestors):
            raise ValidationError(_("An entry cannot be put inside itself or below its own entries."))
    clash_query = select(model.id).where(same_text(model.name, name))
    clash_query = clash_query.where(
        model.parent_id == data.parent_id if data.parent_id is not None else model.parent_id.is_(None)
    )
    clash = db.session.scalar(clash_query)
    if clash is not None and clash != node.id:
        raise ConflictError(_("%(name)s already exists at that place in the list.", name=name))
    node.name = name
    node.parent = parent  # the relationship, not the id: the stored full path is computed from it
    if data.kind is not None:
        node.kind = data.kind
    if hasattr(node, "code"):
        node.code = (data.code or "").strip()
    if hasattr(node, "min_years_of_use"):
        if data.min_years_of_use is not None and not 0 < data.min_years_of_use <= 100:
            raise ValidationError(_("The minimum years of use must be between 1 and 100 (or empty)."))
        node.min_years_of_use = data.min_years_of_use


def create_tree_node(actor, model, data: TreeNodeData):
    require_admin(actor)
    node = model()
    _apply_tree_node(model, node, data)
    db.session.add(node)
    db.session.commit()
    return node


def update_tree_node(actor, model, node_id: int, data: TreeNodeData):
    require_admin(actor)
    node = _get(model, node_id)
    _apply_tree_node(model, node, data)
    db.session.commit()
    return node


def delete_tree_node(actor, model, node_id: int) -> None:
    require_admin(actor)
    node = _get(model, node_id)
    if node.children:
        raise ConflictError(_("%(name)s still contains other entries; delete or move them first.", name=node.name))
    column = Asset.location_id if model is Location else Asset.category_id
    in_use = db.session.scalar(select(func.count(Asset.id)).where(column == node.id))
    if in_use:
        raise ConflictError(
            _("%(name)s is still used by %(count)d assets; change them first.", name=node.name, count=in_use)
        )
    db.session.delete(node)
    _commit_deletion(node.name)


def _commit_deletion(name: str) -> None:
    """Delete, unless something not counted above still points at it (a room's label, a liability record)."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ConflictError(_("%(name)s is still referred to (by a label, a report or a record), so it is kept.", name=name)) from None


# Starting category trees a school can load (FIELD-NOTES: GB/T 14885-2022 has seven 门类; schools still use the older
# six classes). Codes are left for the office to fill in: the full code table was not verified, and a guessed code
# would be copied into every report. Furniture keeps the minimum years of use one province sets (15).
STANDARD_CATEGORIES = {
    "gbt2022": [("房屋和构筑物", AssetKind.FIXED_ASSET, None), ("设备", AssetKind.FIXED_ASSET, None), ("文物和陈列品", AssetKind.FIXED_ASSET, None),
                ("图书和档案", AssetKind.FIXED_ASSET, None), ("家具和用具", AssetKind.FIXED_ASSET, 15), ("特种动植物", AssetKind.FIXED_ASSET, None),
                ("物资", AssetKind.CONSUMABLE, None)],
    "six": [("房屋及构筑物", AssetKind.FIXED_ASSET, None), ("通用设备", AssetKind.FIXED_ASSET, None), ("专用设备", AssetKind.FIXED_ASSET, None),
            ("文物和陈列品", AssetKind.FIXED_ASSET, None), ("图书和档案", AssetKind.FIXED_ASSET, None),
            ("家具用具装具及动植物", AssetKind.FIXED_ASSET, 15)],
}


def load_standard_categories(actor, which: str) -> list[Category]:
    """Add a standard set of top categories (those the tree lacks; nothing is renamed or moved). Commits."""
    require_admin(actor)
    if which not in STANDARD_CATEGORIES:
        raise ValidationError(_("Choose one of the standard classifications."))
    existing = {folded_name(c.name) for c in db.session.scalars(select(Category).where(Category.parent_id.is_(None)))}
    added = []
    for name, kind, min_years in STANDARD_CATEGORIES[which]:
        if folded_name(name) in existing:
            continue
        category = Category(name=name, kind=kind, min_years_of_use=min_years)
        db.session.add(category)
        added.append(category)
    db.session.commit()
    return added


def folded_name(name: str) -> str:
    return "".join((name or "").split()).lower()


def suggested_kind(price) -> AssetKind:
    """The property kind the school's fixed-asset threshold (单位价值 ≥ 1,000 元 by default) suggests for a price."""
    from decimal import Decimal

    from tagsvc.schools.web import fixed_asset_threshold

    threshold = Decimal(fixed_asset_threshold())
    return AssetKind.FIXED_ASSET if price is not None and Decimal(price) >= threshold else AssetKind.LOW_VALUE
