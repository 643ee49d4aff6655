"""The steps of a run: database and servers, then each measurement (see run.py's docstring)."""

from __future__ import annotations

import contextlib
import json
import random
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg

from benchmarks.common import (
    ACCESS_LOG,
    BIN,
    CHECKIN_MEMBERS,
    DATABASE_URL,
    DB_NAME,
    FILL_MEMBERS,
    LAG_BURST_MEMBERS,
    LAG_SPREAD_MEMBERS,
    LAG_STAYS,
    MEMBERS,
    OFFICES_LARGE,
    OFFICES_SMALL,
    OUT,
    PG,
    PORT_WEB,
    PROFILE_MEMBER,
    PYTHON,
    REFUSAL_MEMBERS,
    ROOT,
    STREAMS,
    T0,
    log,
)
from benchmarks.machine import postgres_facts
from benchmarks.measure import Ctx, Phase, load, pct, pool, record, report_phase
from benchmarks.procs import (
    Started,
    children_of,
    finish,
    run_checked,
    seed,
    start,
    wait_answering,
)
from benchmarks.scaleout import SSE_ROUNDS, pyspy_start, pyspy_summary

# ---------------------------------------------------------------- database


def recreate_database(ctx: Ctx) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
        ctx.info.update(postgres_facts(conn))
    ctx.commands.append(
        f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE); "
        f"CREATE DATABASE {DB_NAME}  (psycopg, {PG}/postgres)"
    )


def checkpoint(ctx: Ctx, before: str) -> None:
    """`CHECKPOINT` on the bench's PostgreSQL before the check-in phases, as pgbench's guide
    advises: the loads before them leave no dirty pages, and no timed checkpoint falls due
    within their minutes (checkpoint_timeout counts from this one). A checkpoint inside a
    phase spreads its writes over it, ahead of the commits' WAL flushes (it covered both of
    phase B's halves on 2026-12-03). It comes before the warm-up, not between phases: the
    first change to each page after a checkpoint writes the whole page to the WAL, and one
    right before phase B made that phase's first second its slowest (p99 343 ms)."""
    started = time.monotonic()
    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute("CHECKPOINT")
    log(f"CHECKPOINT before {before}: {time.monotonic() - started:.1f}s")
    ctx.commands.append(f"CHECKPOINT  (psycopg, before {before} and their warm-up)")


def migrate(ctx: Ctx) -> None:
    t = time.monotonic()
    run_checked([PYTHON, "manage.py", "migrate", "--noinput"], 180, "migrate")
    ctx.timings["migrate"] = time.monotonic() - t
    ctx.commands.append(f"DATABASE_URL={DATABASE_URL} .venv/bin/python manage.py migrate --noinput")
    log(f"migrated in {ctx.timings['migrate']:.1f}s")


def seed_offices(ctx: Ctx, first: int, count: int, codes: Path) -> dict[str, Any]:
    """Offices first..first+count-1; their door codes are added to `ctx.codes`."""
    result = seed("offices", "--start", str(first), "--count", str(count), "--codes", str(codes))
    ctx.codes += json.loads(codes.read_text())
    return result


def seed_data(ctx: Ctx) -> None:
    """The first 1,000 offices and every member, then fresh planner statistics."""
    r = seed_offices(ctx, 0, OFFICES_SMALL, OUT / "codes-1.json")
    r2 = seed("members", "--count", str(MEMBERS), "--secret", ctx.secret)
    seed("analyze")
    ctx.commands.append(
        f".venv/bin/python benchmarks/seed.py offices --start 0 --count {OFFICES_SMALL}; "
        f"seed.py members --count {MEMBERS}; seed.py analyze"
    )
    ctx.timings["setup"] = time.monotonic() - T0
    log(f"seeded {r} {r2}")


def grow_offices(ctx: Ctx) -> None:
    """From 1,000 to 10,000 offices; the time counts as setup."""
    t = time.monotonic()
    r = seed_offices(ctx, OFFICES_SMALL, OFFICES_LARGE - OFFICES_SMALL, OUT / "codes-2.json")
    seed("analyze")
    ctx.commands.append(
        f".venv/bin/python benchmarks/seed.py offices --start {OFFICES_SMALL} "
        f"--count {OFFICES_LARGE - OFFICES_SMALL}; seed.py analyze"
    )
    ctx.timings["setup"] += time.monotonic() - t
    log(f"seeded {r}")


# ---------------------------------------------------------------- servers


