"""Large imports run in the background, as large print jobs do: the office's page shows the run's progress and
refreshes itself; a small file is imported while the person waits."""
from __future__ import annotations

import logging
import threading

from flask import current_app
from flask_babel import force_locale, gettext as _

from tagsvc.accounts.models import User
from tagsvc.errors import TagsvcError
from tagsvc.extensions import db, utcnow
from tagsvc.spreadsheets.importing import Options, Plan, check_committable, commit_import, plan_import
from tagsvc.spreadsheets.models import ImportRun
from tagsvc.spreadsheets.reading import Sheet

log = logging.getLogger(__name__)


def start_import(actor, plan: Plan, sheet: Sheet, file_name: str, options: Options) -> ImportRun:
    """Import now (up to IMPORT_INLINE_MAX rows), or queue it and work in a background thread. Either way the run's
    page shows the result. Refuses at once what could not be imported (problems without "valid rows only")."""
    check_committable(plan)
    if plan.rows <= current_app.config.get("IMPORT_INLINE_MAX", 5000):
        return commit_import(actor, plan, file_name)
    run = ImportRun(file_name=file_name[:255], created_by_id=actor.id, created_by_name=actor.display_name, rows=plan.rows, status="queued")
    db.session.add(run)
    db.session.commit()
    app, run_id, actor_id, language = current_app._get_current_object(), run.id, actor.id, _language()

    def work() -> None:
        with app.app_context(), app.test_request_context(), force_locale(language):
            run_import_job(run_id, actor_id, sheet, file_name, options)

    threading.Thread(target=work, name=f"import-{run.id}", daemon=True).start()
    return run


def _language() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "zh")


def run_import_job(run_id: int, actor_id: int, sheet: Sheet, file_name: str, options: Options) -> ImportRun:
    """Check the file's rows again and write them in this thread (the register may have changed since the dry run: the
    checks are the same). Never raises: the run ends failed with a message the office can act on."""
    run = db.session.get(ImportRun, run_id)
    run.status = "running"
    db.session.commit()
    try:
        plan = plan_import(sheet, options)
        commit_import(db.session.get(User, actor_id), plan, file_name, run=run)
    except TagsvcError as error:
        db.session.rollback()
        run = db.session.get(ImportRun, run_id)
        run.status, run.error = "failed", error.message
    except Exception:
        log.exception("import %s failed", run_id)
        db.session.rollback()
        run = db.session.get(ImportRun, run_id)
        run.status, run.error = "failed", _("The import stopped because of an error on the server; nothing was written. Try again; if it fails "
                                            "again, tell the administrator.")
    run.finished_at = run.finished_at or utcnow()
    db.session.commit()
    return run
