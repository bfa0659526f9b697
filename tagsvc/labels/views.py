from io import BytesIO
from urllib.parse import urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from tagsvc.accounts.permissions import require_admin
from tagsvc.assets.forms import active_filter_count, asset_filter_from_args
from tagsvc.assets.services import matching_asset_ids
from tagsvc.errors import TagsvcError, ValidationError, show_refusal
from tagsvc.labels import services
from tagsvc.labels.forms import BlankLabelsForm, PrinterOffsetForm, RoomLabelsForm, SheetSettingsForm
from tagsvc.labels.models import PrintJobKind, PrintJobStatus
from tagsvc.structure.models import Location
from tagsvc.structure.services import descendant_ids, tree_in_order

bp = Blueprint("labels", __name__, url_prefix="/labels")

# Query-string keys that say which assets to print: ticked ids, or the asset list's filters.
SELECTION_KEYS = ("asset", "select", "all", "q", "import", "department", "location", "location-path", "category", "category-path", "status",
                  "never_printed", "sort")
PREVIEW_HEADERS = {"Cache-Control": "no-store"}


def _selection_args(source: MultiDict) -> list[tuple[str, str]]:
    return [(key, value) for key in SELECTION_KEYS for value in source.getlist(key) if value != ""]


def _chosen_asset_ids(source: MultiDict, limit: int | None = None) -> list[int] | None:
    """Ticked assets, or every asset the filters find; None when nothing has been chosen yet."""
    ticked = source.getlist("asset", type=int)
    if ticked:
        return ticked
    if not source.get("select"):
        return None
    _form, query = asset_filter_from_args(source, per_page=50)
    return matching_asset_ids(current_user, query)[:limit] if limit else matching_asset_ids(current_user, query)


def _settings_form(form_class=SheetSettingsForm, **kwargs):
    form = form_class(**kwargs)
    sheets, _problems = services.sheet_catalogue()
    language = str(get_locale())
    form.sheet.choices = [(slug, sheet.name_for(language)) for slug, sheet in sheets.items()]
    if not form.sheet.data and "a4-3x8" in sheets:
        form.sheet.data = "a4-3x8"
    return form


def _settings(form) -> services.PrintSettings:
    return services.PrintSettings(sheet_slug=form.sheet.data or "", start_position=(form.start.data or 1) - 1, qr_level=form.level.data or "M")


@bp.get("")
@login_required
def print_assets():
    services.require_printer(current_user)
    filter_form, _query = asset_filter_from_args(request.args, per_page=50)
    settings_form = _settings_form(formdata=request.args, meta={"csrf": False})
    chosen = _chosen_asset_ids(request.args)
    # Every asset of the school, chosen by leaving the filters empty, is asked about first: it may be thousands of labels.
    unconfirmed_all = bool(chosen) and _chooses_everything(request.args, filter_form)
    names = services.asset_names(chosen[:5]) if chosen else []
    settings_error = None
    try:
        services.check_settings(_settings(settings_form))
    except ValidationError as error:
        settings_error = error.message
    selection = _selection_args(request.args)
    return render_template(
        "labels/print.html", filter_form=filter_form, settings_form=settings_form, chosen=chosen, names=names,
        settings_error=settings_error, selection=selection, unconfirmed_all=unconfirmed_all, preview_query=urlencode(selection + _settings_args(settings_form)),
        make_form=SheetSettingsForm(meta={"csrf": True}), jobs=services.recent_print_jobs(current_user, limit=5),
    )


def _chooses_everything(source: MultiDict, filter_form) -> bool:
    """Filters left empty (so every asset the person may print) and not yet confirmed as meant."""
    return (not source.getlist("asset") and not source.get("all") and not source.get("import") and not (source.get("q") or "").strip()
            and active_filter_count(filter_form) == 0)


def _settings_args(form) -> list[tuple[str, str]]:
    return [("sheet", form.sheet.data or ""), ("start", str(form.start.data or 1)), ("level", form.level.data or "M")]


@bp.get("/preview.png")
@login_required
def preview():
    form = _settings_form(formdata=request.args, meta={"csrf": False})
    chosen = _chosen_asset_ids(request.args, limit=200) or []
    tag_ids = services.asset_tag_ids(current_user, chosen) if chosen else []
    png = services.first_page_preview(current_user, tag_ids, _settings(form))
    return current_app.response_class(png, mimetype="image/png", headers=PREVIEW_HEADERS)