def gunicorn_argv(ctx: Ctx) -> list[str]:
    """The Procfile's web line (what `make run` and production start): gunicorn with uvicorn
    workers, one ASGI server for pages, API and event streams. Each request's server time is
    the `duration_ms` of its request log line (LOG_FORMAT=json), written to ACCESS_LOG."""
    return [
        str(BIN / "gunicorn"),
        "config.asgi:application",
        "--worker-class",
        "uvicorn_worker.UvicornWorker",
        "-c",
        "python:officepass.ops.gunicorn_conf",
        "--bind",
        f"127.0.0.1:{ctx.port}",
        "--workers",
        str(ctx.args.workers),
        "--keep-alive",
        "5",
        "--timeout",
        "120",
        "--graceful-timeout",
        "5",
    ]


def start_servers(ctx: Ctx) -> None:
    ctx.port = PORT_WEB
    ctx.base_url = f"http://127.0.0.1:{ctx.port}"
    web = gunicorn_argv(ctx)
    worker = [PYTHON, "manage.py", "worker", "--interval", "0.5"]
    ctx.commands += [
        f"DATABASE_URL={DATABASE_URL} {shlex.join(argv).replace(str(ROOT) + '/', '')}"
        for argv in (web, worker)
    ]
    ctx.gunicorn = start("gunicorn", web, ACCESS_LOG)
    ctx.worker = start("worker", worker, OUT / "worker.log")
    wait_ready(ctx, (ctx.gunicorn, ctx.worker))
    # Every worker has imported the app and holds a DB connection before we measure.
    with httpx.Client(base_url=ctx.base_url, timeout=5) as client:
        for _ in range(ctx.args.workers * 10):
            client.get("/api/v1/availability?office_id=1")
    ctx.gunicorn.children = children_of(ctx.gunicorn.proc.pid)
    log(
        f"gunicorn + uvicorn workers (ASGI) on :{ctx.port} (pid {ctx.gunicorn.proc.pid}, workers "
        f"{sorted(ctx.gunicorn.children)}), worker pid {ctx.worker.proc.pid}"
    )


def wait_ready(ctx: Ctx, servers: tuple[Started, ...]) -> None:
    """Until gunicorn answers (60 s at most); fail at once if a server exits."""
    url = f"{ctx.base_url}/api/v1/availability?office_id=1"
    wait_answering(servers, url, seconds=60, name="gunicorn", log_dir=OUT)


# ---------------------------------------------------------------- reads


def read_paths(ctx: Ctx, n_offices: int, rng: random.Random) -> dict[str, list[str]]:
    offices = sorted({c["office"] for c in ctx.codes})[:n_offices]
    one = [f"/api/v1/availability?office_id={rng.choice(offices)}" for _ in range(5000)]
    ten = [
        "/api/v1/availability?" + "&".join(f"office_id={o}" for o in rng.sample(offices, 10))
        for _ in range(5000)
    ]
    points = [f"lat={rng.uniform(31, 43):.5f}&lng={rng.uniform(129, 145):.5f}" for _ in range(1000)]
    near = [f"/api/v1/offices?{point}" for point in points]
    nearby = [f"/api/v1/offices/nearby?{point}" for point in points]
    return {"one": one, "ten": ten, "near": near, "nearby": nearby}


def closed_phase(
    ctx: Ctx, name: str, kind: str, items: list[Any], ok: tuple[str, ...] = ("200", "201")
) -> None:
    """One load process at the read concurrency, for the read duration."""
    phase, _ = load(
        ctx,
        name,
        mode="closed",
        kind=kind,
        items=items,
        duration=ctx.args.read_duration,
        concurrency=ctx.args.read_concurrency,
        clients=1,
        ok=ok,
    )
    record(ctx, phase, f"closed loop, concurrency {ctx.args.read_concurrency}")


def read_phases(ctx: Ctx, n_offices: int, rng: random.Random) -> None:
    paths = read_paths(ctx, n_offices, rng)
    label = f"{n_offices:,} offices"
    cases = [
        ("one", f"GET /availability, 1 office_id — {label}"),
        ("ten", f"GET /availability, 10 office_ids — {label}"),
        ("near", f"GET /offices?lat&lng (nearest 50) — {label}"),
        ("nearby", f"GET /offices/nearby (nearest 50, light list) — {label}"),
    ]
    for key, name in cases:
        closed_phase(ctx, name, "get", paths[key])


# ---------------------------------------------------------------- check-ins

KEEP_FREE = LAG_STAYS + 100


