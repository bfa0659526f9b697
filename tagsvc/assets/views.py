import json
from dataclasses import fields
from datetime import datetime
from enum import Enum

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tagsvc.schools.web import fixed_asset_threshold
from tagsvc.accounts.permissions import require_asset_editor
from tagsvc.assets import services
from tagsvc.assets.display import STATUS_LABELS
from tagsvc.assets.forms import AssetForm, active_filter_count, asset_filter_from_args
from tagsvc.assets.models import AssetCondition, AssetStatus
from tagsvc.assets.states import status_governance
from tagsvc.errors import PermissionDeniedError, PreconditionFailedError, TagsvcError, show_refusal
from tagsvc.extensions import db, utcnow
from tagsvc.forms import ConfirmForm
from tagsvc.ledger.services import history_of
from tagsvc.repairs import services as repairs  # a module, not a name: repairs.services imports assets itself
from tagsvc.structure.services import all_departments
from tagsvc.tags.services import normalize_code, tag_url

bp = Blueprint("assets", __name__)

def _department_choices(blank: str, only_kept: bool = False):
    departments = all_departments()
    if only_kept and not current_user.is_admin:
        departments = [d for d in departments if current_user.keeps(d.id)]
    return [("", blank)] + [(str(d.id), d.name) for d in departments]


def _fill_asset_choices(form: AssetForm) -> None:
    form.department_id.choices = _department_choices(_("— none —"), only_kept=True)


def _asset_data(form: AssetForm) -> services.AssetData:
    values = {f.name: form[f.name].data for f in fields(services.AssetData)}
    values["status"] = AssetStatus(values["status"])
    values["condition"] = AssetCondition(values["condition"])
    for key in ("brand", "model", "serial_number", "custodian_name", "custodian_phone", "supplier", "invoice_number", "notes"):
        values[key] = values[key] or ""
    return services.AssetData(**values)


def _photo_bytes(form: AssetForm) -> bytes | None:
    upload = form.photo.data
    return upload.read() if upload and getattr(upload, "filename", "") else None


@bp.get("/assets")
@login_required
def index():
    form, query = asset_filter_from_args(request.args, _per_page())
    page = services.asset_list_page(current_user, query)
    if page.exact_tag_id is not None and page.total == 1:
        return redirect(url_for("assets.detail", asset_id=page.exact_tag_id))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    write_offs = None
    if query.status == AssetStatus.DISPOSED and current_user.is_admin:  # the disposed items: what left the books
        from tagsvc.disposals.services import written_off
        from tagsvc.loans.services import school_today

        year = school_today().year
        write_offs = {"all": written_off(), "year": year, "this_year": written_off(year)}
    return render_template("assets/index.html", form=form, page=page, args=args, active_filters=active_filter_count(form),
                           write_offs=write_offs, status_labels={status: _(label) for status, label in STATUS_LABELS.items()})


def _hint_property_kind(asset) -> None:
    """The school's fixed-asset threshold suggests a property kind; a category of the other kind is worth a look."""

    from tagsvc.structure.models import AssetKind
    from tagsvc.structure.services import suggested_kind

    if asset.category is None or asset.price is None or asset.category.kind == AssetKind.CONSUMABLE:
        return
    suggested = suggested_kind(asset.price)
    if suggested != asset.category.kind:
        threshold = f"{fixed_asset_threshold():,}"
        flash(_("At ¥%(price)s it is at or above the fixed-asset threshold (%(threshold)s 元) but filed under a low-value category: check its category.",
                price=asset.price, threshold=threshold) if suggested == AssetKind.FIXED_ASSET else
              _("At ¥%(price)s it is below the fixed-asset threshold (%(threshold)s 元) but filed under a fixed-asset category: check its category.",
                price=asset.price, threshold=threshold), "info")


def _per_page() -> int:
    from flask import current_app

    return current_app.config["ASSETS_PER_PAGE"]


