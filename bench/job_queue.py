"""Benchmark: the job queue. Run by hand:  .venv/bin/python bench/job_queue.py [--queue redis://127.0.0.1:6379/14] [--jobs 2000]

(Not bench/queue.py: a file of that name in bench/ would hide the standard library's queue module from every other
script here, which psycopg and redis import.)

1. Jobs per second: N empty jobs through the queue (the embedded SQLite file, or the Redis given) and a worker of two
   threads in this process, from the first enqueue to the last job run.
2. A burst of 100 damage reports within a minute, with a WeCom group robot (a local server that takes 20 messages a
   minute, as the real one does): the time from each report's commit to the message naming it leaving tagsvc
   (the robot's receipt), p50 and p99, and the messages the robot took in its busiest minute.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tagsvc.jobs import huey  # noqa: E402  (after the path)

_done = threading.Semaphore(0)


@huey.task()
def empty_job() -> None:
    _done.release()


class Robot:
    """A WeCom group robot on this machine: 20 messages a minute, then errcode 45009."""

    def __init__(self) -> None:
        self.received: list[tuple[float, str]] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                now = time.time()
                recent = [t for t, _ in robot.received if t > now - 60]
                answer = {"errcode": 45009, "errmsg": "api freq out of limit"} if len(recent) >= 20 else {"errcode": 0}
                if not answer["errcode"]:
                    robot.received.append((now, body["markdown"]["content"]))
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", default="", help="a redis:// address (default: the embedded SQLite queue)")
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()

    from tagsvc import create_app
    from tagsvc.accounts.models import Role
    from tagsvc.channels.services import add_channel
    from tagsvc.database import upgrade_database
    from tagsvc.extensions import db
    from tagsvc.jobs import start_worker, use_storage_of
    from tagsvc.repairs.models import DamageKind
    from tagsvc.repairs.services import submit_report
    from tests.factories import make_asset, make_user

    workdir = Path(tempfile.mkdtemp(prefix="tagsvc-queue-"))
    url = os.environ.get("TAGSVC_BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URL": url, "PUBLIC_BASE_URL": "https://tags.example.edu", "QUEUE_URL": args.queue,
                      "QUEUE_FILE": str(workdir / "queue.sqlite3"), "UPLOAD_DIR": workdir / "uploads", "DEFAULT_LANGUAGE": "zh"})
    with app.app_context():
        upgrade_database(db.engine)
        use_storage_of(app)
        huey.storage.flush_queue()
        where = args.queue or "the embedded SQLite queue"

        started = time.perf_counter()
        for _ in range(args.jobs):
            empty_job()
        enqueued = time.perf_counter() - started
        consumer = start_worker(app, workers=2)
        for _ in range(args.jobs):
            _done.acquire()
        total = time.perf_counter() - started
        print(f"{args.jobs:,} empty jobs through {where}: enqueued at {args.jobs / enqueued:,.0f}/s, "
              f"run at {args.jobs / total:,.0f} jobs/s (from the first enqueue to the last job)", flush=True)

        robot = Robot()
        office = make_user(Role.ADMIN)
        add_channel(office, "后勤处群", "wecom", robot.url, ["damage_reported"], quiet_from=0, quiet_until=0)
        assets = [make_asset(asset_number=f"BQ-{n:04d}") for n in range(100)]
        reported_at = {}
        burst_started = time.time()
        for n, asset in enumerate(assets):
            submit_report(None, asset.current_tag.code, DamageKind.BROKEN, "坏了", client_hash=f"phone-{n}")
            reported_at[asset.asset_number] = time.time()
            time.sleep(max(0.0, burst_started + n * 0.5 - time.time()))  # 100 reports in 50 seconds
        deadline = time.time() + 240
        latencies = {}
        while time.time() < deadline and len(latencies) < len(assets):
            for at, content in list(robot.received):
                for number in re.findall(r"BQ-\d{4}", content):
                    latencies.setdefault(number, at - reported_at[number])
            time.sleep(0.5)
        consumer.stop(graceful=True)
        times = sorted(latencies.values())
        busiest = max(sum(1 for t, _ in robot.received if start <= t < start + 60) for start, _ in robot.received)
        print(f"100 damage reports in 50 s: {len(latencies)} reached the robot in {len(robot.received)} messages "
              f"(busiest minute {busiest}); from report to message p50 {statistics.median(times):.1f} s, "
              f"p99 {times[int(len(times) * 0.99) - 1]:.1f} s, slowest {times[-1]:.1f} s", flush=True)


if __name__ == "__main__":
    main()
