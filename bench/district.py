"""Benchmark: a school's pages in a district of many schools, against the same pages in an installation of one.

Run by hand, twice, and compare (PostgreSQL: createdb bench, then TAGSVC_BENCH_DATABASE_URL=postgresql+psycopg://…/bench):
  .venv/bin/python bench/district.py --schools 1            # one school of 10,000 assets
  .venv/bin/python bench/district.py --schools 100          # 100 schools of 10,000 assets each: 1,000,000 assets
It builds the district (each school the demo school's structure and people, s7-admin…, then its assets with a label
and a ledger line each, inserted in bulk), starts gunicorn as production would, signs in as the office of the middle
school and prints median / 99th-percentile latency per page (issue 22: as fast as for one school), then how long the
education bureau's district page takes.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scan_page import free_port, load, request, sign_in  # noqa: E402


def seed(database_url: str, schools: int, per_school: int) -> dict:
    from sqlalchemy import create_engine, insert, select, text

    from tagsvc import create_app
    from tagsvc.assets.models import Asset
    from tagsvc.database import upgrade_database
    from tagsvc.demo.services import load_demo_data
    from tagsvc.extensions import db
    from tagsvc.ledger.models import LedgerEvent
    from tagsvc.schools.models import School
    from tagsvc.schools.services import create_school
    from tagsvc.schools.wall import use_school
    from tagsvc.tags.models import Tag
    from tagsvc.tags.services import new_tag_code

    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade_database(create_engine(database_url))
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url})
    codes_of: dict[int, list[str]] = {}
    taken: set[str] = set()
    with app.app_context():
        now = datetime.now(UTC)
        next_id = 1_000_000
        for index in range(1, schools + 1):
            school = db.session.get(School, 1) if index == 1 else create_school(f"s{index}", f"第{index}中学")
            with use_school(school.id):
                load_demo_data(asset_count=100, username_prefix=f"s{index}-")
                templates = db.session.execute(select(Asset.name, Asset.category_id, Asset.department_id, Asset.location_id, Asset.brand,
                                                      Asset.model)).all()
                codes = list(db.session.scalars(select(Tag.code)))
                taken.update(codes)
                for start in range(100, per_school, 5000):
                    rows, tags, events = [], [], []
                    for i in range(start, min(start + 5000, per_school)):
                        t = random.choice(templates)
                        next_id += 1
                        rows.append(dict(id=next_id, school_id=school.id, asset_number=f"BN-{i:07d}", name=t.name, category_id=t.category_id,
                                         department_id=t.department_id, location_id=t.location_id, brand=t.brand, model=t.model,
                                         serial_number="", custodian_name="赵老师", custodian_phone="", status="in_use", condition="good",
                                         supplier="", invoice_number="", notes="", photo="", price=random.choice([120, 860, 3200, 5400]),
                                         created_at=now, updated_at=now))
                        code = new_tag_code()
                        while code in taken:  # a million random codes: a few collide
                            code = new_tag_code()
                        taken.add(code)
                        codes.append(code)
                        tags.append(dict(school_id=school.id, code=code, asset_id=next_id, issued_at=now))
                        events.append(dict(school_id=school.id, asset_id=next_id, at=now, actor_name="bench", action="created", changes={}, note=""))
                    db.session.execute(insert(Asset), rows)
                    db.session.execute(insert(Tag), tags)
                    db.session.execute(insert(LedgerEvent), events)
                    db.session.commit()
                codes_of[school.id] = codes
            if index % 10 == 0 or index == schools:
                print(f"  {index} schools, {index * per_school:,} assets", flush=True)
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('asset', 'id'), (SELECT max(id) FROM asset))")
                           if db.engine.dialect.name == "postgresql" else text("SELECT 1"))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would, as the tables' owner (the app's own connections act as tagsvc_app, which may not).
            owner = create_engine(database_url, isolation_level="AUTOCOMMIT")
            with owner.connect() as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
            owner.dispose()
        from tagsvc.accounts.models import Role, User

        bureau = User(username="district", display_name="区教育局", role=Role.DISTRICT)
        bureau.set_password("tagsvc-demo")
        db.session.add(bureau)
        db.session.commit()
        from tagsvc.api.tokens import create_token_for

        middle = max(1, (schools + 1) // 2)
        with use_school(middle):
            token = create_token_for("s1-admin" if middle == 1 else f"s{middle}-admin", "bench")[1]
    return codes_of, token


def seeded(database_url: str, middle: int) -> tuple[dict, str]:
    """What an earlier run seeded: the middle school's label codes, and a new token of its office."""
    from sqlalchemy import select

    from tagsvc import create_app
    from tagsvc.api.tokens import create_token_for
    from tagsvc.extensions import db
    from tagsvc.schools.wall import use_school
    from tagsvc.tags.models import Tag

    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url})
    with app.app_context(), use_school(middle):
        codes = list(db.session.scalars(select(Tag.code)))
        token = create_token_for("s1-admin" if middle == 1 else f"s{middle}-admin", "bench")[1]
    return {middle: codes}, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--assets", type=int, default=10_000, help="each school's")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--measure-only", action="store_true", help="the district seeded by an earlier run: measure again")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tagsvc-bench-"))
    database_url = os.environ.get("TAGSVC_BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    if not args.measure_only:
        print(f"Seeding {args.schools} school(s) of {args.assets:,} assets into {database_url} ...", flush=True)
    started = time.perf_counter()
    middle = max(1, (args.schools + 1) // 2)  # neither the first school nor the last: in the middle of the tables
    if args.measure_only:
        codes_of, token = seeded(database_url, middle)
    else:
        codes_of, token = seed(database_url, args.schools, args.assets)
        print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
    username = "s1-admin" if middle == 1 else f"s{middle}-admin"

    port = free_port()
    env = {**os.environ, "TAGSVC_ENV": "production", "TAGSVC_DATABASE_URL": database_url, "TAGSVC_SECRET_KEY": "b" * 40,
           "TAGSVC_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "TAGSVC_INSTANCE_DIR": str(workdir),
           "TAGSVC_API_RATE_LIMIT": "10000000/minute"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "bench.bench_app:app"], cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=open(workdir / "gunicorn.log", "w"))
    try:
        for _ in range(100):
            try:
                request(port, "/bench/baseline")
                break
            except OSError:
                time.sleep(0.1)
        cookie = sign_in(port, username)
        codes = random.Random(1).sample(codes_of[middle], 500)
        from urllib.parse import quote

        pages = [
            ("scan page, signed in", [f"/t/{c}" for c in codes]),
            ("asset list", ["/assets", "/assets?page=40", "/assets?status=in_use&sort=-updated"]),
            ("asset search", [quote(p, safe="/?=&") for p in ("/assets?q=投影", "/assets?q=BN-00042", "/assets?q=课桌椅")]),
            ("start page and 待我处理", ["/", "/approvals"]),
            ("repairs, stocktakes, transfers", ["/repairs", "/stocktakes", "/transfers", "/disposals"]),
            ("register summary", ["/reports"]),
            ("API asset list", ["/api/v1/assets?page=3&per_page=50", "/api/v1/assets?status=in_use&sort=-updated"]),
        ]
        print(f"{args.schools} school(s), {args.schools * args.assets:,} assets; as {username}; gunicorn 4 workers, {args.clients} clients, "
              f"{args.seconds:g} s each, {os.cpu_count()} cores")
        print(f"{'page':<34}{'req/s':>9}{'median ms':>11}{'p99 ms':>9}")
        for label, paths in pages:
            credentials = f"Bearer {token}" if label.startswith("API") else cookie
            for path in paths[:5]:
                status = request(port, path, credentials)[1]
                if status != 200:  # a redirect to the sign-in page would be fast and measure nothing
                    raise SystemExit(f"{path}: HTTP {status}")
            load(port, paths, 2, 1, credentials)  # warm up
            r = load(port, paths, args.clients, args.seconds, credentials)
            print(f"{label:<34}{r['rps']:>9.0f}{r['p50']:>11.1f}{r['p99']:>9.1f}", flush=True)
        bureau = sign_in(port, "district")
        if request(port, "/district", bureau)[1] != 200:
            raise SystemExit("/district: not the page")
        times = sorted(request(port, "/district", bureau)[0] * 1000 for _ in range(5))
        print(f"\nThe bureau's district page ({args.schools} schools): median {statistics.median(times):.0f} ms, max {times[-1]:.0f} ms")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


if __name__ == "__main__":
    main()
