"""Work that runs outside a request, on a job queue (Huey; see docs/decisions/0001-job-queue.md).

The queue only carries "look at job 42": the job itself is a row of tagsvc's database whose state is the truth. A
worker claims it by a conditional update with a lease; a worker killed in the middle leaves its lease to run out, and
`reclaim` (at every worker's start, then every minute) puts such jobs back on the queue; each job's writes are one
transaction, so a job run twice writes once.

Storage: a SQLite file beside the database when `TAGSVC_QUEUE_URL` is empty (`tagsvc serve` runs a worker in its own
process), Redis for `redis://…` (`tagsvc worker` beside gunicorn)."""
from __future__ import annotations

import logging
import smtplib
import threading
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, crontab
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

log = logging.getLogger(__name__)

# Tasks are registered on this one instance; its storage is the app's (see use_storage_of).
huey = Huey("tagsvc", storage_class=MemoryStorage, utc=True)
_storages: dict[str, object] = {}
_storage_lock = threading.Lock()
_worker_app: Flask | None = None


class QueueSettingError(RuntimeError):
    pass


def queue_location(app: Flask) -> str:
    """What TAGSVC_QUEUE_URL names, or the embedded queue's file."""
    url = (app.config.get("QUEUE_URL") or "").strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return url
    if url:
        raise QueueSettingError(f"TAGSVC_QUEUE_URL {url!r}: tagsvc's queue takes a redis:// address, or nothing for the embedded "
                                "queue (a file beside the database). PostgreSQL is not a queue here: see docs/decisions/0001-job-queue.md.")
    configured = app.config.get("QUEUE_FILE")
    if configured:
        return f"sqlite:{configured}"
    database = app.config.get("SQLALCHEMY_DATABASE_URL", "")
    if database.startswith("sqlite:///") and database != "sqlite:///:memory:":
        return f"sqlite:{database[len('sqlite:///'):]}.queue"
    return f"sqlite:{Path(app.instance_path) / 'queue.sqlite3'}"


def use_storage_of(app: Flask) -> None:
    """Point the queue at this app's storage (made once per location)."""
    location = queue_location(app)
    with _storage_lock:
        storage = _storages.get(location)
        if storage is None:
            if location.startswith("sqlite:"):
                Path(location[len("sqlite:"):]).parent.mkdir(parents=True, exist_ok=True)
                storage = SqliteStorage(name="tagsvc", filename=location[len("sqlite:"):])
            else:
                storage = RedisStorage(name="tagsvc", url=location)
            _storages[location] = storage
        huey.storage = storage


def enqueue(task, *args) -> None:
    """Put a task on the queue of the current app (after the job's row is committed: the row is the truth)."""
    use_storage_of(current_app._get_current_object())
    task(*args)


class _InProcessConsumer(Consumer):
    """A consumer in threads of a process that has its own signal handling (the app server, a test)."""

    def _set_signal_handlers(self) -> None:
        pass


def start_worker(app: Flask, workers: int = 2, in_process: bool = True) -> Consumer:
    """Run the queue's worker for this app: in threads of this process (`tagsvc serve`, tests), or as the process's
    own work (`tagsvc worker`, which then calls .run())."""
    global _worker_app
    _worker_app = app
    use_storage_of(app)
    consumer_class = _InProcessConsumer if in_process else Consumer
    consumer = consumer_class(huey, workers=workers, worker_type="thread", periodic=True, scheduler_interval=1,
                              initial_delay=0.05, max_delay=1.0)
    reclaim_at_start()  # jobs a killed worker left, and jobs whose enqueue was lost: at once, not in a minute
    if in_process:
        consumer.start()
    return consumer


def _in_app(function, *args, **kwargs):
    app = _worker_app
    if app is None:
        raise RuntimeError("the queue's worker runs with an app: start it with start_worker(app)")
    with app.app_context():
        return function(*args, **kwargs)


LEASE = timedelta(minutes=2)  # a job whose worker said nothing for this long is taken to have died


@huey.task(retries=2, retry_delay=10)
def print_job_task(job_id: int) -> None:
    from tagsvc.labels.services import run_print_job

    _in_app(run_print_job, job_id)


@huey.task(retries=2, retry_delay=10)
def import_task(run_id: int) -> None:
    from tagsvc.spreadsheets.jobs import run_import_job

    _in_app(run_import_job, run_id)


