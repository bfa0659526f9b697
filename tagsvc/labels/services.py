"""Printing labels: which tags, on which sheet, from which position; print jobs; printer offsets.

A print job is made in two steps: create_print_job() records what to print (quick, in the request), and
run_print_job() draws the PDF. Small jobs run at once; large ones in a background thread that reports its
progress on the job, so a sheet for thousands of assets never times out a request.
"""
from __future__ import annotations

import logging
import secrets
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import joinedload

from tagsvc.accounts.permissions import require_admin, require_signed_in
from tagsvc.assets.models import Asset
from tagsvc.errors import NotFoundError, PermissionDeniedError, TagsvcError, ValidationError
from tagsvc.schools.wall import choose_school
from tagsvc.schools.web import school_name
from tagsvc.extensions import db, utcnow
from tagsvc.i18n.messages import in_languages
from tagsvc.i18n.views import LANGUAGES
from tagsvc.labels.models import PrinterOffset, PrintJob, PrintJobKind, PrintJobStatus
from tagsvc.labels.pdf import LabelContent, LabelLayoutError, render_alignment_pdf, render_pdf
from tagsvc.labels.png import pdf_pages_as_pngs
from tagsvc.labels.sheets import SheetDefinition, SheetDefinitionError, SheetKind, load_sheet
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.storage import older_than, storage
from tagsvc.structure.models import Location
from tagsvc.tags.models import LabelBatch, Tag
from tagsvc.tags.services import _issue_location_tag, _unused_code, format_code, tag_qr

log = logging.getLogger(__name__)

QR_LEVELS = ("M", "H")  # M by default; H survives scratches and dirt (dorms, sports halls)
MAX_LABELS_PER_JOB = 20_000
MAX_BLANK_LABELS = 2_000
MAX_OFFSET_MM = 15.0
PROGRESS_EVERY = 250  # labels between progress reports of a running job
STALE_AFTER = timedelta(minutes=10)  # a running job silent this long died with its server process
FILES_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class PrintSettings:
    sheet_slug: str
    start_position: int = 0  # 0-based: the first free label on the first page
    qr_level: str = "M"


# -- sheets and offsets ----------------------------------------------------------------------------------

def sheet_catalogue() -> tuple[dict[str, SheetDefinition], list[SheetDefinitionError]]:
    """The sheets that can be printed on, and the files that could not be read (shown to the office, so one
    mistyped file does not hide every other sheet)."""
    sheets, problems = {}, []
    for path in sorted(Path(current_app.config["LABELS_DIR"]).glob("*.toml")):
        try:
            sheet = load_sheet(path)
        except SheetDefinitionError as error:
            problems.append(error)
        else:
            sheets[sheet.slug] = sheet
    return sheets, problems


def get_sheet(slug: str) -> SheetDefinition:
    sheet = sheet_catalogue()[0].get(slug)
    if sheet is None:
        raise ValidationError(_("There is no label sheet called “%(slug)s”.", slug=slug))
    return sheet


def printer_offset(slug: str) -> tuple[float, float]:
    row = db.session.get(PrinterOffset, slug)
    return (row.x_mm, row.y_mm) if row else (0.0, 0.0)


def all_printer_offsets() -> dict[str, tuple[float, float]]:
    return {row.sheet_slug: (row.x_mm, row.y_mm) for row in db.session.scalars(select(PrinterOffset))}


def set_printer_offset(actor, slug: str, x_mm: float, y_mm: float) -> None:
    require_admin(actor)
    get_sheet(slug)
    if abs(x_mm) > MAX_OFFSET_MM or abs(y_mm) > MAX_OFFSET_MM:
        raise ValidationError(_("An offset of more than %(max)d mm means the wrong paper or sheet: check those first.", max=MAX_OFFSET_MM))
    row = db.session.get(PrinterOffset, slug) or PrinterOffset(sheet_slug=slug)
    row.x_mm, row.y_mm = round(x_mm, 1), round(y_mm, 1)
    row.updated_at, row.updated_by_name = utcnow(), actor.display_name
    db.session.add(row)
    db.session.commit()


def alignment_page(actor, slug: str) -> bytes:
    """A test page for a sheet: every label's outline and centre, printed with the current offset."""
    require_printer(actor)
    return render_alignment_pdf(get_sheet(slug), current_app.config["LABEL_FONT"], printer_offset(slug))


