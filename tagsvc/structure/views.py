from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from tagsvc.accounts.models import Role, User
from tagsvc.accounts.permissions import require_admin
from tagsvc.assets.models import Asset
from tagsvc.errors import TagsvcError, show_refusal
from tagsvc.extensions import db
from tagsvc.forms import ConfirmForm
from tagsvc.structure import services
from tagsvc.structure.display import ASSET_KIND_LABELS, DEPARTMENT_KIND_LABELS, LOCATION_KIND_LABELS
from tagsvc.structure.forms import DepartmentForm, TreeNodeForm
from tagsvc.structure.models import AssetKind, Category, Department, DepartmentKind, Location, LocationKind
from tagsvc.i18n.messages import join_names

bp = Blueprint("structure", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _office_only():
    require_admin(current_user)


def _asset_counts(column) -> dict[int, int]:
    return dict(db.session.execute(select(column, func.count(Asset.id)).group_by(column)).all())


# Departments ---------------------------------------------------------------------------------

@bp.get("/departments")
def departments():
    return render_template(
        "structure/departments.html",
        departments=services.all_departments(),
        counts=_asset_counts(Asset.department_id),
        kind_labels=DEPARTMENT_KIND_LABELS,
        confirm_form=ConfirmForm(),
    )


@bp.route("/departments/new", methods=["GET", "POST"])
@bp.route("/departments/<int:department_id>/edit", methods=["GET", "POST"])
def edit_department(department_id: int | None = None):
    department = db.session.get(Department, department_id) if department_id else None
    if department_id and department is None:
        abort(404)
    form = DepartmentForm(obj=department) if request.method == "GET" and department else DepartmentForm()
    if request.method == "GET" and department:
        form.kind.data = department.kind.value
        form.keeper_ids.data = [k.id for k in department.keepers]
    form.keeper_ids.choices = [
        (u.id, f"{u.display_name} ({u.username})")
        for u in db.session.scalars(select(User).where(User.role == Role.KEEPER).order_by(User.display_name))
    ]
    status = 200
    if form.validate_on_submit():
        data = services.DepartmentData(
            name=form.name.data, kind=DepartmentKind(form.kind.data), code=form.code.data or "", keeper_ids=tuple(form.keeper_ids.data or ())
        )
        try:
            if department is None:
                saved = services.create_department(current_user, data)
            else:
                saved = services.update_department(current_user, department.id, data)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("%(name)s is saved.", name=saved.name), "success")
            return redirect(url_for("structure.departments"))
    elif form.errors:
        status = 400
    return render_template("structure/department_form.html", form=form, department=department), status


@bp.post("/departments/<int:department_id>/delete")
def delete_department(department_id: int):
    if ConfirmForm().validate_on_submit():
        _delete(lambda: services.delete_department(current_user, department_id))
    return redirect(url_for("structure.departments"))


def _delete(action) -> None:
    try:
        action()
    except TagsvcError as error:
        show_refusal(error)
    else:
        flash(_("Deleted."), "success")


# Locations and categories: the same pages for two trees --------------------------------------

@dataclass(frozen=True)
class TreeKind:
    model: type
    title: object
    new_title: object
    kind_labels: dict
    kind_enum: type
    asset_column: object
    has_code: bool


TREES = {
    "locations": TreeKind(Location, _l("Locations"), _l("New location"), LOCATION_KIND_LABELS, LocationKind, Asset.location_id, False),
    "categories": TreeKind(Category, _l("Categories"), _l("New category"), ASSET_KIND_LABELS, AssetKind, Asset.category_id, True),
}


def _tree(name: str) -> TreeKind:
    if name not in TREES:
        abort(404)
    return TREES[name]


@bp.get("/<any(locations, categories):tree_name>")
def tree(tree_name: str):
    kind = _tree(tree_name)
    view = services.tree_view(kind.model, request.args.get("under", type=int))
    return render_template(
        "structure/tree.html",
        tree_name=tree_name,
        kind=kind,
        view=view,
        nodes=view.rows,
        counts=_asset_counts(kind.asset_column),
        confirm_form=ConfirmForm(),
    )


@bp.route("/<any(locations, categories):tree_name>/new", methods=["GET", "POST"])
@bp.route("/<any(locations, categories):tree_name>/<int:node_id>/edit", methods=["GET", "POST"])
def edit_node(tree_name: str, node_id: int | None = None):
    kind = _tree(tree_name)
    node = db.session.get(kind.model, node_id) if node_id else None
    if node_id and node is None:
        abort(404)
    form = TreeNodeForm(obj=node) if request.method == "GET" and node else TreeNodeForm()
    form.kind.choices = [(k.value, _(label)) for k, label in kind.kind_labels.items()]
    if request.method == "GET":
        if node:
            form.kind.data = node.kind.value
        elif request.args.get("parent", type=int):
            form.parent_id.data = request.args.get("parent", type=int)
            parent = db.session.get(kind.model, form.parent_id.data)
            if parent is not None and kind.model is Category:
                form.kind.data = parent.kind.value  # a sub-category is usually of its parent's kind
    form.parent_id.use_tree(tree_name)
    status = 200
    if form.validate_on_submit():
        data = services.TreeNodeData(
            name=form.name.data, parent_id=form.parent_id.data, kind=kind.kind_enum(form.kind.data), code=form.code.data or "",
            min_years_of_use=form.min_years_of_use.data if kind.model is Category else None,
        )
        try:
            if node is None:
                saved = services.create_tree_node(current_user, kind.model, data)
            else:
                saved = services.update_tree_node(current_user, kind.model, node.id, data)
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("%(name)s is saved.", name=saved.full_name), "success")
            return redirect(url_for("structure.tree", tree_name=tree_name))
    elif form.errors:
        status = 400
    return render_template("structure/node_form.html", form=form, node=node, kind=kind, tree_name=tree_name), status


@bp.post("/<any(locations, categories):tree_name>/<int:node_id>/delete")
def delete_node(tree_name: str, node_id: int):
    kind = _tree(tree_name)
    if ConfirmForm().validate_on_submit():
        _delete(lambda: services.delete_tree_node(current_user, kind.model, node_id))
    return redirect(url_for("structure.tree", tree_name=tree_name))


@bp.post("/categories/standard")
def load_standard():
    """Add the top classes of a standard classification to the category tree."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        added = services.load_standard_categories(current_user, request.form.get("which", ""))
    except TagsvcError as error:
        show_refusal(error)
    else:
        flash(ngettext("%(num)d category added: %(names)s", "%(num)d categories added: %(names)s", len(added),
                       names=join_names(c.name for c in added)) if added else _("The tree has these classes already."), "success")
    return redirect(url_for("structure.tree", tree_name="categories"))


# The tree picker's search: every signed-in person who fills a form with a place or a category ---------------

pick_bp = Blueprint("structure_pick", __name__)


@pick_bp.get("/pick/<tree_name>")
@login_required
def pick(tree_name: str):
    from tagsvc.structure.picker import TREES

    model = TREES.get(tree_name)
    if model is None:
        abort(404)
    found = services.search_tree(model, request.args.get("q", "")[:200])
    return {"results": [{"id": node.id, "path": node.full_name} for node in found]}
