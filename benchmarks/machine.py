"""Facts about the machine the benchmark runs on, and the CPU each group of processes uses.

Other people's test runs on a 2-core box skew every figure, so each phase records the CPU
its own processes used and what was left for the rest ("other"). On a virtual machine the
host can also take the cores away (the kernel's "steal" time): that is counted on its own
("host"), not as anybody's work here, since it stalls every process at once.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.common import NPROC, ROOT
from benchmarks.procs import stat_fields

CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- CPU accounting


def ticks(pid: int) -> int | None:
    """User + system clock ticks the process has used so far, or None if it is gone."""
    fields = stat_fields(pid)
    try:
        return None if fields is None else int(fields[11]) + int(fields[12])
    except (IndexError, ValueError):
        return None


def machine_ticks() -> tuple[int, int, int]:
    """(busy, all, stolen) clock ticks of every core so far: busy is the work done here, not
    idle, I/O wait or the time the host's hypervisor gave the core to someone else (steal)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    # user nice system idle iowait irq softirq steal [guest guest_nice, already in user/nice]
    values = [int(v) for v in fields[:8]] + [0] * (8 - len(fields[:8]))
    idle, steal = values[3] + values[4], values[7]
    return sum(values) - idle - steal, sum(values), steal


class CpuMeter:
    """CPU used per group (gunicorn, worker, postgres) and by the whole machine."""

    def __init__(self, groups: Callable[[], dict[str, set[int]]]) -> None:
        """`groups` is called at the start and at the end: processes that appear meanwhile
        (a PostgreSQL backend after a reconnect, a restarted web worker) count in full."""
        self.groups = groups
        self.t = time.monotonic()
        self.before = {g: {p: ticks(p) or 0 for p in pids} for g, pids in groups().items()}
        self.busy0, _, self.steal0 = machine_ticks()

    def group_seconds(self, group: str, pids_now: set[int]) -> float:
        used = 0
        for pid in pids_now | set(self.before[group]):
            now = ticks(pid)
            if now is not None:
                used += now - self.before[group].get(pid, 0)
        return used / CLK_TCK

    def done(self, client_cpu_s: float = 0.0) -> dict[str, float]:
        capacity = (time.monotonic() - self.t) * NPROC  # CPU-seconds available
        shares: dict[str, float] = {}
        used = 0.0
        for group, pids_now in self.groups().items():
            seconds = self.group_seconds(group, pids_now)
            used += seconds
            shares[group] = 100 * seconds / capacity
            shares[f"{group} s"] = seconds
        shares["client"] = 100 * client_cpu_s / capacity
        shares["client s"] = client_cpu_s
        busy1, _, steal1 = machine_ticks()
        busy = (busy1 - self.busy0) / CLK_TCK
        shares["other"] = max(0.0, 100 * (busy - used - client_cpu_s) / capacity)
        shares["total"] = 100 * busy / capacity
        shares["host"] = 100 * (steal1 - self.steal0) / CLK_TCK / capacity
        shares["capacity s"] = capacity  # what a pooled phase weighs each part's shares by
        return shares


QUIET_LIMIT = float(os.environ.get("BENCH_QUIET_WAIT", "20"))


def wait_quiet(limit: float = QUIET_LIMIT, busy_max: float = 15.0) -> float:
    """Wait (at most `limit` s) until the machine is mostly idle between phases.

    Other people's test runs on a 2-core box skew every figure; the CPU table shows what
    was left ("other"). Returns the seconds waited.
    """
    started = time.monotonic()
    while True:
        busy0, all0, _ = machine_ticks()
        time.sleep(1.0)
        busy1, all1, _ = machine_ticks()
        busy = 100 * (busy1 - busy0) / max(1, all1 - all0)
        waited = time.monotonic() - started
        if busy <= busy_max or waited >= limit:
            return waited - 1.0 if waited > 1.5 else 0.0


# ---------------------------------------------------------------- machine facts


def proc_value(path: str, prefix: str, pick: Callable[[str], Any], default: Any) -> Any:
    """`pick(line)` of the first line of a /proc file that starts with `prefix`."""
    for line in Path(path).read_text().splitlines():
        if line.startswith(prefix):
            return pick(line)
    return default


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, text=True, capture_output=True, timeout=10
    ).stdout.strip()


def commit() -> str:
    """The short HEAD commit, marked when tracked files have uncommitted changes."""
    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "?"
    return head + (" (+ uncommitted changes)" if dirty else "")


def machine_info() -> dict[str, str]:
    cpu = proc_value("/proc/cpuinfo", "model name", lambda s: s.split(":", 1)[1].strip(), "?")
    mem_kb = proc_value("/proc/meminfo", "MemTotal:", lambda s: int(s.split()[1]), 0)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "machine": f"nproc {NPROC}, {cpu}, {mem_kb / 1024 / 1024:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}",
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "commit": commit(),
    }


def postgres_facts(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """The server version and the settings that matter most for commit-bound load."""
    row = conn.execute("SELECT version()").fetchone()
    settings = []
    for name in ("shared_buffers", "synchronous_commit", "fsync", "max_connections"):
        value = conn.execute(f"SHOW {name}").fetchone()
        settings.append(f"{name}={value[0] if value else '?'}")
    return {
        "postgres": (row[0] if row else "?").split(" on ")[0],
        "postgres settings": ", ".join(settings),
    }
