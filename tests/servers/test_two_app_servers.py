"""Two app servers (two gunicorn processes on two ports, each with its own disk) and one queue worker over the same
database and queue (PostgreSQL and Redis in CI's second run; a SQLite file and the embedded queue in the first), as a
district runs tagsvc: whatever server a request reaches, the person finds what another server did."""
from __future__ import annotations

import http.cookiejar
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from tagsvc.accounts.models import Role
from tagsvc.api.tokens import create_token
from tagsvc.assets.models import Asset
from tagsvc.extensions import db
from tagsvc.repairs.models import ReportPhoto
from tagsvc.spreadsheets.models import ImportRun
from tagsvc.storage import storage
from tests.concurrency import RegisterWritesHeld
from tests.conftest import TEST_PASSWORD
from tests.factories import make_asset, make_department, make_user
from tests.forms_on_pages import form_values
from tests.labels.pdf_reading import page_count
from tests.spreadsheets.files import ledger_rows, ledger_xlsx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Visitor:
    """A browser's cookies and forms, over real HTTP, to any of the servers (cookies are per host, not per port)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def open(self, url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def page(self, url: str) -> str:
        status, _headers, body = self.open(url)
        assert status == 200, (url, status)
        return body.decode()

    def post_form(self, url: str, fields: dict, files: dict | None = None) -> tuple[int, dict, bytes]:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            for one in value if isinstance(value, list) else [value]:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{one}\r\n'.encode())
        for name, (file_name, content) in (files or {}).items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
                         f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.open(url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _wait(until, seconds: float = 120, what: str = "", every: float = 0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        db.session.rollback()
        value = until()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"waited {seconds} s for {what}")


@pytest.fixture(params=["database", "s3"])
def district(make_app, database_url, tmp_path, request):
    """The shared settings, and a way to start servers and workers on them (all stopped when the test ends); the files
    kept in the database, then in an S3-compatible store."""
    queue = os.environ.get("TAGSVC_TEST_QUEUE_URL", "")
    store = request.getfixturevalue("s3_store_url") if request.param == "s3" else "database"
    env = {**os.environ, "TAGSVC_DATABASE_URL": database_url, "TAGSVC_SECRET_KEY": "one-secret-for-every-server", "TAGSVC_STORAGE_URL": store,
           "TAGSVC_QUEUE_URL": queue, "TAGSVC_QUEUE_FILE": str(tmp_path / "queue.sqlite3"), "TAGSVC_LABEL_INLINE_MAX": "10",
           "TAGSVC_IMPORT_INLINE_MAX": "10", "TAGSVC_JOB_LEASE_SECONDS": "2", "TAGSVC_DEFAULT_LANGUAGE": "en",
           "TAGSVC_PUBLIC_BASE_URL": "https://tags.example.edu"}
    processes: list[subprocess.Popen] = []

    def start(kind: str, name: str) -> str | subprocess.Popen:
        own = {**env, "TAGSVC_UPLOAD_DIR": str(tmp_path / name / "uploads"), "TAGSVC_PRINT_DIR": str(tmp_path / name / "print"),
               "TAGSVC_INSTANCE_DIR": str(tmp_path / name / "instance")}
        if kind == "worker":
            process = subprocess.Popen([str(BIN / "tagsvc"), "worker", "--workers", "1"], env=own, cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(process)
            return process
        port = _free_port()
        process = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"], env=own, cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/login", timeout=2).read()
                return base
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"server {name} did not start")

    app = make_app(STORAGE_URL=store, QUEUE_URL=queue, QUEUE_FILE=str(tmp_path / "queue.sqlite3"))
    with app.app_context():
        yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_two_app_servers_and_one_worker_share_everything_a_person_does(district, database_url, tmp_path):
    office = make_user(Role.ADMIN, display_name="王海燕")
    department = make_department("教务处")
    assets = [make_asset(department_id=department.id, name=f"课桌椅{n}", asset_number=f"KZY-{n:03d}") for n in range(30)]
    _token, secret = create_token(office, "two servers")
    first, second = district("server", "one"), district("server", "two")
    worker = district("worker", "worker")

    # Signed in on the first, signed in on the second.
    person = Visitor()
    status, headers, _ = person.post_form(f"{first}/login", {"csrf_token": _csrf(person.page(f"{first}/login")),
                                                              "username": office.username, "password": TEST_PASSWORD})
    assert status == 302, status
    assert "王海燕" in person.page(f"{second}/") and Visitor().open(f"{second}/assets")[0] == 302

    # Labels requested on the first, drawn by the worker, downloaded from the second.
    api = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    status, _, body = person.open(f"{first}/api/v1/print-jobs", json.dumps({"asset_ids": [a.id for a in assets], "sheet": "a4-3x8"}).encode(), api)
    assert status == 202, body
    job_id = json.loads(body)["id"]
    _wait(lambda: json.loads(person.open(f"{second}/api/v1/print-jobs/{job_id}", headers=api)[2])["status"] == "done", what="the labels")
    status, _, pdf = person.open(f"{second}/labels/jobs/{job_id}/labels.pdf")
    assert status == 200 and page_count(pdf) == 2  # 30 labels, 24 a sheet

    # A photo reported (anonymously, from a label) on the first is shown by the second.
    code = assets[0].current_tag.code
    photo = io.BytesIO()
    Image.new("RGB", (80, 60), "blue").save(photo, format="JPEG")
    reporter = Visitor()
    form = form_values(re.search(r'<form[^>]*enctype="multipart/form-data"[^>]*>(.*?)</form>', reporter.page(f"{first}/t/{code}/report"), re.S).group(1))
    form.update({"kind": "broken", "description": "桌腿松了"})
    status, _, _ = reporter.post_form(f"{first}/t/{code}/report", form, {"photos": ("desk.jpg", photo.getvalue())})
    assert status in (200, 302), status
    name = _wait(lambda: db.session.scalar(select(ReportPhoto.name)), what="the report")
    status, _, shown = Visitor().open(f"{second}/photos/{name}")
    assert status == 200 and Image.open(io.BytesIO(shown)).size == (80, 60)
    assert storage().get("photos", name) == shown and not any((tmp_path / "one").rglob("*.jpg"))  # in the shared store, not on a disk

    # An import started on the first runs on the worker; the worker is killed in the middle and started again: the
    # import finishes once.
    upload_page = person.page(f"{first}/register/import")
    status, headers, _ = person.post_form(f"{first}/register/import", {"csrf_token": _csrf(upload_page)},
                                          {"file": ("台账.xlsx", ledger_xlsx(ledger_rows(3000)))})
    assert status == 302, status
    review_url = f"{first}{headers['Location']}" if headers["Location"].startswith("/") else headers["Location"]
    review = person.page(review_url)
    values = form_values(re.search(r'<form method="post"[^>]*id="review"[^>]*>(.*?)</form>', review, re.S).group(1))
    held = RegisterWritesHeld(database_url)
    held.before_the_import()
    try:
        status, headers, _ = person.post_form(review_url, {**values, "existing": "skip", "action": "commit"})
        assert status == 302, status
        run_id = _wait(lambda: db.session.scalar(select(ImportRun.id).where(ImportRun.status == "running")), every=0.01,
                       what="the worker to take the import")
        held.once_it_runs()
        time.sleep(0.5)  # the worker plans the rows and waits at its first write
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        held.release()
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 30  # killed before it committed: nothing written
    district("worker", "worker-again")
    run = _wait(lambda: (r := db.session.get(ImportRun, run_id)).status in ("done", "failed") and r, seconds=240, what="the import")
    assert (run.status, run.created) == ("done", 3000)
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 3030
    assert "3000" in person.page(f"{second}/register/imports/{run_id}").replace(",", "")