def checkin_items(ctx: Ctx, rng: random.Random) -> list[list[str]]:
    """(member token, door code) pairs: each member once, each seat of each space at most once.

    Slots are every seat of every space (quota × spaces), shuffled, so check-ins spread over
    all offices and every request finds a free seat.
    """
    # ctx.codes[0] is the space kept full for the space_full phases.
    # The last SSE_ROUNDS spaces are the event-stream phase's (benchmarks/scaleout.py); the
    # KEEP_FREE before them stay empty for the forced-checkout and profile steps, which need
    # spaces nobody checked into (the check-in phases could otherwise take every seat).
    slots = [c["code"] for c in ctx.codes[1 : -(SSE_ROUNDS + KEEP_FREE)] for _ in range(c["quota"])]
    rng.shuffle(slots)
    return [[ctx.token(i), slots[i]] for i in range(min(CHECKIN_MEMBERS, len(slots)))]


def checkin_load(
    ctx: Ctx,
    name: str,
    items: list[list[str]],
    *,
    duration: float,
    concurrency: int,
    rate: float | None = None,
) -> Phase:
    """Check-ins from `--clients` load processes: paced (open loop) when `rate` is given."""
    phase, _ = load(
        ctx,
        name,
        mode="closed" if rate is None else "open",
        kind="checkin",
        items=items,
        duration=duration,
        concurrency=concurrency,
        clients=ctx.args.clients,
        rate=rate,
    )
    return phase


def checkin_phases(ctx: Ctx, rng: random.Random) -> None:
    """Warm-up, then A at the highest rate (closed loop), then B paced at half of A's rate."""
    args = ctx.args
    items = checkin_items(ctx, rng)
    n_warm = min(2000, len(items) // 10)
    checkpoint(ctx, "the check-in phases")
    warm = checkin_load(
        ctx, "check-in warm-up", items[0:n_warm], duration=3, concurrency=args.concurrency
    )
    report_phase(warm)
    budget_a = min(int(len(items) * 0.55), 16000)
    spy = pyspy_start(ctx, args.duration)
    phase_a = checkin_load(
        ctx,
        "POST /stays — A: max rate",
        items[n_warm : n_warm + budget_a],
        duration=args.duration,
        concurrency=args.concurrency,
    )
    record(ctx, phase_a, f"closed loop, concurrency {args.concurrency}, {args.clients} client proc")
    pyspy_summary(spy)
    checkin_phase_b(ctx, items, n_warm + budget_a, max(1.0, phase_a.rate / 2))


def checkin_phase_b(ctx: Ctx, items: list[list[str]], used: int, half: float) -> None:
    """The members A left over, paced at `half` check-ins/s, for at most `--duration` s with
    no event stream open and as long with STREAMS streams open on the same server.

    Each condition runs as two segments of half that time, in the order none, streams,
    streams, none (ABBA), and its row pools its two segments: a change in the host's speed
    during the phase (its steal, the disk's slow syncs) falls on both conditions alike
    instead of on whichever ran second, and a drift that is linear in time cancels."""
    each = (len(items) - used) // 4
    duration = min(ctx.args.duration, 2 * each / half * 0.95) / 2
    quiet_name = "POST /stays — B: 50% of A"
    held_name = f"POST /stays — B with {STREAMS:,} streams open"

    def segment(k: int, name: str) -> Phase:
        part = checkin_load(
            ctx,
            f"{name} (segment {k + 1} of 4)",
            items[used + k * each : used + (k + 1) * each],
            duration=duration,
            concurrency=256,
            rate=half,
        )
        report_phase(part)
        return part

    first = segment(0, quiet_name)
    with held_streams(ctx) as connected:
        second, third = segment(1, held_name), segment(2, held_name)
    fourth = segment(3, quiet_name)
    paced = f"open loop paced at {half:.0f}/s, latency from scheduled send"
    record(
        ctx, pool(quiet_name, [first, fourth]), f"{paced}; {segments_note((1, first), (4, fourth))}"
    )
    record(
        ctx,
        pool(held_name, [second, third]),
        f"{paced}; {connected:,} event streams open on the same server, each watching one "
        f"office; {segments_note((2, second), (3, third))}",
    )


def segments_note(*parts: tuple[int, Phase]) -> str:
    """Which of phase B's four segments a row pools, with each segment's p99."""
    numbers = " and ".join(str(number) for number, _ in parts)
    p99s = " / ".join(f"{part.p99:.1f}" for _, part in parts)
    seconds = parts[0][1].seconds
    return f"segments {numbers} of 4 (ABBA, {seconds:.0f} s each): p99 {p99s} ms"


@contextlib.contextmanager
def held_streams(ctx: Ctx) -> Iterator[int]:
    """STREAMS event streams held open by a process of their own (benchmarks/sse.py, hold
    mode), each on one random office, for as long as the block runs; yields how many opened."""
    jobs = OUT / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    ready, stop = jobs / "hold.ready", jobs / "hold.stop"
    ready.unlink(missing_ok=True)
    stop.unlink(missing_ok=True)
    offices = sorted({int(c["office"]) for c in ctx.codes})
    rng = random.Random(STREAMS)
    job = {
        "streams_host": "127.0.0.1",
        "streams_port": ctx.port,
        "hold": {
            "office_ids": [rng.choice(offices) for _ in range(STREAMS)],
            "ready_path": str(ready),
            "stop_path": str(stop),
            "max_s": 300,
        },
    }
    job_path, result_path = jobs / "hold.json", jobs / "hold.out.json"
    job_path.write_text(json.dumps(job))
    holder = start("load streams", [PYTHON, "benchmarks/sse.py", str(job_path), str(result_path)],
                   OUT / "load.log")  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while not ready.exists():
            if holder.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"stream holder did not open its streams; see {OUT}/load.log")
            time.sleep(0.1)
        connected = int(ready.read_text() or 0)
        log(f"{connected:,} event streams open on :{ctx.port}")
        yield connected
    finally:
        stop.touch()
        try:
            holder.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            log("stream holder overran; stopping it")
        finish(holder)
    if result_path.exists():
        held = json.loads(result_path.read_text())
        log(f"stream holder: {held['connected']:,} streams, {held['events']:,} events received")