@bp.route("/assets/new", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.can_create_assets:
        raise PermissionDeniedError(_("Only the logistics office and department keepers can register assets."))
    form = AssetForm()
    _fill_asset_choices(form)
    blank_code = normalize_code(request.args.get("label", "")) or None  # registering from a scanned blank label
    status = 200
    if form.validate_on_submit():
        try:
            asset = services.create_asset(current_user, _asset_data(form), photo=_photo_bytes(form), blank_code=blank_code)
        except TagsvcError as error:
            flash(error.message, "error")
            status = error.status_code
        else:
            flash(_("%(name)s is registered with label code %(code)s.", name=asset.name, code=asset.current_tag.code), "success")
            _hint_property_kind(asset)
            return redirect(url_for("assets.detail", asset_id=asset.id))
    elif form.errors:
        status = 400
    return render_template("assets/form.html", form=form, asset=None, blank_code=blank_code), status


@bp.get("/assets/<int:asset_id>")
@login_required
def detail(asset_id: int):
    asset = services.get_asset(current_user, asset_id)
    return render_template(
        "assets/detail.html",
        asset=asset,
        history=history_of(asset.id),
        label_url=tag_url(asset.current_tag.code) if asset.current_tag else None,
        can_edit=current_user.can_edit_asset_in(asset.department_id) and asset.status != AssetStatus.TRANSFERRED_OUT,
        report_link=repairs.open_report_link(current_user, asset.id),
        confirm_form=ConfirmForm(),
    )


@bp.route("/assets/<int:asset_id>/edit", methods=["GET", "POST"])
@login_required
def edit(asset_id: int):
    asset = services.get_asset(current_user, asset_id)
    require_asset_editor(current_user, asset.department_id)
    form = AssetForm(obj=asset) if request.method == "GET" else AssetForm()
    if request.method == "GET":
        form.status.data = asset.status.value
        form.condition.data = asset.condition.value
        _remember_opened(form, asset)
    _fill_asset_choices(form)
    if asset.department_id and not any(v == str(asset.department_id) for v, _label in form.department_id.choices):
        form.department_id.choices.append((str(asset.department_id), asset.department.name))
    status, merge, opened_at = 200, None, form.opened_at.data
    if form.validate_on_submit():
        version = form.version.data or ""
        try:
            services.update_asset(current_user, asset.id, _asset_data(form), photo=_photo_bytes(form),
                                  expected_version=int(version) if version.isdigit() else None)
        except PreconditionFailedError as error:
            db.session.rollback()
            asset, merge = error.current, _merge_with_theirs(form, error.current)
            status = 409
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            flash(_("Changes to %(name)s are saved.", name=asset.name), "success")
            _hint_property_kind(asset)
            return redirect(url_for("assets.detail", asset_id=asset.id))
    elif form.errors:
        status = 400
    return render_template("assets/form.html", form=form, asset=asset, governance=status_governance(asset.id), merge=merge,
                           merge_saved=services.display_values(asset) if merge else {},
                           recent_changes=_changes_since(asset.id, opened_at) if merge else ()), status


def _changes_since(asset_id: int, opened_at: str | None) -> list:
    """What happened to the asset after the form was opened (the newest five), or its newest three events."""
    try:
        since = datetime.fromisoformat(opened_at or "")
    except ValueError:
        return history_of(asset_id, limit=3)
    return [event for event in history_of(asset_id, limit=20) if event.at > since][:5]


def _remember_opened(form: AssetForm, asset) -> None:
    form.opened_at.data = utcnow().isoformat()
    form.version.data = str(asset.version)
    form.original.data = json.dumps(services.comparable_values(services.asset_data_of(asset)), ensure_ascii=False)


def _merge_with_theirs(form: AssetForm, current) -> services.EditMerge:
    """Someone saved this asset after the form was opened: take over what only they changed, keep what only this
    person changed, and show the fields both changed; the form now carries the current version."""
    try:
        original = json.loads(form.original.data or "{}")
    except ValueError:
        original = {}
    theirs = services.asset_data_of(current)
    merge = services.merge_edits(original if isinstance(original, dict) else {}, _asset_data(form), theirs)
    for name in merge.taken_over:
        value = getattr(theirs, name)
        field = form[name]
        field.data = value.value if isinstance(value, Enum) else value
        field.raw_data = None  # show the value just set, not the one sent
        if hasattr(field, "typed_text"):
            field.typed_text = None
    _remember_opened(form, current)
    return merge


@bp.route("/assets/<int:asset_id>/replace-tag", methods=["GET", "POST"])
@login_required
def replace_tag(asset_id: int):
    asset = services.get_asset(current_user, asset_id)
    require_asset_editor(current_user, asset.department_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        tag = services.replace_tag(current_user, asset.id)
        flash(_("New label code %(code)s issued; the old label now points to it. Print and stick the new label.", code=tag.code), "success")
        return redirect(url_for("assets.detail", asset_id=asset.id))
    return render_template("assets/replace_tag.html", asset=asset, form=form)
