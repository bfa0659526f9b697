"""Files tagsvc keeps (photos and signatures, label PDFs, registers waiting for their import) where every app server
finds them, chosen by TAGSVC_STORAGE_URL:

- empty: folders on this machine (photos in TAGSVC_UPLOAD_DIR, labels in TAGSVC_PRINT_DIR, as always): one server;
- `database`: a table of the database itself, so that several app servers behind one proxy, and the queue's worker,
  share them with nothing more to run; a file is written with the transaction that keeps it.

A file is named by its area ("photos", "prints", "imports") and a name tagsvc chose (random, never the uploader's).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

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


def make_storage(app: Flask):
    url = (app.config.get("STORAGE_URL") or "").strip()
    if not url:
        upload = Path(app.config["UPLOAD_DIR"])
        return FolderStorage({"photos": upload, "imports": upload / "imports", "prints": Path(app.config["PRINT_DIR"])})
    if url == "database":
        return DatabaseStorage()
    raise StorageSettingError(f"TAGSVC_STORAGE_URL {url!r}: tagsvc keeps its files in local folders (empty) or in its database "
                              "('database'); an S3-compatible store is not supported yet.")


def storage():
    """The current app's file store."""
    return current_app.extensions["tagsvc_storage"]


def init_storage(app: Flask) -> None:
    app.extensions["tagsvc_storage"] = make_storage(app)


def older_than(age: timedelta) -> datetime:
    return utcnow() - age
