"""Large imports run on the job queue, as large print jobs do: the office's page shows the run's progress and
refreshes itself; a small file is imported while the person waits."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext as _

from sqlalchemy import or_, update

from tagsvc.accounts.models import User
from tagsvc.errors import TagsvcError
from tagsvc.extensions import db, utcnow
from tagsvc.schools.wall import choose_school
from tagsvc.spreadsheets.importing import Options, Plan, check_committable, commit_import, plan_import
from tagsvc.storage import storage
from tagsvc.spreadsheets.models import ImportRun
from tagsvc.spreadsheets.reading import Sheet, sheet_from_json, sheet_to_json
from tagsvc.structure.models import AssetKind

log = logging.getLogger(__name__)


def start_import(actor, plan: Plan, sheet: Sheet, file_name: str, options: Options) -> ImportRun:
    """Import now (up to IMPORT_INLINE_MAX rows), or put it on the job queue: the run's row (with the review's
    choices) and the rows read from the file are kept until a worker has imported them. Either way the run's page
    shows the result. Refuses at once what could not be imported (problems without "valid rows only")."""
    check_committable(plan)
    if plan.rows <= current_app.config.get("IMPORT_INLINE_MAX", 5000):
        run = commit_import(actor, plan, file_name)
        _draw_labels_soon()
        return run
    run = queue_run(actor, sheet, file_name, options, plan.rows)
    from tagsvc.jobs import enqueue, import_task

    enqueue(import_task, run.id)
    return run


def _draw_labels_soon() -> None:
    """The imported assets' labels: their QR matrices drawn now by the worker, so that printing them is quick."""
    from tagsvc.jobs import draw_labels_task, enqueue

    enqueue(draw_labels_task)


def queue_run(actor, sheet: Sheet, file_name: str, options: Options, rows: int) -> ImportRun:
    """The run's row and its rows on disk, committed: what a worker needs, whichever worker and whenever."""
    run = ImportRun(file_name=file_name[:255], created_by_id=actor.id, created_by_name=actor.display_name, rows=rows, status="queued",
                    options={**options_to_json(options), "language": _language()})
    db.session.add(run)
    db.session.flush()
    storage().put("imports", _rows_file(run.id), sheet_to_json(sheet).encode())
    db.session.commit()
    return run


def _rows_file(run_id: int) -> str:
    return f"run-{run_id}.rows.json"


def options_to_json(options: Options) -> dict:
    return {"existing": options.existing, "valid_rows_only": options.valid_rows_only,
            "expand": {kind.value: bool(value) for kind, value in options.expand.items()},
            "columns": None if options.columns is None else {str(i): key for i, key in options.columns.items()},
            "matches": [[kind, name, record_id] for (kind, name), record_id in options.matches.items()],
            "parents": options.parents}


def options_from_json(data: dict) -> Options:
    return Options(existing=data.get("existing", "skip"), valid_rows_only=bool(data.get("valid_rows_only")),
                   expand={AssetKind(kind): value for kind, value in (data.get("expand") or {}).items()} or Options().expand,
                   columns=None if data.get("columns") is None else {int(i): key for i, key in data["columns"].items()},
                   matches={(kind, name): record_id for kind, name, record_id in data.get("matches") or []},
                   parents=dict(data.get("parents") or {}))


def _language() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "zh")


def claim_run(run_id: int) -> bool:
    """Take the run for this worker: queued, or running with its lease run out (its worker died). Commits."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config.get("JOB_LEASE_SECONDS", 120))
    claimed = db.session.execute(
        update(ImportRun).where(ImportRun.id == run_id, or_(ImportRun.status == "queued",
                                                            (ImportRun.status == "running") & (ImportRun.updated_at < now - lease)))
        .values(status="running", updated_at=now).execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return claimed


def run_import_job(run_id: int) -> ImportRun:
    """Check the file's rows again and write them (the register may have changed since the dry run: the checks are
    the same), in one transaction: a run taken up again after its worker died writes once. Never raises: the run
    ends failed with a message the office can act on. A run another worker holds, or one finished, is left alone."""
    if not claim_run(run_id):
        return db.session.get(ImportRun, run_id)
    run = db.session.get(ImportRun, run_id)
    choose_school(run.school_id)  # on a worker: the rows go into the run's school's register
    with force_locale(run.options.get("language") or "zh"):
        try:
            rows = storage().get("imports", _rows_file(run_id))
            if rows is None:
                raise TagsvcError(_("The file's rows are no longer on the server: upload the file again."))
            plan = plan_import(sheet_from_json(rows.decode("utf-8")), options_from_json(run.options))
            commit_import(db.session.get(User, run.created_by_id), plan, run.file_name, run=run)
        except TagsvcError as error:
            db.session.rollback()
            run = db.session.get(ImportRun, run_id)
            run.status, run.error = "failed", error.message
        except Exception:
            log.exception("import %s failed", run_id)
            db.session.rollback()
            run = db.session.get(ImportRun, run_id)
            run.status, run.error = "failed", _("The import stopped because of an error on the server; nothing was written. Try again; if it "
                                                "fails again, tell the administrator.")
        run.finished_at = run.finished_at or utcnow()
        db.session.commit()
        # Only once the run's end is kept: an object store's delete is not undone with a failed commit, and a run
        # taken up again must still find its rows.
        storage().delete("imports", _rows_file(run_id))
        db.session.commit()
    if run.status == "done":
        from tagsvc.tags.services import draw_missing_matrices

        draw_missing_matrices(limit=100_000)  # this worker draws the new labels' matrices now
    return run
