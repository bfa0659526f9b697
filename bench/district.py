"""Benchmark: a school's pages in a district of many schools, against the same pages in an installation of one school,
both measured in the same run.

Run by hand (PostgreSQL: createdb bench, then TAGSVC_BENCH_DATABASE_URL=postgresql+psycopg://…/bench; the one-school
installation goes into bench_one, made when missing):
  .venv/bin/python bench/district.py                        # 100 schools of 10,000 assets: 1,000,000 assets
  .venv/bin/python bench/district.py --measure-only         # the district seeded by an earlier run: measure again
It builds the district (each school the demo school's structure and people, s7-admin…, then its assets with a label
and a ledger line each, inserted in bulk) and an installation of one such school, starts gunicorn as production
would for each in turn, signs in as the office of the middle school and prints median / 99th-percentile latency per
page; the asset search under 8 clients; the education bureau's district page; and stocktake confirmations per second
in the middle school (8 phones, batches of 50) while another school imports a 10,000-row register. The last column
is the district's figure over the one school's (issue 22: no slower, 1.0). Budgets: scan page p99 < 50 ms, search p99
< 100 ms under 8 clients, district page < 1 s, >= 500 confirmations/s.
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

from bench.scan_page import empty_database, free_port, load, request, sign_in, wait_until_serving  # noqa: E402


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

    empty_database(database_url)
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
                # SQLite numbers a new row after the largest id: the next school's demo assets follow the bulk ones.
                next_id = max(next_id, db.session.execute(text("SELECT max(id) FROM asset")).scalar() or 0)
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
    from sqlalchemy import select, update

    from tagsvc.api.models import ApiToken
    from tagsvc import create_app
    from tagsvc.api.tokens import create_token_for
    from tagsvc.extensions import db
    from tagsvc.schools.wall import use_school
    from tagsvc.tags.models import Tag

    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url})
    with app.app_context(), use_school(middle):
        codes = list(db.session.scalars(select(Tag.code)))
        # Each run makes its office nine tokens (a person may hold twenty): the earlier runs' are revoked.
        db.session.execute(update(ApiToken).where(ApiToken.revoked_at.is_(None)).values(revoked_at=datetime.now(UTC)))
        db.session.commit()
        token = create_token_for("s1-admin" if middle == 1 else f"s{middle}-admin", "bench")[1]
    return {middle: codes}, token


def one_school_url(database_url: str, workdir: Path) -> str:
    """The one-school installation's database beside the district's (bench → bench_one), made when missing."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{workdir / 'one.db'}"
    from sqlalchemy import create_engine, text

    base, _, name = database_url.rpartition("/")
    server = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": f"{name}_one"}).first() is None:
            connection.execute(text(f'CREATE DATABASE "{name}_one"'))
    server.dispose()
    return f"{base}/{name}_one"


def open_bench_stocktake(database_url: str, middle: int) -> tuple[int, list[tuple[str, int]], list[int], list[str]]:
    """A stocktake of the whole middle school (earlier runs' closed first); its items' codes and rooms, tokens."""
    from sqlalchemy import select

    from tagsvc import create_app
    from tagsvc.accounts.models import User
    from tagsvc.api.tokens import create_token
    from tagsvc.extensions import db
    from tagsvc.schools.wall import use_school
    from tagsvc.stocktake.models import StocktakeItem
    from tagsvc.stocktake.services import Scope, close_stocktake, open_stocktake, stocktakes_for
    from tagsvc.structure.models import Location
    from tagsvc.tags.models import Tag

    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url})
    with app.app_context(), use_school(middle):
        office = db.session.scalar(select(User).where(User.username == ("s1-admin" if middle == 1 else f"s{middle}-admin")))
        for earlier in stocktakes_for(office):
            if earlier.is_open:
                close_stocktake(office, earlier.id, pending_override=0)
        stocktake = open_stocktake(office, f"bench {time.time():.0f}", Scope())
        items = db.session.execute(
            select(Tag.code, StocktakeItem.expected_location_id).join(Tag, (Tag.asset_id == StocktakeItem.asset_id) & Tag.retired_at.is_(None))
            .where(StocktakeItem.stocktake_id == stocktake.id)).all()
        rooms = list(db.session.scalars(select(Location.id)))
        tokens = [create_token(office, f"phone {n} {time.time():.0f}")[1] for n in range(8)]
        return stocktake.id, [tuple(i) for i in items], rooms, tokens


def confirmations_while_importing(port: int, database_url: str, env: dict, middle: int, importing: int, workdir: Path) -> tuple[float, float]:
    """8 phones confirm the middle school's items as fast as answered while another school's office imports a
    10,000-row register (the import command, its own process). Returns (confirmations/s, the import's seconds)."""
    import multiprocessing

    from bench.stocktake import _phone
    from tests.spreadsheets.files import ledger_rows, ledger_xlsx

    stocktake_id, items, rooms, tokens = open_bench_stocktake(database_url, middle)
    register = workdir / f"register-{time.time():.0f}.xlsx"
    register.write_bytes(ledger_xlsx(ledger_rows(10_000, start=random.randrange(1_000_000, 9_000_000, 10_000))))
    shares = [items[n::8] for n in range(8)]
    school = "s1" if importing == 1 else f"s{importing}"
    started_import = time.perf_counter()
    importer = subprocess.Popen([str(Path(sys.executable).parent / "tagsvc"), "import-register", str(register), "--school", school],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(workdir / "import.log", "w"))
    time.sleep(2)  # past reading the file: the import is writing when the phones start
    started = time.perf_counter()
    with multiprocessing.Pool(8) as pool:
        pool.map(_phone, [(port, stocktake_id, share, rooms, tokens[n], 50, n, 0.0) for n, share in enumerate(shares)])
    rate = len(items) / (time.perf_counter() - started)
    if importer.wait() != 0:
        raise SystemExit(f"the import failed: see {workdir / 'import.log'}")
    return rate, time.perf_counter() - started_import


