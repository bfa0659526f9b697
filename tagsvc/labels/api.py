"""Printing labels over the API: the sheets there are, a print job for chosen assets, its progress, its PDF."""
from __future__ import annotations

from io import BytesIO

import marshmallow as ma
from flask import send_file, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import validate

from tagsvc.api import BEARER
from tagsvc.api.idempotency import idempotent
from tagsvc.api.schemas import ID_RULE, Id
from tagsvc.labels import services
from tagsvc.labels.models import PrintJobKind, PrintJobStatus

blp = Blueprint("labels_api", __name__, url_prefix="/api/v1", description="Label sheets and print jobs.")


class SheetSchema(ma.Schema):
    slug = ma.fields.String(required=True, metadata={"description": "How a print job names the sheet."})
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "sheet (A4 and others), thermal or roll."})
    labels_per_page = ma.fields.Integer(required=True)
    label_size_mm = ma.fields.List(ma.fields.Float(), required=True)


class SheetListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SheetSchema), required=True)


class PrintJobSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.Enum(PrintJobStatus, by_value=True, required=True)
    kind = ma.fields.Enum(PrintJobKind, by_value=True, required=True)
    sheet = ma.fields.String(attribute="sheet_slug", required=True)
    label_count = ma.fields.Integer(required=True)
    done_count = ma.fields.Integer(required=True, metadata={"description": "Labels drawn so far."})
    error = ma.fields.String(metadata={"description": "Why it failed, when it did."})
    pdf_url = ma.fields.Method("_pdf_url", allow_none=True, metadata={"description": "Once done: the PDF to download."})
    created_at = ma.fields.AwareDateTime(required=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True)

    def _pdf_url(self, job):
        return url_for("labels_api.print_job_pdf", job_id=job.id, _external=True) if job.status == PrintJobStatus.DONE else None


class NewPrintJobSchema(ma.Schema):
    asset_ids = ma.fields.List(Id(), required=True, validate=validate.Length(min=1, max=services.MAX_LABELS_PER_JOB),
                               metadata={"description": "The assets whose current labels to print, in print order."})
    sheet = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    first_position = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000),
                                       metadata={"description": "The first free label on a partly used first page, from 1."})
    qr_level = ma.fields.String(load_default="M", validate=validate.OneOf(services.QR_LEVELS))

    class Meta:
        unknown = ma.RAISE


@blp.route("/sheets")
@blp.doc(security=BEARER, summary="Label sheets", description="The sheets and rolls this school prints on.")
@blp.response(200, SheetListSchema)
def list_sheets():
    services.require_printer(current_user)
    language = str(get_locale())
    sheets = services.sheet_catalogue()[0].values()
    return {"items": [{"slug": s.slug, "name": s.name_for(language), "kind": s.kind.value, "labels_per_page": s.labels_per_page,
                       "label_size_mm": list(s.label_size_mm)} for s in sheets]}


@blp.route("/print-jobs", methods=["POST"])
@idempotent
@blp.doc(security=BEARER, summary="Print labels", description="A few hundred labels are drawn at once (status done); more in the "
         "background: read the job until its status is done or failed.")
@blp.arguments(NewPrintJobSchema)
@blp.response(202, PrintJobSchema)
def create_print_job(body):
    tag_ids = services.asset_tag_ids(current_user, body["asset_ids"])
    settings = services.PrintSettings(sheet_slug=body["sheet"], start_position=body["first_position"] - 1, qr_level=body["qr_level"])
    job = services.create_print_job(current_user, PrintJobKind.ASSETS, tag_ids, settings)
    services.start_print_job(job)
    job = services.get_print_job(current_user, job.id)
    return job, 202, {"Location": url_for("labels_api.read_print_job", job_id=job.id, _external=True)}


@blp.route(f"/print-jobs/<{ID_RULE}:job_id>")
@blp.doc(security=BEARER, summary="A print job's progress")
@blp.response(200, PrintJobSchema)
def read_print_job(job_id: int):
    return services.get_print_job(current_user, job_id)


@blp.route(f"/print-jobs/<{ID_RULE}:job_id>/pdf")
@blp.doc(security=BEARER, summary="Download a print job's PDF", description="404 until the job is done, and after a week.")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
def print_job_pdf(job_id: int):
    pdf = services.print_job_file(current_user, job_id)
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=f"labels-{job_id}.pdf", max_age=0)
