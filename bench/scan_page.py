"""Benchmark: the scan page and the asset search with 100,000 assets, under concurrent load.

Run by hand:  .venv/bin/python bench/scan_page.py [--assets 100000] [--clients 8] [--seconds 10]
It builds its own database (SQLite in a temporary folder, or TAGSVC_BENCH_DATABASE_URL), starts gunicorn as
production would, and prints requests per second and median / 99th-percentile latency for each route,
beside a minimal Flask route on the same server. Budgets (issue 2): scan page >= half the baseline's
throughput with p99 < 50 ms; search answers in under 100 ms. The signed-in scan page, with the banner of a
stocktake of the whole school (issue 10): >= 30% of the baseline, p99 < 50 ms. The JSON API (issue 9): the tag lookup >= half the
baseline's throughput; a page of the asset list p99 < 100 ms. The API's request limits are raised for the run
(one client address, one token), so what is measured includes counting each request, not refusing it.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed(database_url: str, asset_count: int) -> tuple[list[str], str, list[str]]:
    """A demo school's structure, then asset_count assets with tags and a ledger event each, inserted in bulk."""
    from sqlalchemy import create_engine, insert, select

    from tagsvc import create_app
    from tagsvc.assets.models import Asset
    from tagsvc.database import upgrade_database
    from tagsvc.demo.services import load_demo_data
    from tagsvc.extensions import db
    from tagsvc.ledger.models import LedgerEvent
    from tagsvc.tags.models import Tag
    from tagsvc.tags.services import new_tag_code

    upgrade_database(create_engine(database_url))
    app = create_app({"SQLALCHEMY_DATABASE_URL": database_url})
    with app.app_context():
        load_demo_data(asset_count=300)
        templates = db.session.execute(
            select(Asset.name, Asset.category_id, Asset.department_id, Asset.location_id, Asset.brand, Asset.model)
        ).all()
        now = datetime.now(UTC)
        codes: list[str] = list(db.session.scalars(select(Tag.code)))
        next_id = (db.session.scalar(select(Asset.id).order_by(Asset.id.desc()).limit(1)) or 0) + 1
        batch = 5000
        for start in range(300, asset_count, batch):
            rows, tags, events = [], [], []
            for i in range(start, min(start + batch, asset_count)):
                t = random.choice(templates)
                asset_id = next_id
                next_id += 1
                rows.append(dict(id=asset_id, asset_number=f"BN-{i:07d}", name=t.name, category_id=t.category_id, department_id=t.department_id,
                                 location_id=t.location_id, brand=t.brand, model=t.model, serial_number="", custodian_name="赵老师",
                                 custodian_phone="", status="in_use", condition="good", supplier="", invoice_number="", notes="",
                                 photo="", created_at=now, updated_at=now))
                code = new_tag_code()
                codes.append(code)
                tags.append(dict(code=code, asset_id=asset_id, issued_at=now))
                events.append(dict(asset_id=asset_id, at=now, actor_name="bench", action="created", changes={}, note=""))
            db.session.execute(insert(Asset), rows)
            db.session.execute(insert(Tag), tags)
            db.session.execute(insert(LedgerEvent), events)
            db.session.commit()
        # The signed-in page as keepers meet it during a stocktake: every item expected, so every page has the banner.
        from tagsvc.accounts.models import User
        from tagsvc.stocktake.services import Scope, close_stocktake, keepers_of_scope, open_stocktake, stocktakes_for

        admin = db.session.scalar(select(User).where(User.username == "admin"))
        for demo in stocktakes_for(admin):  # the demo school's own stocktake holds some of the assets
            close_stocktake(admin, demo.id)
        open_stocktake(admin, "bench", Scope(), assignments=keepers_of_scope(Scope()))
        from tagsvc.api.tokens import create_token_for

        token = create_token_for("admin", "bench")[1]
        from tagsvc.assets.api import _cursor_of

        # Cursors as a program walking the list by next_cursor would hold them, spread over the whole list.
        rows = db.session.execute(select(Asset.asset_number, Asset.id).order_by(Asset.id)).all()
        cursors = [_cursor_of("number", {"asset_number": n, "id": i}) for n, i in random.Random(2).sample(rows, 200)]
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does shortly after a real import (PostgreSQL 13+ vacuums after inserts too): without
            # statistics the planner guesses, and without the visibility map a count cannot use an index-only scan.
            # As the tables' owner, as autovacuum is: the app's own connections act as tagsvc_app, which may not.
            owner = create_engine(database_url, isolation_level="AUTOCOMMIT")
            with owner.connect() as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            owner.dispose()
    return codes, token, cursors


