"""Where tagsvc keeps files: folders (one server), the database or an S3-compatible store (several app servers), the
same behaviour from each; and two app servers on one database sharing photos, label PDFs, uploads and sign-ins."""
from __future__ import annotations

from datetime import timedelta
import time
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import update

from tagsvc import create_app
from tagsvc.accounts.models import Role
from tagsvc.extensions import db, utcnow
from tagsvc.storage import DatabaseStorage, FolderStorage, ObjectStorage, StorageSettingError, object_storage, older_than
from tagsvc.storage.models import StoredFile
from tests.conftest import TEST_PASSWORD, _test_config
from tests.factories import make_asset, make_user
from tests.object_store import closed_port, keys_in


@pytest.fixture(params=["folders", "database", "s3"])
def kept(request, app, tmp_path):
    if request.param == "folders":
        return FolderStorage({"photos": tmp_path / "p", "imports": tmp_path / "i", "prints": tmp_path / "l"})
    if request.param == "s3":
        return object_storage(request.getfixturevalue("s3_store_url"))
    return DatabaseStorage()


def test_a_file_is_kept_read_replaced_and_removed(kept):
    assert kept.get("photos", "a.jpg") is None
    kept.put("photos", "a.jpg", b"first")
    kept.put("prints", "a.jpg", b"another area")
    assert kept.get("photos", "a.jpg") == b"first"
    kept.put("photos", "a.jpg", b"second")
    assert kept.get("photos", "a.jpg") == b"second" and kept.get("prints", "a.jpg") == b"another area"
    kept.delete("photos", "a.jpg")
    kept.delete("photos", "a.jpg")  # twice: nothing to do
    assert kept.get("photos", "a.jpg") is None and kept.get("prints", "a.jpg") == b"another area"


def test_old_files_go_by_area_and_prefix(kept, tmp_path):
    import os

    kept.put("prints", "labels-1.pdf", b"old")
    kept.put("prints", "other.pdf", b"old but not a label file")
    if isinstance(kept, ObjectStorage):  # a store dates its objects itself, to the second: the new file comes later
        time.sleep(1.1)
        cut = utcnow()
        time.sleep(1.1)
        kept.put("prints", "labels-2.pdf", b"new")
        assert kept.delete_older_than("prints", cut, prefix="labels-") == 1
        assert [kept.get("prints", n) for n in ("labels-1.pdf", "labels-2.pdf", "other.pdf")] == [None, b"new", b"old but not a label file"]
        return
    kept.put("prints", "labels-2.pdf", b"new")
    week_ago = (utcnow() - timedelta(days=8))
    if isinstance(kept, FolderStorage):
        for name in ("labels-1.pdf", "other.pdf"):
            os.utime(tmp_path / "l" / name, (week_ago.timestamp(), week_ago.timestamp()))
    else:
        db.session.execute(update(StoredFile).where(StoredFile.name.in_(["labels-1.pdf", "other.pdf"])).values(created_at=week_ago))
    assert kept.delete_older_than("prints", older_than(timedelta(days=7)), prefix="labels-") == 1
    assert [kept.get("prints", n) for n in ("labels-1.pdf", "labels-2.pdf", "other.pdf")] == [None, b"new", b"old but not a label file"]


@pytest.mark.parametrize("store", ["folders", "s3"])
def test_a_name_never_leaves_its_folder(store, tmp_path, request):
    if store == "s3":
        kept = object_storage(request.getfixturevalue("s3_store_url"))
    else:
        kept = FolderStorage({"photos": tmp_path / "p", "imports": tmp_path / "i", "prints": tmp_path / "l"})
    for name in ("../x", "a/b", ".hidden", "..\\x"):
        with pytest.raises(ValueError):
            kept.put("photos", name, b"x")
    with pytest.raises(ValueError):
        kept.put("elsewhere", "a", b"x")


