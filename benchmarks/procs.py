"""Processes the benchmark starts, and stopping every one of them again by PID.

Every process started here is recorded in STARTED until it is stopped, so `stop_all`
can end what is left on Ctrl-C, on error and when the time budget runs out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import DATABASE_URL, PYTHON, ROOT


@dataclass
class Started:
    name: str
    proc: subprocess.Popen[bytes]
    children: set[int] = field(default_factory=set)


STARTED: list[Started] = []
# Set by benchmarks/infra.py once the run's own Redis and Mosquitto are up.
EXTRA_ENV: dict[str, str] = {}


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": DATABASE_URL,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(EXTRA_ENV)
    return env


def popen(argv: list[str], stdout: Any, stderr: Any) -> subprocess.Popen[bytes]:
    """Start a command in the repository root with the benchmark's environment."""
    return subprocess.Popen(
        argv, cwd=ROOT, env=child_env(), stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL
    )


def track(name: str, proc: subprocess.Popen[bytes]) -> Started:
    """Record a started process so that `stop_all` stops it if nothing else does."""
    started = Started(name, proc)
    STARTED.append(started)
    return started


def start(name: str, argv: list[str], logfile: Path) -> Started:
    """Start a long-running process; its output goes to `logfile`."""
    with open(logfile, "ab") as fh:
        return track(name, popen(argv, fh, subprocess.STDOUT))


# ---------------------------------------------------------------- /proc


def stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    fields = stat_fields(pid)
    return bool(fields and fields[0] != "Z")


def children_of(ppid: int) -> set[int]:
    found = set()
    for pid in all_pids():
        fields = stat_fields(pid)
        try:
            if fields is not None and int(fields[1]) == ppid:
                found.add(pid)
        except (IndexError, ValueError):
            continue
    return found


def postgres_pids() -> set[int]:
    found = set()
    for pid in all_pids():
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "postgres":
                found.add(pid)
        except OSError:
            continue
    return found


# ---------------------------------------------------------------- stopping


def stop(started: Started, grace: float = 10.0) -> None:
    """SIGTERM the process, wait, SIGKILL if needed; then any child PIDs we recorded."""
    proc = started.proc
    started.children |= children_of(proc.pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    for pid in sorted(started.children):
        deadline = time.monotonic() + 5
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def finish(started: Started) -> None:
    """Stop one process now; once stopped, `stop_all` no longer tries it."""
    stop(started)
    STARTED.remove(started)


def stop_all() -> None:
    while STARTED:
        started = STARTED.pop()
        try:
            stop(started)
        except Exception as exc:  # keep stopping the others
            print(f"could not stop {started.name} ({started.proc.pid}): {exc}", file=sys.stderr)


# ---------------------------------------------------------------- short commands


def run_checked(argv: list[str], timeout: float, what: str) -> str:
    """Run a short command to completion (its PID is killed on timeout); return stdout."""
    proc = popen(argv, subprocess.PIPE, subprocess.PIPE)
    entry = track(what, proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise RuntimeError(f"{what}: timed out after {timeout:.0f}s") from None
    finally:
        STARTED.remove(entry)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return out.decode()


def seed(*args: str, timeout: float = 180) -> dict[str, Any]:
    """Run one benchmarks/seed.py command; return the JSON object on its last line."""
    out = run_checked([PYTHON, "benchmarks/seed.py", *args], timeout, f"seed {args[0]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def wait_answering(
    servers: tuple[Started, ...],
    url: str,
    *,
    seconds: float,
    name: str,
    log_dir: Path,
    headers: dict[str, str] | None = None,
    interval: float = 0.2,
) -> None:
    """Until `url` answers 200 (at most `seconds`); fail at once if one of `servers` exits
    (its output is `log_dir`/<its name>.log, as `start` writes it)."""
    import httpx

    deadline = time.monotonic() + seconds
    while True:
        for started in servers:
            if started.proc.poll() is not None:
                raise RuntimeError(f"{started.name} exited; see {log_dir / started.name}.log")
        try:
            if httpx.get(url, headers=headers, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer within {seconds:g} s")
        time.sleep(interval)
