"""officepass HTTP benchmark on PostgreSQL (`make bench`; run from the repository root).

What it does, in order (every process it starts is stopped again by PID, also on Ctrl-C,
on error and when the time budget runs out):

 1. starts its own Redis and Mosquitto (BENCH_PORT_BASE + 79 / + 83, temporary directories);
 2. drops and recreates the database BENCH_DB_NAME (default `officepass_bench`) on BENCH_PG
    (default 127.0.0.1:5432, user postgres), runs `manage.py migrate`, bulk-loads 1,000
    offices (2 spaces each, quota 2, unit 120 min, open 24 h) and 100,000 corporate postpaid
    members with pre-made API tokens (benchmarks/seed.py);
 3. starts the web server as the Procfile does (`make run`, production): gunicorn with uvicorn
    workers, one ASGI server for the API and the event streams; and `manage.py worker
    --interval 0.5`; all with REDIS_URL;
 4. measures GET /api/v1/availability (1 and 10 office ids) and GET /api/v1/offices?lat&lng
    at 1,000 offices, loads 9,000 more offices, measures again at 10,000;
 5. event-stream fan-out: 1,000 open streams, one check-in per round, time until every
    stream has the change (benchmarks/sse.py);
 6. check-in throughput: phase A closed loop at fixed concurrency (max rate), phase B
    open loop paced at half of A's rate, with no event stream open and with STREAMS streams
    open on the same server (each watching one office, as an office page does), as four
    segments in the order none, streams, streams, none, each condition pooling its two;
    each request a distinct member into a free seat;
 7. space_full refusals (the path that answers with nearby offices);
 8. forced-checkout lag: stays inserted with deadlines seconds away, polled until the
    worker marks them forced_out;
 9. unlock latency through the MQTT driver and the run's Mosquitto (benchmarks/unlock_mqtt.py);
10. queries per request (Django test client in-process) and a seat-counter check;
11. pretix side by side (benchmarks/pretix/side.py): check-in redeem and quota availability
    at the same concurrency, and the ratios;
12. peak memory (VmHWM) of every process; prints the tables and writes them as markdown to
    benchmarks/RESULTS.md (BENCH_SCALE=small: benchmarks/out/RESULTS-small.md).

BENCH_SCALE=small runs the same on 1,000 offices, 6,000 members, 200 streams, short phases.
Options: --workers, --clients, --concurrency, --duration, --quick (shorter phases), --no-pretix.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, so benchmarks/ is on sys.path but the repository root is not.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    DEFAULT_WORKERS,
    OFFICES_LARGE,
    OFFICES_SMALL,
    OUT,
    ROOT,
    SCALE,
    SMALL,
    T0,
    log,
)
from benchmarks.infra import RssWatch, start_infra
from benchmarks.machine import machine_info
from benchmarks.measure import Ctx
from benchmarks.phases import (
    checkin_phases,
    fill_space,
    grow_offices,
    lag_phases,
    migrate,
    profile_and_check,
    read_phases,
    recreate_database,
    refusal_phase,
    seed_data,
    start_servers,
)
from benchmarks.pretix.side import pretix_side_by_side
from benchmarks.procs import EXTRA_ENV, finish, stop_all
from benchmarks.report import render_markdown, render_text, tables
from benchmarks.scaleout import sse_phase, unlock_phase


class Budget(Exception):
    """The whole run took longer than its time budget."""


def on_alarm(signum: int, frame: Any) -> None:
    raise Budget("time budget exhausted")


def on_term(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help="web server processes (gunicorn + uvicorn workers; see DEFAULT_WORKERS)",
    )
    parser.add_argument("--clients", type=int, default=1, help="load processes for check-ins")
    parser.add_argument("--concurrency", type=int, default=16, help="phase A in-flight requests")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of phase A / B")
    parser.add_argument("--read-duration", type=float, default=6.0, help="seconds per read case")
    parser.add_argument("--read-concurrency", type=int, default=4)
    parser.add_argument("--budget", type=int, default=590, help="abort after this many seconds")
    parser.add_argument("--quick", action="store_true", help="short phases (development)")
    parser.add_argument(
        "--worker-class",
        default="gthread",
        choices=("sync", "gthread"),
        help="pretix's gunicorn worker class (pretix is a WSGI app): gthread keeps connections "
        "alive; sync closes each and, since gunicorn 27, waits for the client's FIN",
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per pretix worker")
    parser.add_argument(
        "--db-pool",
        type=int,
        default=0,
        help="DB_POOL_MAX_SIZE for our servers (psycopg pool per process; 0: a persistent "
        "connection per thread, as the Procfile runs)",
    )
    parser.add_argument("--no-pretix", action="store_true", help="skip pretix side by side")
    args = parser.parse_args()
    if args.quick or SMALL:
        args.duration, args.read_duration = 8.0, 3.0
    return args


def prepare(args: argparse.Namespace) -> None:
    """Fresh logs, and signals that unwind through `main` so every process is stopped."""
    os.chdir(ROOT)
    OUT.mkdir(parents=True, exist_ok=True)
    names = ("worker.log", "load.log", "access.log", "streams.log", "redis.log")
    for name in (*names, "mosquitto.log", "pretix.log"):
        (OUT / name).write_text("")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.alarm(args.budget)


def run_steps(ctx: Ctx, rng: random.Random, rss: RssWatch) -> None:
    ctx.info.update(machine_info())
    log(f"machine: {ctx.info['machine']}; load average {ctx.info['load average at start']}")
    log(f"BENCH_SCALE={SCALE}")
    start_infra(ctx.commands)
    if ctx.args.db_pool:
        EXTRA_ENV["DB_POOL_MAX_SIZE"] = str(ctx.args.db_pool)
        ctx.commands.append(f"DB_POOL_MAX_SIZE={ctx.args.db_pool} for every officepass process")
    rss.thread.start()
    recreate_database(ctx)
    migrate(ctx)
    seed_data(ctx)
    start_servers(ctx)
    read_phases(ctx, OFFICES_SMALL, rng)
    full_code = fill_space(ctx)
    refusal_phase(ctx, full_code, OFFICES_SMALL)
    grow_offices(ctx)
    read_phases(ctx, OFFICES_LARGE, rng)
    assert ctx.gunicorn is not None
    sse_phase(ctx, {ctx.gunicorn.proc.pid} | ctx.gunicorn.children)
    checkin_phases(ctx, rng)
    refusal_phase(ctx, full_code, OFFICES_LARGE)
    ctx.commands.append(
        f".venv/bin/python benchmarks/load.py JOB RESULT  (× {ctx.args.clients} "
        "for check-ins; jobs in benchmarks/out/jobs/)"
    )
    lag_phases(ctx)
    ctx.commands.append(
        ".venv/bin/python benchmarks/seed.py lag --count 200 --lead 3 "
        "--spread 5|0  (inserts stays, polls until forced_out)"
    )
    unlock_phase(ctx)
    # The worker is stopped so that it does not write while queries are counted.
    assert ctx.worker is not None
    rss.sample()
    finish(ctx.worker)
    profile_and_check(ctx, rng)
    if not ctx.args.no_pretix:
        pretix_side_by_side(ctx)
    rss.sample()


def write_report(ctx: Ctx) -> None:
    ctx.timings["total"] = time.monotonic() - T0
    sections = tables(ctx)
    print(render_text(sections))
    markdown = render_markdown(sections)
    (OUT / "latest.md").write_text(markdown)
    # The full run's table is the one kept in the repository; small runs stay in out/.
    target = ROOT / "benchmarks" / ("RESULTS.md" if not SMALL else "out/RESULTS-small.md")
    target.write_text(markdown)
    log(f"wrote {OUT / 'latest.md'} and {target}")


def main() -> int:
    args = parse_args()
    prepare(args)
    ctx = Ctx(args=args, secret=secrets.token_hex(6))
    rng = random.Random(20260101)
    rss = RssWatch()
    try:
        run_steps(ctx, rng, rss)
    except KeyboardInterrupt:
        print("interrupted; stopping what was started", file=sys.stderr)
        return 130
    except Budget:
        print(
            f"time budget of {args.budget}s exhausted; stopping what was started", file=sys.stderr
        )
        return 2
    finally:
        signal.alarm(0)
        rss.stop.set()
        ctx.rss = rss.rows()
        stop_all()
    write_report(ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