@huey.task()
def draw_labels_task() -> None:
    """QR matrices drawn ahead for labels issued in bulk, a few thousand a run; the next run takes the rest."""
    from tagsvc.tags.services import draw_missing_matrices

    if _in_app(draw_missing_matrices) >= 2000:
        draw_labels_task()


@huey.periodic_task(crontab(minute="*"))
def draw_labels_now_and_then() -> None:
    from tagsvc.tags.services import draw_missing_matrices

    _in_app(draw_missing_matrices)


@huey.task()
def deliver_task() -> None:
    from tagsvc.channels.services import deliver

    _in_app(deliver, None, follow_up=_deliver_again)


def _deliver_again(seconds: float) -> None:
    """What still waits (a robot's pace, its outage) is looked at again when it may go."""
    deliver_task.schedule(delay=seconds)


@huey.periodic_task(crontab(minute="*"))
def deliver_what_waits() -> None:
    """News a robot could not take yet (its limit, its outage) goes out as soon as it can."""
    from tagsvc.channels.services import deliver

    _in_app(deliver)


MAIL_TRIES = 12


@huey.task()
def mail_task(recipients: list[str], subject: str, body: str, attempt: int = 1) -> None:
    """An email (a new report to the office, a loan reminder). When the mail server is away: again every
    TAGSVC_MAIL_RETRY_SECONDS (5 minutes), twelve tries in all, on the queue (a restart in between loses nothing)."""
    from tagsvc.mail import deliver_mail

    try:
        _in_app(deliver_mail, recipients, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        if attempt >= MAIL_TRIES:
            log.error("mail %r to %s not sent after %d tries: %s", subject, recipients, attempt, error)
            return
        log.warning("mail %r to %s not sent yet (%s); trying again", subject, recipients, error)
        mail_task.schedule((recipients, subject, body, attempt + 1), delay=_in_app(lambda: current_app.config["MAIL_RETRY_SECONDS"]))


@huey.task()
def send_overdue_reminders_task() -> None:
    from tagsvc.loans.services import send_overdue_reminders

    _in_app(send_overdue_reminders)


def reclaim_now() -> int:
    """Put back on the queue the print jobs and imports a killed worker left (running, lease run out) or whose
    enqueue was lost (queued for more than a minute). Returns how many."""
    from sqlalchemy import or_, select

    from tagsvc.extensions import db, utcnow
    from tagsvc.labels.models import PrintJob, PrintJobStatus
    from tagsvc.spreadsheets.models import ImportRun

    now = utcnow()
    lease = timedelta(seconds=current_app.config.get("JOB_LEASE_SECONDS", LEASE.total_seconds()))
    lost = now - timedelta(minutes=1)
    jobs = list(db.session.scalars(select(PrintJob.id).where(or_(
        (PrintJob.status == PrintJobStatus.RUNNING) & (PrintJob.updated_at < now - lease),
        (PrintJob.status == PrintJobStatus.QUEUED) & (PrintJob.updated_at < lost)))))
    runs = list(db.session.scalars(select(ImportRun.id).where(or_(
        (ImportRun.status == "running") & (ImportRun.updated_at < now - lease), (ImportRun.status == "queued") & (ImportRun.updated_at < lost)))))
    db.session.rollback()
    for job_id in jobs:
        log.warning("print job %s: its worker stopped or its enqueue was lost; queued again", job_id)
        print_job_task(job_id)
    for run_id in runs:
        log.warning("import %s: its worker stopped or its enqueue was lost; queued again", run_id)
        import_task(run_id)
    return len(jobs) + len(runs)


@huey.periodic_task(crontab(minute="*"))
def reclaim() -> None:
    _in_app(reclaim_now)


@huey.task()
def reclaim_at_start() -> None:
    _in_app(reclaim_now)


@huey.periodic_task(crontab(minute="*/15"))
def daily_reminders() -> None:
    """Loan reminders once a school day, after 08:00 school time: every 15 minutes a worker asks whether today's were
    sent; the first to claim the day sends them (two workers never both)."""
    from tagsvc.jobs.daily import run_once_a_day

    from tagsvc.channels.services import daily_notices
    from tagsvc.loans.services import send_overdue_reminders

    from tagsvc.schools.services import each_school

    _in_app(run_once_a_day, "loan_reminders", 8, lambda: each_school(send_overdue_reminders))
    _in_app(run_once_a_day, "group_notices", 8, lambda: each_school(daily_notices))  # loans and repairs overdue, stocktakes due, for the groups