@contextlib.contextmanager
def production_server(database_url: str, workdir: Path, workers: int = 4, **settings: str):
    """gunicorn serving the app as production would, on a free port, until the block ends; yields the port. `settings`:
    more TAGSVC_ environment variables (limits raised for a benchmark, say)."""
    port = free_port()
    env = {**os.environ, "TAGSVC_ENV": "production", "TAGSVC_DATABASE_URL": database_url, "TAGSVC_SECRET_KEY": "b" * 40,
           "TAGSVC_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "TAGSVC_INSTANCE_DIR": str(workdir),
           **{f"TAGSVC_{name}": value for name, value in settings.items()}}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "bench.bench_app:app"], cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=open(workdir / "gunicorn.log", "w"))
    try:
        wait_until_serving(port)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


def wait_until_serving(port: int) -> None:
    for _ in range(100):
        try:
            request(port, "/bench/baseline")
            return
        except OSError:
            time.sleep(0.1)


def empty_database(database_url: str) -> None:
    """PostgreSQL: the public schema dropped and made again (a benchmark's database is its own)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, path: str, cookie: str = "") -> tuple[float, int]:
    """GET path; `cookie` is a session cookie, or "Bearer <token>" for the API."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    credentials = {"Authorization": cookie} if cookie.startswith("Bearer ") else {"Cookie": cookie} if cookie else {}
    conn.request("GET", path, headers={"Accept-Encoding": "gzip", "Accept-Language": "zh-CN", **credentials})
    response = conn.getresponse()
    response.read()
    conn.close()
    return time.perf_counter() - started, response.status


def _client(args) -> list[float]:
    port, paths, cookie, seconds, seed_value = args
    rng = random.Random(seed_value)
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        elapsed, status = request(port, rng.choice(paths), cookie)
        if status not in (200, 302):  # a search for an exact label code redirects to the asset
            raise SystemExit(f"unexpected HTTP {status}")
        latencies.append(elapsed)
    return latencies


def load(port: int, paths: list[str], clients: int, seconds: float, cookie: str = "") -> dict:
    with multiprocessing.Pool(clients) as pool:
        results = pool.map(_client, [(port, paths, cookie, seconds, i) for i in range(clients)])
    latencies = sorted(x for r in results for x in r)
    return {
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "n": len(latencies),
    }


