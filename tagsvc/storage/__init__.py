"""Files tagsvc keeps (photos and signatures, label PDFs, registers waiting for their import) where every app server
finds them, chosen by TAGSVC_STORAGE_URL:

- empty: folders on this machine (photos in TAGSVC_UPLOAD_DIR, labels in TAGSVC_PRINT_DIR, as always): one server;
- `database`: a table of the database itself, so that several app servers behind one proxy, and the queue's worker,
  share them with nothing more to run; a file is written with the transaction that keeps it;
- `s3://BUCKET/PREFIX?endpoint=URL`: an S3-compatible object store (MinIO, a cloud's object storage) for a district
  whose files outgrow its database. The keys come from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, never
  from the URL (it is printed in errors and logs). Needs `pip install 'tagsvc[s3]'`.

A file is named by its area ("photos", "prints", "imports") and a name tagsvc chose (random, never the uploader's).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import Flask, current_app

from tagsvc.extensions import utcnow

AREAS = ("photos", "prints", "imports")


class StorageSettingError(RuntimeError):
    pass


class FolderStorage:
    """A folder per area on this machine's disk."""

    def __init__(self, folders: dict[str, Path]) -> None:
        self.folders = folders

    def _path(self, area: str, name: str) -> Path:
        if area not in AREAS or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"not a stored file: {area}/{name}")
        return self.folders[area] / name

    def put(self, area: str, name: str, data: bytes) -> None:
        path = self._path(area, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{name}.partial")
        partial.write_bytes(data)
        partial.replace(path)  # whole or not at all: a reader never sees half a file

    def get(self, area: str, name: str) -> bytes | None:
        path = self._path(area, name)
        return path.read_bytes() if path.is_file() else None

    def delete(self, area: str, name: str) -> None:
        self._path(area, name).unlink(missing_ok=True)

    def delete_older_than(self, area: str, before: datetime, prefix: str = "") -> int:
        folder, removed = self.folders[area], 0
        if not folder.is_dir():
            return 0
        for path in folder.glob(f"{prefix}*"):
            if path.is_file() and not path.name.startswith(".") and path.stat().st_mtime < before.timestamp():
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class DatabaseStorage:
    """Files as rows of the database (table stored_file), written in the caller's transaction: a report's photos are
    kept when the report is, a print job's PDF when the job is marked done; what one server writes, every other
    server reads."""

    def put(self, area: str, name: str, data: bytes) -> None:
        from sqlalchemy import delete

        from tagsvc.extensions import db
        from tagsvc.storage.models import StoredFile

        db.session.execute(delete(StoredFile).where(StoredFile.area == area, StoredFile.name == name))
        db.session.add(StoredFile(area=area, name=name, data=data, size=len(data)))
        db.session.flush()

    def get(self, area: str, name: str) -> bytes | None:
        from sqlalchemy import select

        from tagsvc.extensions import db
        from tagsvc.storage.models import StoredFile

        return db.session.scalar(select(StoredFile.data).where(StoredFile.area == area, StoredFile.name == name))

    def delete(self, area: str, name: str) -> None:
        from sqlalchemy import delete

        from tagsvc.extensions import db
        from tagsvc.storage.models import StoredFile

        db.session.execute(delete(StoredFile).where(StoredFile.area == area, StoredFile.name == name))

    def delete_older_than(self, area: str, before: datetime, prefix: str = "") -> int:
        from sqlalchemy import delete

        from tagsvc.extensions import db
        from tagsvc.storage.models import StoredFile

        return db.session.execute(delete(StoredFile).where(StoredFile.area == area, StoredFile.name.startswith(prefix),
                                                           StoredFile.created_at < before)).rowcount


class ObjectStorage:
    """An S3-compatible bucket: each file is the object PREFIX/AREA/NAME. Unlike the database, a put is not part of the
    caller's transaction; every caller writes the file before the rows that name it and deletes only files no row
    needs any more, so a transaction that fails leaves at worst a file nobody names, which the areas' clean-ups or
    the bucket's own expiry remove."""

    def __init__(self, bucket: str, prefix: str, client) -> None:
        self.bucket, self.prefix, self.client = bucket, prefix, client

    def _key(self, area: str, name: str) -> str:
        if area not in AREAS or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"not a stored file: {area}/{name}")
        return f"{self.prefix}{area}/{name}"

    def put(self, area: str, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(area, name), Body=data)

    def get(self, area: str, name: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(area, name))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def delete(self, area: str, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(area, name))

    def delete_older_than(self, area: str, before: datetime, prefix: str = "") -> int:
        before = before if before.tzinfo else before.replace(tzinfo=UTC)
        old = [{"Key": item["Key"]}
               for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self._key(area, prefix))
               for item in page.get("Contents", []) if item["LastModified"] < before]
        for start in range(0, len(old), 1000):  # the most one request may delete
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": old[start:start + 1000], "Quiet": True})
        return len(old)


