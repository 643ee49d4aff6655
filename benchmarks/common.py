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
DB_NAME = "officepass_bench"
PG = "postgres://postgres@127.0.0.1:5432"
DATABASE_URL = f"{PG}/{DB_NAME}"
ACCESS_LOG = OUT / "access.log"
NPROC = os.cpu_count() or 1

OFFICES_SMALL = 1_000
OFFICES_LARGE = 10_000
MEMBERS = 25_000
# Members 0..CHECKIN_MEMBERS-1 check in over HTTP; the rest are kept for the other phases.
CHECKIN_MEMBERS = 24_000
LAG_SPREAD_MEMBERS = 24_000
LAG_BURST_MEMBERS = 24_200
REFUSAL_MEMBERS = 24_400
FILL_MEMBERS = 24_600
PROFILE_MEMBER = 24_500
LAG_STAYS = 200

# gunicorn sync workers. Swept on the 2-core machine (8 s phase A, check-ins/s):
# 2 → 123, 3 → 134, 4 → 133, 6 → 129. More workers than cores hides the commit waits;
# beyond 3 they only add context switches and memory.
DEFAULT_WORKERS = 3

GOAL_RATE = 500.0
GOAL_P99_HALF_MS = 50.0
GOAL_LAG_S = 5.0

T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", flush=True)


def token_for(secret: str, index: int) -> str:
    """The API token of bench member `index`: seed.py stores its hash, run.py sends it."""
    return f"op_{secret}_{index:06d}"