def fill_space(ctx: Ctx) -> str:
    """Make the first space full with two real check-ins; return its door code."""
    code = str(ctx.codes[0]["code"])
    with httpx.Client(base_url=ctx.base_url, timeout=10) as client:
        for i in range(int(ctx.codes[0]["quota"])):
            response = client.post(
                "/api/v1/stays",
                json={"code": code, "minutes": 120},
                headers={"Authorization": f"Bearer {ctx.token(FILL_MEMBERS + i)}"},
            )
            if response.status_code != 201:
                raise RuntimeError(
                    f"filling a space failed: {response.status_code} {response.text}"
                )
    return code


def refusal_phase(ctx: Ctx, code: str, n_offices: int) -> None:
    """Check-ins into a full space: every answer is 409 space_full with nearby offices."""
    items = [[ctx.token(REFUSAL_MEMBERS + i % 100), code] for i in range(20000)]
    name = f"POST /stays into a full space (409 space_full) — {n_offices:,} offices"
    closed_phase(ctx, name, "checkin", items, ok=("409 space_full",))


# ---------------------------------------------------------------- background worker, SQL


def lag_phases(ctx: Ctx) -> None:
    """Stays whose deadlines pass in seconds, polled until the worker forces them out."""
    for label, start_index, spread in (
        (f"{LAG_STAYS} deadlines spread over 5 s", LAG_SPREAD_MEMBERS, 5.0),
        (f"{LAG_STAYS} deadlines at the same instant", LAG_BURST_MEMBERS, 0.0),
    ):
        result = seed(
            "lag",
            *("--member-start", str(start_index), "--count", str(LAG_STAYS)),
            *("--lead", "3", "--spread", str(spread), "--timeout", "30"),
            timeout=90,
        )
        result["label"] = label
        ctx.lag.append(result)
        lags = result["lag_s"]
        log(
            f"lag ({label}): observed {result['observed']}/{result['count']}, "
            f"p50 {pct(lags, 50):.2f}s p99 {pct(lags, 99):.2f}s max {max(lags, default=0):.2f}s, "
            f"statuses {result['statuses']}"
        )


def profile_and_check(ctx: Ctx, rng: random.Random) -> None:
    """SQL statements per request in-process, then seat counters against active stays."""
    offices = sorted({c["office"] for c in ctx.codes})
    prof = seed(
        "profile",
        *("--secret", ctx.secret, "--member-start", str(PROFILE_MEMBER)),
        *("--office-ids", ",".join(str(o) for o in rng.sample(offices, 10))),
    )
    ctx.profile = prof["profile"]
    ctx.check = seed("check")
    log(f"after the run: {ctx.check}")