def object_storage(url: str) -> ObjectStorage:
    """The store an `s3://` URL names; refuses a URL it cannot use, saying what is wrong, before any request."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise StorageSettingError("TAGSVC_STORAGE_URL: put the store's keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the URL.")
    if not parts.hostname:
        raise StorageSettingError(f"TAGSVC_STORAGE_URL {url!r}: name the bucket, as in s3://tagsvc-files/district?endpoint=https://minio.example:9000")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(options) - {"endpoint", "region", "addressing"}
    if unknown or options.get("addressing", "path") not in ("path", "virtual"):
        raise StorageSettingError(f"TAGSVC_STORAGE_URL {url!r}: the options are endpoint=URL, region=NAME and addressing=path|virtual.")
    try:
        import boto3
        from botocore.config import Config
    except ImportError as missing:
        raise StorageSettingError("TAGSVC_STORAGE_URL names an S3-compatible store: install it with pip install 'tagsvc[s3]'.") from missing
    client = boto3.client("s3", endpoint_url=options.get("endpoint") or None, region_name=options.get("region", "us-east-1"),
                          config=Config(s3={"addressing_style": options.get("addressing", "path")}, connect_timeout=5, read_timeout=30,
                                        retries={"max_attempts": 3, "mode": "standard"}))
    prefix = parts.path.strip("/")
    return ObjectStorage(parts.hostname, f"{prefix}/" if prefix else "", client)


def make_storage(app: Flask):
    url = (app.config.get("STORAGE_URL") or "").strip()
    if not url:
        upload = Path(app.config["UPLOAD_DIR"])
        return FolderStorage({"photos": upload, "imports": upload / "imports", "prints": Path(app.config["PRINT_DIR"])})
    if url == "database":
        return DatabaseStorage()
    if url.startswith("s3://"):
        return object_storage(url)
    raise StorageSettingError(f"TAGSVC_STORAGE_URL {url!r}: tagsvc keeps its files in local folders (empty), in its database "
                              "('database') or in an S3-compatible store ('s3://BUCKET/PREFIX?endpoint=URL').")


def check_storage() -> str:
    """Writes, reads back and removes a file; returns where the files are, or raises what went wrong."""
    import secrets

    kept, name, data = storage(), f"storage-check-{secrets.token_hex(8)}", secrets.token_bytes(64)
    kept.put("prints", name, data)
    try:
        if kept.get("prints", name) != data:
            raise RuntimeError("a file written was read back different")
    finally:
        kept.delete("prints", name)
        if isinstance(kept, DatabaseStorage):
            from tagsvc.extensions import db

            db.session.commit()
    if isinstance(kept, ObjectStorage):
        return f"bucket {kept.bucket}, folder {kept.prefix or '/'}"
    if isinstance(kept, DatabaseStorage):
        return "the database"
    return ", ".join(f"{area} in {folder}" for area, folder in kept.folders.items())


def storage():
    """The current app's file store."""
    return current_app.extensions["tagsvc_storage"]


def init_storage(app: Flask) -> None:
    app.extensions["tagsvc_storage"] = make_storage(app)


def older_than(age: timedelta) -> datetime:
    return utcnow() - age