# -- what to print ---------------------------------------------------------------------------------------

def require_printer(actor) -> None:
    require_signed_in(actor)
    if not actor.can_create_assets:
        raise PermissionDeniedError(_("Only the logistics office and department keepers print labels."))


def asset_tag_ids(actor, asset_ids: list[int]) -> list[int]:
    """The current tags of these assets, in the order given. Every asset must be one the actor may label."""
    require_printer(actor)
    if not asset_ids:
        raise ValidationError(_("Choose at least one asset to print labels for."))
    rows = db.session.execute(
        select(Asset.id, Asset.department_id, Tag.id).join(Tag, (Tag.asset_id == Asset.id) & Tag.retired_at.is_(None))
        .where(Asset.id.in_(set(asset_ids)))
    ).all()
    found = {asset_id: (department_id, tag_id) for asset_id, department_id, tag_id in rows}
    missing = len(set(asset_ids) - found.keys())
    if missing:
        raise ValidationError(_("%(n)d of the chosen assets no longer exist or have no label; search again.", n=missing))
    refused = sum(1 for department_id, _tag in found.values() if not actor.can_edit_asset_in(department_id))
    if refused:
        raise PermissionDeniedError(_("%(n)d of the chosen assets belong to departments you do not keep.", n=refused))
    seen, ordered = set(), []
    for asset_id in asset_ids:
        if asset_id not in seen:
            seen.add(asset_id)
            ordered.append(found[asset_id][1])
    return ordered


def room_tag_ids(actor, location_ids: list[int]) -> list[int]:
    """Each location's room label, issued on first use. Commits new tags."""
    require_admin(actor)
    if not location_ids:
        raise ValidationError(_("Choose at least one location to print room labels for."))
    tag_ids = []
    for location_id in dict.fromkeys(location_ids):
        if db.session.get(Location, location_id) is None:
            raise ValidationError(_("That location no longer exists."))
        tag = db.session.scalar(select(Tag).where(Tag.location_id == location_id, Tag.retired_at.is_(None)))
        tag_ids.append((tag or _issue_location_tag(location_id)).id)
    db.session.commit()
    return tag_ids


def create_blank_batch(actor, count: int) -> LabelBatch:
    """N labels that belong to nothing yet, for new purchases: each is claimed when first scanned."""
    require_printer(actor)
    if not 1 <= count <= MAX_BLANK_LABELS:
        raise ValidationError(_("A batch holds from 1 to %(max)d blank labels.", max=MAX_BLANK_LABELS))
    batch = LabelBatch(size=count, created_by_id=actor.id, created_by_name=actor.display_name)
    db.session.add(batch)
    db.session.flush()
    for _n in range(count):
        db.session.add(Tag(code=_unused_code(), batch_id=batch.id))
    db.session.commit()
    return batch


def batch_tag_ids(batch: LabelBatch) -> list[int]:
    return list(db.session.scalars(select(Tag.id).where(Tag.batch_id == batch.id).order_by(Tag.id)))


# -- print jobs ------------------------------------------------------------------------------------------

def check_settings(settings: PrintSettings) -> SheetDefinition:
    sheet = get_sheet(settings.sheet_slug)
    if settings.qr_level not in QR_LEVELS:
        raise ValidationError(_("Choose error correction M or H."))
    if not 0 <= settings.start_position < sheet.labels_per_page:
        raise ValidationError(_("The first free position must be between 1 and %(last)d.", last=sheet.labels_per_page))
    return sheet


def create_print_job(actor, kind: PrintJobKind, tag_ids: list[int], settings: PrintSettings) -> PrintJob:
    require_printer(actor)
    check_settings(settings)
    if not tag_ids:
        raise ValidationError(_("There is nothing to print: the selection is empty."))
    if len(tag_ids) > MAX_LABELS_PER_JOB:
        raise ValidationError(_("At most %(max)d labels at a time; narrow the selection.", max=MAX_LABELS_PER_JOB))
    job = PrintJob(
        kind=kind, sheet_slug=settings.sheet_slug, start_position=settings.start_position, qr_level=settings.qr_level,
        tag_ids=list(tag_ids), label_count=len(tag_ids), created_by_id=actor.id, created_by_name=actor.display_name,
    )
    db.session.add(job)
    db.session.commit()
    return job