@bp.post("/jobs")
@login_required
def make_asset_labels():
    form = _settings_form()
    back = url_for("labels.print_assets") + "?" + urlencode(_selection_args(request.form) + _settings_args(form))
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(back)
    try:
        chosen = _chosen_asset_ids(request.form)
        if not chosen:
            raise ValidationError(_("Choose at least one asset to print labels for."))
        if _chooses_everything(request.form, asset_filter_from_args(request.form, per_page=50)[0]):
            raise ValidationError(_("No filter is set: confirm that you mean to print labels for every asset."))
        job = services.create_print_job(current_user, PrintJobKind.ASSETS, services.asset_tag_ids(current_user, chosen), _settings(form))
    except TagsvcError as error:
        show_refusal(error)
        return redirect(back)
    services.start_print_job(job)
    return redirect(url_for("labels.job", job_id=job.id))


@bp.route("/rooms", methods=["GET", "POST"])
@login_required
def rooms():
    require_admin(current_user)  # locations are the office's
    form = _settings_form(RoomLabelsForm)
    if request.method == "GET":
        form.location.data = request.args.get("location", type=int)  # from the locations page
    if form.validate_on_submit():
        chosen = set(descendant_ids(Location, form.location.data)) if form.include_inside.data else {form.location.data}
        location_ids = [node.id for _depth, node in tree_in_order(Location) if node.id in chosen]  # as the tree reads
        return _make_job(lambda: (PrintJobKind.ROOMS, services.room_tag_ids(current_user, location_ids)), form, "labels/rooms.html")
    return render_template("labels/rooms.html", form=form), 400 if form.errors else 200


@bp.route("/blank", methods=["GET", "POST"])
@login_required
def blank():
    services.require_printer(current_user)
    form = _settings_form(BlankLabelsForm)
    if form.validate_on_submit():
        def blank_tags():
            return PrintJobKind.BLANK, services.batch_tag_ids(services.create_blank_batch(current_user, form.count.data))
        return _make_job(blank_tags, form, "labels/blank.html")
    return render_template("labels/blank.html", form=form), 400 if form.errors else 200


def _make_job(choose_tags, form, template: str):
    try:
        services.get_sheet(form.sheet.data)  # before any tags are issued for a job that cannot print
        kind, tag_ids = choose_tags()
        job = services.create_print_job(current_user, kind, tag_ids, _settings(form))
    except TagsvcError as error:
        return render_template(template, form=form), show_refusal(error)
    services.start_print_job(job)
    return redirect(url_for("labels.job", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    print_job = services.get_print_job(current_user, job_id)
    sheet = services.sheet_catalogue()[0].get(print_job.sheet_slug)
    running = print_job.status in (PrintJobStatus.QUEUED, PrintJobStatus.RUNNING)
    return render_template("labels/job.html", job=print_job, sheet=sheet, running=running)


@bp.get("/jobs/<int:job_id>/labels.pdf")
@login_required
def job_pdf(job_id: int):
    pdf = services.print_job_file(current_user, job_id)
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=f"labels-{job_id}.pdf", max_age=0)


@bp.get("/jobs/<int:job_id>/labels.zip")
@login_required
def job_images(job_id: int):
    images = services.print_job_file(current_user, job_id, images=True)
    return send_file(BytesIO(images), mimetype="application/zip", as_attachment=True, download_name=f"labels-{job_id}-png.zip", max_age=0)


@bp.get("/jobs/<int:job_id>/preview.png")
@login_required
def job_preview(job_id: int):
    png = services.pdf_first_page_png(services.print_job_file(current_user, job_id))
    return current_app.response_class(png, mimetype="image/png", headers=PREVIEW_HEADERS)


@bp.get("/sheets")
@login_required
def sheets():
    services.require_printer(current_user)
    catalogue, problems = services.sheet_catalogue()
    offsets = services.all_printer_offsets()
    forms = {}
    for slug in catalogue:
        x, y = offsets.get(slug, (0.0, 0.0))
        forms[slug] = PrinterOffsetForm(formdata=None, x_mm=x, y_mm=y, prefix=slug)
    return render_template("labels/sheets.html", sheets=catalogue, problems=problems, offsets=offsets, forms=forms)


@bp.post("/sheets/<slug>/offset")
@login_required
def set_offset(slug: str):
    form = PrinterOffsetForm(prefix=slug)
    if not form.validate_on_submit():
        flash(_("Offsets are numbers of millimetres between -15 and 15, such as 1.5 or -0.5."), "error")
        return redirect(url_for("labels.sheets"))
    services.set_printer_offset(current_user, slug, float(form.x_mm.data), float(form.y_mm.data))
    flash(_("Printer offset saved. Print the alignment page again to check it."), "success")
    return redirect(url_for("labels.sheets") + f"#sheet-{slug}")


@bp.get("/sheets/<slug>/alignment.pdf")
@login_required
def alignment(slug: str):
    pdf = services.alignment_page(current_user, slug)
    return current_app.response_class(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="alignment-{slug}.pdf"', **PREVIEW_HEADERS})
