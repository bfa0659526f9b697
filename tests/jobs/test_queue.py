"""The job queue, for real: the embedded queue (a SQLite file), a worker in this process or in its own process, and
a worker killed in the middle of a print job, whose job another worker finishes, writing everything once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.extensions import db, utcnow
from tagsvc.jobs import QueueSettingError, queue_location
from tagsvc.jobs.daily import claim_day
from tagsvc.labels import services as labels
from tagsvc.labels.models import PrintJob, PrintJobKind, PrintJobStatus
from tagsvc.ledger.models import LedgerAction, LedgerEvent
from tagsvc.tags.models import Tag
from tests.concurrency import RegisterWritesHeld
from tests.factories import make_asset, make_department, make_user
from tests.labels.pdf_reading import page_count


def _wait(until, seconds: float = 60, what: str = "", every: float = 0.1):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        value = until()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"waited {seconds} s for {what}")


def _print_job(count: int) -> tuple:
    admin = make_user(Role.ADMIN)
    department = make_department()
    assets = [make_asset(department_id=department.id) for _ in range(count)]
    settings = labels.PrintSettings(sheet_slug="a4-3x8", start_position=0, qr_level="M")
    job = labels.create_print_job(admin, PrintJobKind.ASSETS, labels.asset_tag_ids(admin, [a.id for a in assets]), settings)
    return admin, assets, job


def _worker_process(database_url: str, tmp_path: Path, queue_file: Path) -> subprocess.Popen:
    env = {**os.environ, "TAGSVC_DATABASE_URL": database_url, "TAGSVC_QUEUE_FILE": str(queue_file), "TAGSVC_PRINT_DIR": str(tmp_path / "print"),
           "TAGSVC_UPLOAD_DIR": str(tmp_path / "uploads"), "TAGSVC_INSTANCE_DIR": str(tmp_path / "instance"),
           "TAGSVC_SECRET_KEY": "test-secret-key-for-the-worker", "TAGSVC_PUBLIC_BASE_URL": "https://tags.example.edu",
           "TAGSVC_JOB_LEASE_SECONDS": "2", "TAGSVC_STORAGE_URL": os.environ.get("TAGSVC_TEST_STORAGE_URL", "")}
    command = [str(Path(sys.executable).parent / "tagsvc"), "worker", "--workers", "1"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_worker_killed_in_the_middle_of_a_print_job_leaves_it_to_the_next_which_writes_once(make_app, database_url, tmp_path, queue_worker):
    queue_file = tmp_path / "queue.sqlite3"
    app = make_app(LABEL_INLINE_MAX=10, QUEUE_FILE=str(queue_file), JOB_LEASE_SECONDS=2)
    with app.app_context():
        admin, assets, job = _print_job(1500)  # labels never printed: their QR matrices are drawn now, a few seconds' work
        worker = _worker_process(database_url, tmp_path, queue_file)
        try:
            labels.start_print_job(job)
            _wait(lambda: db.session.get(PrintJob, job.id).done_count >= 250, what="the worker to start drawing")
            worker.send_signal(signal.SIGKILL)  # in the middle of the job: no goodbye
            worker.wait(10)
        finally:
            if worker.poll() is None:
                worker.kill()
        stuck = db.session.get(PrintJob, job.id)
        assert stuck.status == PrintJobStatus.RUNNING and stuck.done_count < 1500
        assert db.session.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.action == LedgerAction.LABEL_PRINTED)) == 0
        time.sleep(2.1)  # its lease runs out
        queue_worker(app)  # the next worker takes up what the killed one left
        done = _wait(lambda: db.session.get(PrintJob, job.id).status == PrintJobStatus.DONE and db.session.get(PrintJob, job.id),
                     seconds=120, what="the job to finish")
        printed = db.session.scalars(select(LedgerEvent.asset_id).where(LedgerEvent.action == LedgerAction.LABEL_PRINTED)).all()
        assert sorted(printed) == sorted(a.id for a in assets)  # every label recorded printed, once
        assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.printed_at.is_(None))) == 0
        assert page_count(labels.print_job_file(admin, done.id)) == 63  # 1,500 labels, 24 a sheet


def test_a_job_handed_to_two_workers_is_taken_by_one(app):
    _admin, _assets, job = _print_job(2)
    assert labels.claim_print_job(job.id) is True
    assert labels.claim_print_job(job.id) is False  # the second finds it running, its lease fresh
    db.session.get(PrintJob, job.id).updated_at = utcnow() - timedelta(minutes=5)  # its worker went silent
    db.session.commit()
    assert labels.claim_print_job(job.id) is True


def test_a_finished_job_run_again_writes_nothing_more(app):
    admin, _assets, job = _print_job(3)
    labels.run_print_job(job.id)
    labels.run_print_job(job.id)  # the queue delivered it twice
    assert db.session.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.action == LedgerAction.LABEL_PRINTED)) == 3
    assert db.session.get(PrintJob, job.id).status == PrintJobStatus.DONE


def test_a_daily_job_is_claimed_once_a_day_and_not_before_its_hour(app):
    assert claim_day("loan_reminders", 24) is False  # not yet its hour: nothing claimed
    assert claim_day("loan_reminders", 0) is True
    assert claim_day("loan_reminders", 0) is False  # the second worker, or the next quarter hour


def test_the_queue_is_a_file_beside_the_database_or_redis_never_postgresql(make_app, tmp_path):
    assert queue_location(make_app(QUEUE_FILE=str(tmp_path / "q.sqlite3"))) == f"sqlite:{tmp_path / 'q.sqlite3'}"
    assert queue_location(make_app(QUEUE_URL="redis://127.0.0.1:6379/3")) == "redis://127.0.0.1:6379/3"
    with pytest.raises(QueueSettingError, match="redis://"):
        queue_location(make_app(QUEUE_URL="postgresql://postgres@127.0.0.1/test"))


# The production broker: CI runs the suite on PostgreSQL with TAGSVC_TEST_QUEUE_URL set to a Redis database.
BROKERS = ["embedded"] + (["redis"] if os.environ.get("TAGSVC_TEST_QUEUE_URL") else [])


@pytest.mark.parametrize("broker", BROKERS)
def test_print_jobs_run_through_the_queue_each_once(make_app, tmp_path, queue_worker, broker):
    settings = {"QUEUE_URL": os.environ["TAGSVC_TEST_QUEUE_URL"]} if broker == "redis" else {"QUEUE_FILE": str(tmp_path / "queue.sqlite3")}
    app = make_app(LABEL_INLINE_MAX=1, **settings)
    with app.app_context():
        from tagsvc.jobs import huey, use_storage_of

        use_storage_of(app)
        huey.storage.flush_queue()  # a broker shared between runs starts empty
        admin = make_user(Role.ADMIN)
        department = make_department()
        jobs = []
        for _ in range(8):
            assets = [make_asset(department_id=department.id) for _ in range(3)]
            settings_ = labels.PrintSettings(sheet_slug="a4-3x8", start_position=0, qr_level="M")
            jobs.append(labels.create_print_job(admin, PrintJobKind.ASSETS, labels.asset_tag_ids(admin, [a.id for a in assets]), settings_))
        for job in jobs:
            labels.start_print_job(job)
        job_ids = [job.id for job in jobs]
        queue_worker(app)
        _wait(lambda: all(db.session.get(PrintJob, i).status == PrintJobStatus.DONE for i in job_ids), what="eight jobs")
        assert db.session.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.action == LedgerAction.LABEL_PRINTED)) == 24


def test_a_worker_killed_during_an_import_leaves_it_to_the_next_which_imports_once(make_app, database_url, tmp_path, queue_worker):
    from tagsvc.assets.models import Asset
    from tagsvc.spreadsheets.importing import Options, plan_import
    from tagsvc.spreadsheets.jobs import start_import
    from tagsvc.spreadsheets.models import ImportRun
    from tagsvc.spreadsheets.reading import read_sheet
    from tests.spreadsheets.files import ledger_rows, ledger_xlsx

    queue_file = tmp_path / "queue.sqlite3"
    app = make_app(IMPORT_INLINE_MAX=10, QUEUE_FILE=str(queue_file), JOB_LEASE_SECONDS=2)
    with app.app_context(), app.test_request_context():
        office = make_user(Role.ADMIN)
        sheet = read_sheet(ledger_xlsx(ledger_rows(4000)), "台账.xlsx")
        worker = _worker_process(database_url, tmp_path, queue_file)
        held = RegisterWritesHeld(database_url)
        held.before_the_import()
        try:
            run_id = start_import(office, plan_import(sheet, Options()), sheet, "台账.xlsx", Options()).id
            _wait(lambda: db.session.get(ImportRun, run_id).status == "running", what="the worker to take the import", every=0.01)
            held.once_it_runs()
            time.sleep(0.5)  # the worker plans the rows and waits at its first write
            worker.send_signal(signal.SIGKILL)  # in the middle of reading and writing 4,000 rows
            worker.wait(10)
        finally:
            held.release()
            if worker.poll() is None:
                worker.kill()
        db.session.expire_all()
        assert db.session.get(ImportRun, run_id).status == "running"  # killed before it committed: nothing written
        assert db.session.scalar(select(func.count()).select_from(Asset)) == 0
        time.sleep(2.1)
        queue_worker(app)
        run = _wait(lambda: db.session.get(ImportRun, run_id).status in ("done", "failed") and db.session.get(ImportRun, run_id),
                    seconds=180, what="the import to finish")
        assert (run.status, run.created) == ("done", 4000)
        assert db.session.scalar(select(func.count()).select_from(Asset)) == 4000  # each row once
        imported = db.session.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.action == LedgerAction.IMPORTED))
        assert imported == 4000


def test_the_reviews_choices_reach_the_worker_as_they_were(app):
    from tagsvc.spreadsheets.importing import Options
    from tagsvc.spreadsheets.jobs import options_from_json, options_to_json
    from tagsvc.structure.models import AssetKind

    options = Options(existing="update", valid_rows_only=True, expand={AssetKind.FIXED_ASSET: False, AssetKind.LOW_VALUE: True, AssetKind.CONSUMABLE: True},
                      columns={0: "asset_number", 2: "name", 5: ""}, matches={("location", "教学楼 › 101"): 7, ("department", "高一三班"): None},
                      parents={"图书馆 › 阅览室": 3, "报告厅": None})
    import json

    assert options_from_json(json.loads(json.dumps(options_to_json(options)))) == options


def test_an_imports_labels_are_drawn_ahead_so_printing_them_only_draws_the_sheet(app, queue_worker):
    from tagsvc.spreadsheets.importing import Options, plan_import
    from tagsvc.spreadsheets.jobs import start_import
    from tagsvc.spreadsheets.reading import read_sheet
    from tagsvc.tags.services import draw_missing_matrices
    from tests.spreadsheets.files import ledger_rows, ledger_xlsx

    office = make_user(Role.ADMIN)
    sheet = read_sheet(ledger_xlsx(ledger_rows(300)), "台账.xlsx")
    start_import(office, plan_import(sheet, Options()), sheet, "台账.xlsx", Options())
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.qr_matrix == "")) == 300  # issued, not drawn
    queue_worker(app)
    _wait(lambda: db.session.scalar(select(func.count()).select_from(Tag).where(Tag.qr_matrix == "")) == 0, what="the matrices")
    tag = db.session.scalar(select(Tag).order_by(Tag.id))
    assert tag.qr_text.endswith(tag.code) and len(tag.qr_matrix) > 400
    assert draw_missing_matrices() == 0  # nothing left: a second run draws nothing