def start_print_job(job: PrintJob) -> None:
    """Run a job now when it is small, else on the job queue; either way the job page shows the result."""
    if job.label_count <= current_app.config["LABEL_INLINE_MAX"]:
        run_print_job(job.id)
        return
    from tagsvc.jobs import enqueue, print_job_task

    enqueue(print_job_task, job.id)


def claim_print_job(job_id: int) -> bool:
    """Take the job for this worker: queued, or running with its lease run out (its worker died). Of two workers
    handed the same job, one gets it. Commits."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config.get("JOB_LEASE_SECONDS", 120))
    claimed = db.session.execute(
        update(PrintJob).where(PrintJob.id == job_id, or_(PrintJob.status == PrintJobStatus.QUEUED,
                                                          (PrintJob.status == PrintJobStatus.RUNNING) & (PrintJob.updated_at < now - lease)))
        .values(status=PrintJobStatus.RUNNING, updated_at=now, done_count=0).execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return claimed


def run_print_job(job_id: int) -> PrintJob:
    """Draw a job's PDF, then mark its labels printed and write the ledger, in one transaction (a job drawn again
    after its worker died writes once). Never raises for a bad job: the job ends failed with a message the person
    can act on. A job another worker holds, or one finished, is left alone."""
    if not claim_print_job(job_id):
        return db.session.get(PrintJob, job_id)
    job = db.session.get(PrintJob, job_id)
    choose_school(job.school_id)  # on a worker: its labels, names and ledger are the job's school's
    try:
        sheet = get_sheet(job.sheet_slug)
        pdf = render_pdf(sheet, _label_contents(job.tag_ids, job.qr_level, _report_progress(job)), current_app.config["LABEL_FONT"], job.start_position, printer_offset(sheet.slug))
        files = storage()
        files.delete_older_than("prints", older_than(FILES_KEPT), prefix="labels-")
        file_name = f"labels-{job.id}-{secrets.token_hex(8)}.pdf"
        files.put("prints", file_name, pdf)
        if sheet.kind != SheetKind.SHEET:  # thermal printers that take pictures, not PDF: a PNG a label too
            files.put("prints", file_name.replace(".pdf", ".zip"), _png_zip(pdf, job.id))
        _record_printed(job, sheet)
        job.file_name = file_name
        job.status = PrintJobStatus.DONE
    except (LabelLayoutError, TagsvcError) as error:
        db.session.rollback()
        job.status, job.error = PrintJobStatus.FAILED, str(getattr(error, "message", error))
    except Exception:
        log.exception("print job %s failed", job_id)
        db.session.rollback()
        job.status, job.error = PrintJobStatus.FAILED, _("The labels could not be drawn because of an error on the server. Try again; if it fails again, tell the administrator.")
    job.finished_at = job.updated_at = utcnow()
    db.session.commit()
    return job


def _label_contents(tag_ids: list[int], level: str, progress=None):
    """The labels for these tags in order, loaded a chunk at a time; progress(n) after every chunk."""
    school = school_name()  # the print job's school (the worker chose it from the job's row)
    for start in range(0, len(tag_ids), PROGRESS_EVERY):
        chunk = tag_ids[start:start + PROGRESS_EVERY]
        tags = {t.id: t for t in db.session.scalars(select(Tag).where(Tag.id.in_(chunk)))}
        assets = {a.id: a for a in db.session.scalars(
            select(Asset).where(Asset.id.in_([t.asset_id for t in tags.values() if t.asset_id])).options(joinedload(Asset.location))
        ).unique()}
        locations = {loc.id: loc for loc in db.session.scalars(select(Location).where(Location.id.in_([t.location_id for t in tags.values() if t.location_id])))}
        for tag_id in chunk:
            tag = tags.get(tag_id)
            if tag is None:
                raise ValidationError(_("A label in this job no longer exists; make the selection again."))
            yield _label_for(tag, assets.get(tag.asset_id), locations.get(tag.location_id), school, level)
        if progress is not None:
            progress(start + len(chunk))


def _report_progress(job: PrintJob):
    def progress(done: int) -> None:
        job.done_count, job.updated_at = done, utcnow()
        db.session.commit()  # the job page reads it; any QR matrices computed on the way are kept too
    return progress


def _label_for(tag: Tag, asset: Asset | None, location: Location | None, school: str, level: str) -> LabelContent:
    qr = tag_qr(tag, level)
    if asset is not None:
        place = asset.location.full_name if asset.location else (asset.department.name if asset.department else "")
        return LabelContent(code=tag.code, qr=qr, name=asset.name, asset_number=asset.asset_number, place=place, school=school)
    if location is not None:  # the room's own name large, the building and floor it is in below
        within = location.full_name[: -len(location.name)].rstrip(" ›") if location.full_name.endswith(location.name) else ""
        return LabelContent(code=tag.code, qr=qr, name=location.name, place=within, school=school)
    return LabelContent(code=tag.code, qr=qr, school=school)


def _record_printed(job: PrintJob, sheet: SheetDefinition) -> None:
    now = utcnow()
    db.session.execute(update(Tag).where(Tag.id.in_(job.tag_ids)).values(printed_at=now))
    if job.kind != PrintJobKind.ASSETS:
        return
    rows = db.session.execute(select(Tag.asset_id, Tag.code).where(Tag.id.in_(job.tag_ids))).all()
    sheet_name = in_languages({language: sheet.name_for(language) for language in LANGUAGES})  # said in the reader's language
    db.session.execute(insert(LedgerEvent), [
        dict(asset_id=asset_id, at=now, actor_id=job.created_by_id, actor_name=job.created_by_name,
             action=LedgerAction.LABEL_PRINTED, changes={}, note=format_code(code), note_message=sheet_name)
        for asset_id, code in rows
    ])


def _png_zip(pdf: bytes, job_id: int) -> bytes:
    packed = BytesIO()
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_STORED) as archive:  # PNGs are compressed already
        for number, png in enumerate(pdf_pages_as_pngs(pdf), start=1):
            archive.writestr(f"label-{job_id}-{number:05d}.png", png)
    return packed.getvalue()


def get_print_job(actor, job_id: int) -> PrintJob:
    require_printer(actor)
    job = db.session.get(PrintJob, job_id)
    if job is None or (job.created_by_id != actor.id and not actor.is_admin):
        raise NotFoundError(_("There is no such print job."))
    if job.status in (PrintJobStatus.QUEUED, PrintJobStatus.RUNNING) and utcnow() - job.updated_at > STALE_AFTER:
        job.status, job.error = PrintJobStatus.FAILED, _("The server stopped while drawing these labels. Print them again.")
        db.session.commit()
    return job


def print_job_file(actor, job_id: int, images: bool = False) -> bytes:
    """The job's PDF, or with images=True the ZIP of a PNG per label (thermal labels and rolls only)."""
    job = get_print_job(actor, job_id)
    name = job.file_name.replace(".pdf", ".zip") if images else job.file_name
    data = storage().get("prints", name) if name and job.status == PrintJobStatus.DONE else None
    if data is None:
        raise NotFoundError(_("This file is not available (any more). Print the labels again."))
    return data