def sign_in(port: int, username: str = "admin") -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    body = f"csrf_token={token}&username={username}&password=tagsvc-demo"
    conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    assert response.status == 302, "sign-in failed"
    # Every cookie the sign-in set, as a browser sends them back (the session's is not the only one, nor the first).
    return "; ".join(header.split(";")[0] for header in response.headers.get_all("Set-Cookie"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (more than 1: gunicorn's gthread workers)")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--only", default="", help="run only the routes whose label contains this text (and the baseline)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="tagsvc-bench-"))
    database_url = os.environ.get("TAGSVC_BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    print(f"Seeding {args.assets:,} assets into {database_url} ...", flush=True)
    started = time.perf_counter()
    codes, token, cursors = seed(database_url, args.assets)
    print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)

    port = free_port()
    env = {**os.environ, "TAGSVC_ENV": "production", "TAGSVC_DATABASE_URL": database_url, "TAGSVC_SECRET_KEY": "b" * 40,
           "TAGSVC_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "TAGSVC_INSTANCE_DIR": str(workdir),
           "TAGSVC_API_RATE_LIMIT": "10000000/minute", "TAGSVC_API_ANONYMOUS_RATE_LIMIT": "10000000/minute"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(args.workers), "--threads", str(args.threads), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "bench.bench_app:app"],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=open(workdir / "gunicorn.log", "w"),
    )
    try:
        wait_until_serving(port)
        cookie, keeper_cookie = sign_in(port), sign_in(port, "keeper1")
        sample = random.Random(1).sample(codes, 2000)
        terms = ["投影", "课桌椅", "BN-00421", "电脑", "床", sample[0]]
        searches = [f"/assets?q={t}" for t in terms] + ["/assets?status=in_use&sort=-updated", "/assets?department=3&q=桌"]
        from urllib.parse import quote

        searches = [quote(p, safe="/?=&") for p in searches]
        pages = max(1, args.assets // 50)
        api_pages = [f"/api/v1/assets?page={random.Random(i).randint(1, pages)}&per_page=50" for i in range(200)] + [
            "/api/v1/assets?status=in_use&sort=-updated", "/api/v1/assets?department=3&sort=name&page=3", quote("/api/v1/assets?q=投影", safe="/?=&")]
        kind = f"gthread workers x {args.threads} threads" if args.threads > 1 else "sync workers"
        print(f"gunicorn {args.workers} {kind}, {args.clients} concurrent clients, {args.seconds:g} s each, {os.cpu_count()} cores")
        print(f"{'route':<34}{'req/s':>9}{'median ms':>11}{'p99 ms':>9}{'requests':>10}")
        results = {}
        for label, paths, cookie_for in [
            ("baseline: minimal Flask route", ["/bench/baseline"], ""),
            ("scan page, anonymous", [f"/t/{c}" for c in sample], ""),
            ("scan page, signed in", [f"/t/{c}" for c in sample], cookie),
            ("scan page, a keeper signed in", [f"/t/{c}" for c in sample], keeper_cookie),
            ("asset search, signed in", searches, cookie),
            ("API tag lookup, anonymous", [f"/api/v1/tags/{c}" for c in sample], ""),
            ("API tag lookup, token", [f"/api/v1/tags/{c}" for c in sample], f"Bearer {token}"),
            ("API asset list page, token", api_pages, f"Bearer {token}"),
            ("API asset list by cursor, token", [f"/api/v1/assets?per_page=50&cursor={c}" for c in cursors], f"Bearer {token}"),
        ]:
            if args.only and args.only not in label and not label.startswith("baseline"):
                continue
            load(port, paths[:50], 2, 1, cookie_for)  # warm up
            r = results[label] = load(port, paths, args.clients, args.seconds, cookie_for)
            print(f"{label:<34}{r['rps']:>9.0f}{r['p50']:>11.1f}{r['p99']:>9.1f}{r['n']:>10}", flush=True)
        if args.only:
            base = results["baseline: minimal Flask route"]
            for label, r in results.items():
                print(f"{label}: {r['rps'] / base['rps']:.0%} of the baseline, p99 {r['p99']:.1f} ms")
            return
        print("\nSearch, one client at a time (what a person waits for):")
        for path in searches:
            times = sorted(request(port, path, cookie)[0] * 1000 for _ in range(20))
            print(f"  {path:<58} median {statistics.median(times):6.1f} ms  max {times[-1]:6.1f} ms")
        base, scan = results["baseline: minimal Flask route"], results["scan page, anonymous"]
        print(f"\nScan page throughput = {scan['rps'] / base['rps']:.0%} of the baseline (budget >= 50%); p99 {scan['p99']:.1f} ms (budget < 50 ms)")
        for who, staff in (("office", results["scan page, signed in"]), ("a keeper", results["scan page, a keeper signed in"])):
            print(f"Signed-in scan page ({who}, stocktake banner) = {staff['rps'] / base['rps']:.0%} of the baseline (budget >= 30%); "
                  f"p99 {staff['p99']:.1f} ms (budget < 50 ms)")
        lookup, listing, walking = (results[k] for k in ("API tag lookup, anonymous", "API asset list page, token", "API asset list by cursor, token"))
        print(f"API tag lookup = {lookup['rps'] / base['rps']:.0%} of the baseline (budget >= 50%); API asset list p99 "
              f"{listing['p99']:.1f} ms by page number, {walking['p99']:.1f} ms by cursor (budget < 100 ms)")
        print("\nAPI asset list, one client at a time:")
        for label, path in (("page 1", api_pages[0].split("?")[0] + "?page=1"), ("page 1,000 of 2,000", "/api/v1/assets?page=1000"),
                            ("by cursor, deep in the list", f"/api/v1/assets?cursor={cursors[0]}")):
            times = sorted(request(port, path, f"Bearer {token}")[0] * 1000 for _ in range(40))
            print(f"  {label:<30} median {statistics.median(times):6.1f} ms  p99 {times[-1]:6.1f} ms")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()


if __name__ == "__main__":
    main()
