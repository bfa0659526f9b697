"""Benchmark: importing a 10,000-row register file, and exporting 100,000 assets.

Run by hand:  .venv/bin/python bench/import.py [--rows 10000] [--assets 100000]
On PostgreSQL: TAGSVC_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench (an empty database).
It writes a Chinese ledger (.xlsx, merged title rows above the header, as tests/spreadsheets/files.py makes them)
into a register that already holds the demo school, then times reading the file, the dry run and the commit
(every new asset's label code included; QR matrices are drawn when labels are first printed). Then it seeds the
register up to --assets and times the export, with the process's peak memory before and after.
Budgets (issue 12): dry run and commit of 10,000 rows ≤ 10 s each on PostgreSQL; the export of 100,000 assets
streams in ≤ 20 s without holding them all in memory. It also times the office's start page figures and the register
summary over the whole register.
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

from bench.scan_page import seed  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--assets", type=int, default=100_000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tagsvc-bench-"))
    database_url = os.environ.get("TAGSVC_BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    print(f"Seeding the demo school into {database_url} ...", flush=True)
    seed(database_url, 300)

    from sqlalchemy import func, select

    from tagsvc import create_app
    from tagsvc.accounts.models import User
    from tagsvc.assets.models import Asset
    from tagsvc.assets.services import AssetQuery
    from tagsvc.extensions import db
    from tagsvc.spreadsheets.exporting import export_register
    from tagsvc.spreadsheets.importing import Options, commit_import, plan_import
    from tagsvc.spreadsheets.reading import read_sheet
    from tests.spreadsheets.files import ledger_rows, ledger_xlsx

    data = ledger_xlsx(ledger_rows(args.rows, start=500_000))
    print(f"A {args.rows:,}-row ledger: {len(data) / 1024 / 1024:.1f} MB of .xlsx", flush=True)
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url, "IMPORT_MAX_MB": 100})
    with app.app_context(), app.test_request_context():
        office = db.session.scalar(select(User).where(User.username == "admin"))
        started = time.perf_counter()
        sheet = read_sheet(data, "台账.xlsx")
        read = time.perf_counter() - started
        started = time.perf_counter()
        plan = plan_import(sheet, Options())
        dry = time.perf_counter() - started
        print(f"  read the file      {read:6.2f} s", flush=True)
        print(f"  dry run            {dry:6.2f} s  ({plan.rows:,} rows, {len(plan.creates):,} to create, {len(plan.problems)} problems)", flush=True)
        started = time.perf_counter()
        run = commit_import(office, plan, "台账.xlsx")
        commit = time.perf_counter() - started
        print(f"  commit             {commit:6.2f} s  ({run.created:,} assets with their label codes and ledger lines)", flush=True)
        total = db.session.scalar(select(func.count(Asset.id)))
    print(f"Seeding up to {args.assets:,} assets ...", flush=True)
    seed_more(database_url, args.assets - total)
    with app.app_context(), app.test_request_context():
        office = db.session.scalar(select(User).where(User.username == "admin"))
        before = peak_mb()
        started = time.perf_counter()
        with open(workdir / "register.xlsx", "wb") as out:
            written = export_register(office, AssetQuery(include_disposed=True), out)
        took = time.perf_counter() - started
        size = (workdir / "register.xlsx").stat().st_size / 1024 / 1024
        print(f"  export             {took:6.2f} s  ({written:,} assets, {size:.1f} MB; peak memory {before:.0f} MB before, {peak_mb():.0f} MB after)")
        from tagsvc.reports.services import glance, register_summary

        for label, step in (("office start page's glance", glance), ("register summary", register_summary)):
            times = []
            for _ in range(5):
                started = time.perf_counter()
                step(office)
                times.append(time.perf_counter() - started)
            print(f"  {label:<26} median {sorted(times)[2] * 1000:6.0f} ms")


def seed_more(database_url: str, count: int) -> None:
    """More assets in bulk, as bench/scan_page.py seeds them (its seed() starts from an empty database)."""
    import random
    from datetime import UTC, datetime

    from sqlalchemy import insert, select

    from tagsvc import create_app
    from tagsvc.assets.models import Asset
    from tagsvc.extensions import db
    from tagsvc.tags.models import Tag
    from tagsvc.tags.services import new_tag_code

    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url})
    with app.app_context():
        templates = db.session.execute(select(Asset.name, Asset.category_id, Asset.department_id, Asset.location_id)).all()[:300]
        now = datetime.now(UTC)
        for start in range(0, max(count, 0), 5000):
            rows = []
            for i in range(start, min(start + 5000, count)):
                t = random.choice(templates)
                rows.append(dict(asset_number=f"EX-{i:07d}", name=t.name, category_id=t.category_id, department_id=t.department_id,
                                 location_id=t.location_id, brand="", model="", serial_number="", custodian_name="赵老师", custodian_phone="",
                                 status="in_use", condition="good", supplier="", invoice_number="", notes="", photo="", created_at=now,
                                 updated_at=now))
            ids = db.session.scalars(insert(Asset).returning(Asset.id), rows).all()
            db.session.execute(insert(Tag), [dict(code=new_tag_code(), asset_id=asset_id, issued_at=now) for asset_id in ids])
            db.session.commit()


if __name__ == "__main__":
    main()