def recent_print_jobs(actor, limit: int = 10) -> list[PrintJob]:
    require_printer(actor)
    query = select(PrintJob).order_by(PrintJob.id.desc()).limit(limit)
    if not actor.is_admin:
        query = query.where(PrintJob.created_by_id == actor.id)
    return list(db.session.scalars(query))


def first_page_preview(actor, tag_ids: list[int], settings: PrintSettings, dpi: int = 60) -> bytes:
    """A picture of the first page as it will print: only that page's labels are drawn. Stores nothing."""
    require_printer(actor)
    sheet = check_settings(settings)
    if not tag_ids:
        raise ValidationError(_("There is nothing to print: the selection is empty."))
    labels = list(_label_contents(tag_ids[: sheet.labels_per_page - settings.start_position], settings.qr_level))
    pdf = render_pdf(sheet, labels, current_app.config["LABEL_FONT"], settings.start_position, printer_offset(sheet.slug))
    return pdf_first_page_png(pdf, dpi)


def pdf_first_page_png(pdf: bytes, dpi: int = 60) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        picture = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    out = BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def asset_names(asset_ids: list[int]) -> list[str]:
    """Names to show a person what they chose, in the order chosen."""
    names = dict(db.session.execute(select(Asset.id, Asset.name).where(Asset.id.in_(asset_ids))).all())
    return [names[i] for i in asset_ids if i in names]