@pytest.mark.parametrize(("url", "said"), [
    ("ftp://files.example/tagsvc", "local folders .*, in its database .* or in an S3-compatible store"),
    ("s3:///tagsvc?endpoint=http://minio:9000", "name the bucket"),
    ("s3://KEY:SECRET@bucket/tagsvc", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the URL"),
    ("s3://bucket/tagsvc?endpont=http://minio:9000", "the options are endpoint=URL"),
    ("s3://bucket/tagsvc?addressing=sideways", "addressing=path|virtual"),
])
def test_a_storage_setting_tagsvc_cannot_use_is_refused_with_what_is_possible(database_url, tmp_path, url, said):
    with pytest.raises(StorageSettingError, match=said):
        create_app(_test_config(database_url, tmp_path, STORAGE_URL=url))


def test_the_object_store_keeps_each_file_under_its_folder_and_area(s3_store_url):
    kept = object_storage(s3_store_url)
    kept.put("photos", "a.jpg", b"photo")
    kept.put("imports", "7.rows.json", b"[]")
    folder = s3_store_url.split("/")[3].split("?")[0]
    assert keys_in(s3_store_url) == [f"{folder}/imports/7.rows.json", f"{folder}/photos/a.jpg"]
    assert object_storage(s3_store_url.replace(folder, "another")).get("photos", "a.jpg") is None  # another installation's folder


def test_a_store_that_cannot_be_reached_is_an_error_not_a_missing_file(s3_store_url, s3_server):
    """A photo must not be shown as "no such photo" (or an import's rows as gone) because the store is down."""
    import botocore.exceptions

    closed = closed_port()
    down = object_storage(s3_store_url.replace(s3_server, f"http://127.0.0.1:{closed}"))
    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        down.get("photos", "a.jpg")


def _photo() -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.parametrize("store", ["database", "s3"])
def test_two_app_servers_on_one_database_share_photos_labels_uploads_and_sign_ins(database_url, tmp_path, store, request):
    """Two app servers with their own disks, one database and one file store: what the first keeps, the second serves."""
    url = request.getfixturevalue("s3_store_url") if store == "s3" else "database"
    first = create_app(_test_config(database_url, tmp_path / "one", STORAGE_URL=url, UPLOAD_DIR=tmp_path / "one/uploads",
                                    PRINT_DIR=tmp_path / "one/print"))
    second = create_app(_test_config(database_url, tmp_path / "two", STORAGE_URL=url, UPLOAD_DIR=tmp_path / "two/uploads",
                                     PRINT_DIR=tmp_path / "two/print"))
    with first.app_context():
        office = make_user(Role.ADMIN)
        desk = make_asset(name="课桌椅", asset_number="KZY-0001")
        code, username, display_name = desk.current_tag.code, office.username, office.display_name
    one, two = first.test_client(), second.test_client()
    reported = one.post(f"/t/{code}/report", data={"kind": "broken", "description": "桌腿松了", "client_hash": "p1",
                                                   "photos": [(BytesIO(_photo()), "a.jpg")]}, content_type="multipart/form-data")
    assert reported.status_code in (200, 302), reported.status_code
    with first.app_context():
        from sqlalchemy import select

        from tagsvc.repairs.models import ReportPhoto

        name = db.session.scalar(select(ReportPhoto.name))
    shown = two.get(f"/photos/{name}")
    assert shown.status_code == 200 and Image.open(BytesIO(shown.get_data())).size == (64, 48)
    assert not any((tmp_path / "one/uploads").glob("*.jpg"))  # not on the first server's disk
    if store == "s3":
        assert any(key.endswith(f"/photos/{name}") for key in keys_in(url))
    # Signed in on the first, signed in on the second (a signed cookie and a sign-in row in the shared database).
    one.post("/login", data={"username": username, "password": TEST_PASSWORD})
    for cookie in one._cookies.values():
        two.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    assert two.get("/assets").status_code == 200 and display_name in two.get("/").get_data(as_text=True)
    assert second.test_client().get("/assets").status_code == 302  # without the cookie: the sign-in page
    # Labels printed on the first are downloaded from the second.
    from tagsvc.labels import services as labels
    from tagsvc.labels.models import PrintJobKind

    with first.app_context():
        admin = db.session.get(type(office), office.id)
        job = labels.create_print_job(admin, PrintJobKind.ASSETS, labels.asset_tag_ids(admin, [desk.id]), labels.PrintSettings("a4-3x8"))
        job_id = labels.run_print_job(job.id).id
    assert not any((tmp_path / "one/print").glob("*"))
    download = two.get(f"/labels/jobs/{job_id}/labels.pdf")
    assert download.status_code == 200 and download.get_data().startswith(b"%PDF")


def test_a_new_server_checks_its_store_from_the_command_line(make_app, s3_store_url, s3_server):
    works = make_app(STORAGE_URL=s3_store_url).test_cli_runner().invoke(args=["storage", "check"])
    assert works.exit_code == 0 and "The file store works: bucket tagsvc-test" in works.output, works.output
    assert keys_in(s3_store_url) == []  # the check leaves nothing behind
    closed = closed_port()
    down = make_app(STORAGE_URL=s3_store_url.replace(s3_server, f"http://127.0.0.1:{closed}")).test_cli_runner().invoke(args=["storage", "check"])
    assert down.exit_code == 1 and "The file store does not work: Could not connect" in down.output, down.output
