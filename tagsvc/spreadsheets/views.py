"""The office's import pages: upload a register file, check the column mapping and the dry run (every problem with
its row and column, the departments, places and categories that would be created or matched), download the rows
that failed with the reason beside each, import, then print the imported assets' labels. And the export."""
from __future__ import annotations

import io
import json
import re
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from tagsvc.accounts.permissions import require_admin
from tagsvc.assets.forms import asset_filter_from_args
from tagsvc.errors import PermissionDeniedError, TagsvcError, ValidationError, show_refusal
from tagsvc.extensions import db
from tagsvc.spreadsheets import files
from tagsvc.spreadsheets.columns import COLUMNS
from tagsvc.spreadsheets.exporting import export_register
from tagsvc.spreadsheets.forms import ImportChoicesForm, UploadForm
from tagsvc.spreadsheets.importing import Options, cell_text, find_header, plan_import, remember_mapping
from tagsvc.spreadsheets.jobs import start_import
from tagsvc.spreadsheets.models import ImportRun
from tagsvc.storage import older_than, storage
from tagsvc.spreadsheets.reading import Sheet, read_sheet, sheet_from_json, sheet_to_json
from tagsvc.structure.models import AssetKind, Category, Department, Location

bp = Blueprint("spreadsheets", __name__, url_prefix="/register")
TOKEN = re.compile(r"^[0-9a-f]{32}$")
KEPT_FOR = timedelta(days=1)  # an uploaded file waits a day for its import, then goes
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.before_request
@login_required
def office_only():
    if not current_user.is_admin:
        raise PermissionDeniedError(_("Only the logistics office can import or export the register."))


def _upload(token: str) -> tuple[Sheet, str]:
    """The sheet read when it was uploaded (kept beside it as JSON) and the file's name."""
    if not TOKEN.match(token):
        abort(404)
    kept = storage()
    rows, meta = kept.get("imports", f"{token}.rows.json"), kept.get("imports", f"{token}.json")
    if rows is None or meta is None:
        flash(_("That upload is no longer here (uploads are kept for a day): upload the file again."), "error")
        abort(redirect(url_for("spreadsheets.upload")))
    return sheet_from_json(rows.decode("utf-8")), json.loads(meta)["name"]


@bp.route("/import", methods=["GET", "POST"])
def upload():
    form = UploadForm()
    status = 200
    if form.validate_on_submit():
        uploaded = form.file.data
        data = uploaded.read() if uploaded else b""
        name = Path(getattr(uploaded, "filename", "") or "register").name[:200]
        try:
            sheet = read_sheet(data, name)  # read once: the review's visits read what is kept of it
            find_header(sheet)  # refuse a bad file now, with the reason, before anything else
        except TagsvcError as error:
            status = show_refusal(error)
        else:
            token = secrets.token_hex(16)
            kept = storage()
            # Yesterday's uploads nobody imported: cleared when a new one arrives, not on every page.
            kept.delete_older_than("imports", older_than(KEPT_FOR))
            kept.put("imports", f"{token}.rows.json", sheet_to_json(sheet).encode())
            kept.put("imports", f"{token}.json", json.dumps({"name": name, "by": current_user.id}).encode())
            db.session.commit()
            return redirect(url_for("spreadsheets.review", token=token))
    elif form.errors:
        status = 400
    runs = db.session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(10)).all()
    return render_template("spreadsheets/upload.html", form=form, runs=runs), status


def _options(source) -> Options:
    form = ImportChoicesForm(source, meta={"csrf": False})
    columns = None
    if any(key.startswith("col-") for key in source):
        columns = {int(key[4:]): value for key, value in source.items() if key.startswith("col-") and key[4:].isdigit()}
    matches, parents = {}, {}
    for key, value in source.items():
        if key.startswith("match-") and (value.isdigit() or value == "new"):
            kind, _sep, name = key[6:].partition("-")
            if kind in ("department", "location", "category"):
                matches[(kind, name)] = int(value) if value.isdigit() else None  # None: create it, as the person chose
        elif key.startswith("under-location-") and (value.isdigit() or value == ""):
            parents[key[len("under-location-"):]] = int(value) if value else None
    expand = {AssetKind.FIXED_ASSET: bool(form.expand_fixed.data), AssetKind.LOW_VALUE: bool(form.expand_fixed.data),
              AssetKind.CONSUMABLE: bool(form.expand_consumable.data)}
    if "existing" not in source:  # the first look: the defaults
        expand = Options().expand
    return Options(existing="update" if form.existing.data == "update" else "skip", valid_rows_only=bool(form.valid_rows_only.data),
                   expand=expand, columns=columns, matches=matches, parents=parents)


