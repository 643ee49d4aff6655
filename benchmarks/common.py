"""Paths, sizes and goals shared by the benchmark modules, and the run's log line.

Kept free of Django and of heavy imports: benchmarks/seed.py imports it too.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
# BENCH_SCALE=small: the same run on a small data set with short phases (development, CI
# smoke); full (the default) is the data set.
SCALE = os.environ.get("BENCH_SCALE", "full")
if SCALE not in ("full", "small"):
    raise SystemExit(f"BENCH_SCALE must be full or small, not {SCALE!r}")
SMALL = SCALE == "small"
DB_NAME = os.environ.get("BENCH_DB_NAME", "officepass_bench")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE_URL = f"{PG}/{DB_NAME}"
ACCESS_LOG = OUT / "access.log"
NPROC = os.cpu_count() or 1
# Every port the run listens on: BENCH_PORT_BASE + offset (8400-8499 by default).
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE", "8400"))
PORT_WEB, PORT_STREAMS, PORT_PRETIX = PORT_BASE + 1, PORT_BASE + 2, PORT_BASE + 5
PORT_REDIS, PORT_MQTT = PORT_BASE + 79, PORT_BASE + 83

OFFICES_SMALL = 200 if SMALL else 1_000
OFFICES_LARGE = 1_000 if SMALL else 10_000
MEMBERS = 6_000 if SMALL else 100_000
# Open event streams held during the fan-out measurement.
STREAMS = 200 if SMALL else 1_000
# Members below RESERVED check in over HTTP; the top 1,000 are kept for the other phases.
RESERVED = MEMBERS - 1_000
CHECKIN_MEMBERS = RESERVED
LAG_SPREAD_MEMBERS = RESERVED
LAG_BURST_MEMBERS = RESERVED + 200
REFUSAL_MEMBERS = RESERVED + 400
PROFILE_MEMBER = RESERVED + 500
FILL_MEMBERS = RESERVED + 600
STREAM_MEMBERS = RESERVED + 700
LAG_STAYS = 200

# Web server processes (gunicorn + uvicorn workers, as the Procfile). Django runs a sync view
# on one thread per process, so more processes than cores let one compute while another
# waits for its commit. (Under WSGI, gthread ×1, the 2-core sweep gave 2 → 123, 3 → 134,
# 4 → 133, 6 → 129 check-ins/s; run with --workers N to sweep the ASGI server.)
DEFAULT_WORKERS = 3

GOAL_RATE = 400.0  # issue 18: ≥ 400 check-ins/s, p99 ≤ 50 ms at half that load
GOAL_P99_HALF_MS = 50.0
GOAL_LAG_S = 5.0
GOAL_AVAILABILITY_P99_MS = 50.0
GOAL_STREAMS_S = 2.0
GOAL_UNLOCK_P99_MS = 200.0
GOAL_PRETIX_RATIO = 10.0
GOAL_STREAMS_P99_FACTOR = 1.2  # check-in p99 with STREAMS open, against none
GOAL_NEAREST_WEB_MS = 5.0  # nearest 50 offices, web CPU per request at OFFICES_LARGE

T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", flush=True)


def token_for(secret: str, index: int) -> str:
    """The API token of bench member `index`: seed.py stores its hash, run.py sends it."""
    return f"op_{secret}_{index:06d}"
