"""Benchmark: a whole print job, as the office runs it. Run by hand:  .venv/bin/python bench/print_job.py [--labels 10000]

Seeds a database (SQLite in a temporary folder, or TAGSVC_BENCH_DATABASE_URL) with N assets, then runs one print
job for all of them on A4 3x8 twice: first when no tag has its QR matrix yet (each is computed and kept), then
again with the matrices stored (as they are when the job queue's worker drew them after the import that issued the
labels: tags.services.draw_missing_matrices). Prints seconds, PDF bytes and the process's peak memory. This is the path behind
the progress page: load the tags a chunk at a time, draw, write the file, mark the labels printed, write the
ledger.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=10_000)
    args = parser.parse_args()

    from sqlalchemy import select

    from bench.scan_page import seed
    from tagsvc import create_app
    from tagsvc.accounts.models import User
    from tagsvc.assets.models import Asset
    from tagsvc.extensions import db
    from tagsvc.labels import services
    from tagsvc.labels.models import PrintJobKind

    workdir = Path(tempfile.mkdtemp(prefix="tagsvc-print-"))
    url = os.environ.get("TAGSVC_BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    print(f"Seeding {args.labels:,} assets into {url} ...", flush=True)
    seed(url, args.labels)
    app = create_app({"SQLALCHEMY_DATABASE_URL": url, "PUBLIC_BASE_URL": "https://tags.example.edu", "PRINT_DIR": workdir / "print"})
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        asset_ids = list(db.session.scalars(select(Asset.id).order_by(Asset.asset_number).limit(args.labels)))
        for run in ("QR matrices computed on the way", "QR matrices already stored"):
            started = time.perf_counter()
            tag_ids = services.asset_tag_ids(admin, asset_ids)
            job = services.create_print_job(admin, PrintJobKind.ASSETS, tag_ids, services.PrintSettings("a4-3x8"))
            job = services.run_print_job(job.id)
            seconds = time.perf_counter() - started
            size = services.print_job_file(admin, job.id).stat().st_size
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{len(tag_ids):>6,} labels, {run:<34} {seconds:6.2f} s  {size / 1024:8.0f} KB  peak memory {peak:5.0f} MB  ({job.status})", flush=True)


if __name__ == "__main__":
    main()