def measure(database_url: str, schools: int, middle: int, codes: list[str], token: str, args, workdir: Path) -> dict[str, dict]:
    """Every figure of one installation, from its own gunicorn."""
    from urllib.parse import quote

    port = free_port()
    env = {**os.environ, "TAGSVC_ENV": "production", "TAGSVC_DATABASE_URL": database_url, "TAGSVC_SECRET_KEY": "b" * 40,
           "TAGSVC_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "TAGSVC_INSTANCE_DIR": str(workdir),
           "TAGSVC_API_RATE_LIMIT": "10000000/minute", "TAGSVC_API_MAX_BODY_KB": "1024", "TAGSVC_IMPORT_MAX_MB": "100"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "bench.bench_app:app"], cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=open(workdir / "gunicorn.log", "w"))
    figures: dict[str, dict] = {}
    try:
        wait_until_serving(port)
        cookie = sign_in(port, "s1-admin" if middle == 1 else f"s{middle}-admin")
        scanned = random.Random(1).sample(codes, 500)
        pages = [
            ("scan page, anonymous", [f"/t/{c}" for c in scanned], "", args.clients),
            ("scan page, signed in", [f"/t/{c}" for c in scanned], cookie, args.clients),
            ("asset list", ["/assets", "/assets?page=40", "/assets?status=in_use&sort=-updated"], cookie, args.clients),
            ("asset search, 8 clients", [quote(p, safe="/?=&") for p in ("/assets?q=投影", "/assets?q=BN-00042", "/assets?q=课桌椅")], cookie, 8),
            ("start page and 待我处理", ["/", "/approvals"], cookie, args.clients),
            ("repairs, stocktakes, transfers", ["/repairs", "/stocktakes", "/transfers", "/disposals"], cookie, args.clients),
            ("register summary", ["/reports"], cookie, args.clients),
            ("API asset list", ["/api/v1/assets?page=3&per_page=50", "/api/v1/assets?status=in_use&sort=-updated"], f"Bearer {token}", args.clients),
        ]
        for label, paths, credentials, clients in pages:
            for path in paths[:5]:
                status = request(port, path, credentials)[1]
                if status != 200:  # a redirect to the sign-in page would be fast and measure nothing
                    raise SystemExit(f"{path}: HTTP {status}")
            load(port, paths, 2, 1, credentials)  # warm up
            figures[label] = load(port, paths, clients, args.seconds, credentials)
            print(f"  {label:<32}{figures[label]['p50']:>8.1f} ms median{figures[label]['p99']:>8.1f} ms p99", flush=True)
        bureau = sign_in(port, "district")
        if request(port, "/district", bureau)[1] != 200:
            raise SystemExit("/district: not the page")
        times = sorted(request(port, "/district", bureau)[0] * 1000 for _ in range(5))
        figures["district page"] = {"p50": statistics.median(times), "p99": times[-1]}
        print(f"  the bureau's district page      {figures['district page']['p50']:>8.0f} ms median{times[-1]:>8.0f} ms max", flush=True)
        rate, imported = confirmations_while_importing(port, database_url, env, middle, schools if schools > 1 else 1, workdir)
        figures["confirmations"] = {"rate": rate, "import": imported}
        print(f"  stocktake confirmations         {rate:>8.0f} /s, while a 10,000-row import took {imported:.0f} s", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument("--assets", type=int, default=10_000, help="each school's")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--measure-only", action="store_true", help="the district seeded by an earlier run: measure again (the one school is seeded anew, in seconds)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tagsvc-bench-"))
    district_url = os.environ.get("TAGSVC_BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    one_url = one_school_url(district_url, workdir)
    middle = max(1, (args.schools + 1) // 2)  # neither the first school nor the last: in the middle of the tables
    installations = [("one school", one_url, 1, 1), (f"{args.schools} schools", district_url, args.schools, middle)]
    results = {}
    for name, url, schools, school in installations:
        started = time.perf_counter()
        if args.measure_only and schools > 1:  # the one school is seeded again: its last run imported 10,000 rows into it
            codes_of, token = seeded(url, school)
        else:
            print(f"Seeding {schools} school(s) of {args.assets:,} assets into {url} ...", flush=True)
            codes_of, token = seed(url, schools, args.assets)
            print(f"  seeded in {time.perf_counter() - started:.0f} s", flush=True)
        print(f"{name} ({schools * args.assets:,} assets), as the office of school {school}; gunicorn 4 workers, {args.clients} clients, "
              f"{args.seconds:g} s each, {os.cpu_count()} cores", flush=True)
        results[name] = measure(url, schools, school, codes_of[school], token, args, workdir)

    one, district = results["one school"], results[f"{args.schools} schools"]
    print(f"\n{'figure':<34}{'one school':>16}{f'{args.schools} schools':>16}{'ratio':>8}")
    for label in one:
        if label == "confirmations":
            a, b = one[label]["rate"], district[label]["rate"]
            print(f"{'confirmations/s during an import':<34}{a:>16.0f}{b:>16.0f}{a / b:>8.2f}")
            continue
        a, b = one[label]["p99"], district[label]["p99"]
        print(f"{label + ' (p99 ms)':<34}{a:>16.1f}{b:>16.1f}{b / a:>8.2f}")
    print("(ratio: the district's over the one school's; above 1 is slower. For confirmations: one school's rate over the district's.)")


if __name__ == "__main__":
    main()