@bp.route("/import/<token>", methods=["GET", "POST"])
def review(token: str):
    sheet, name = _upload(token)
    source = request.form if request.method == "POST" else request.args
    options = _options(source)
    try:
        plan = plan_import(sheet, options)
    except ValidationError as error:
        flash(error.message, "error")
        if options.columns is None:
            return redirect(url_for("spreadsheets.upload"))
        plan = None
    status = 200
    if request.method == "POST":
        if not ImportChoicesForm().validate_on_submit():
            abort(400)
        if plan is not None and options.columns is not None:
            remember_mapping(plan.headers, plan.columns)  # the person's choice: this file's next upload, and the school's next file
            db.session.commit()
        if plan is not None and request.form.get("action") == "commit":
            try:
                run = start_import(current_user, plan, sheet, name, options)
            except TagsvcError as error:
                status = show_refusal(error)
            else:
                files.forget_upload(token)
                db.session.commit()
                return redirect(url_for("spreadsheets.done", run_id=run.id))
    form = ImportChoicesForm(source) if "existing" in source else ImportChoicesForm(formdata=None)
    header_row, headers = (plan.header_row, plan.headers) if plan else _header_of(sheet)
    sample = [cell_text(cell) for cell in sheet.rows[header_row + 1]] if len(sheet.rows) > header_row + 1 else []
    mapped = plan.columns if plan else (options.columns or {})
    return render_template("spreadsheets/review.html", token=token, name=name, plan=plan, form=form, headers=headers, sample=sample,
                           mapped=mapped, columns=COLUMNS, existing=_existing_choices(),
                           query=urlencode([(k, v) for k, v in source.items(multi=True) if k not in ("csrf_token", "action")])), status


def _header_of(sheet) -> tuple[int, list[str]]:
    row, _found = find_header(sheet)
    return row, [str(cell).strip() for cell in sheet.rows[row]]


def _existing_choices() -> dict:
    return {"department": [(d.id, d.name) for d in db.session.scalars(select(Department).order_by(Department.name))],
            "location": [(loc.id, loc.full_name) for loc in db.session.scalars(select(Location).order_by(Location.full_name))],
            "category": [(c.id, c.full_name) for c in db.session.scalars(select(Category).order_by(Category.full_name))]}


@bp.get("/import/<token>/errors.xlsx")
def error_file(token: str):
    """The rows that failed, as the file had them, with a column that says why: to fix and upload again."""
    sheet, name = _upload(token)
    plan = plan_import(sheet, _options(request.args))
    out = io.BytesIO()
    files.write_error_file(sheet, plan, out)
    out.seek(0)
    stem = Path(name).stem
    suffix = _("problems")
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=f"{stem}-{suffix}.xlsx")


@bp.get("/imports/<int:run_id>")
def done(run_id: int):
    run = db.session.get(ImportRun, run_id)
    if run is None:
        abort(404)
    return render_template("spreadsheets/done.html", run=run)


@bp.get("/import/template.xlsx")
def template():
    """An empty register with the headers the import reads, an instructions sheet, and drop-down lists for the
    departments, statuses and categories the school has."""
    out = io.BytesIO()
    files.write_template(out)
    out.seek(0)
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=_("register-template") + ".xlsx")


@bp.get("/export.xlsx")
def export():
    """The register as the list's filters show it (all of it by default), with the headers the import reads."""
    require_admin(current_user)
    _form, query = asset_filter_from_args(request.args, per_page=50)
    scratch = tempfile.TemporaryFile()
    export_register(current_user, query, scratch)
    scratch.seek(0)
    return send_file(scratch, mimetype=XLSX, as_attachment=True, download_name=_("register") + ".xlsx")
