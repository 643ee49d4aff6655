"""The web server `make run` starts (the Procfile's `web` line), on a SQLite file of its own.

Used by tests/scale/test_one_server.py and benchmarks/streams.py: the same command, the same
settings a laptop gets (SQLite, no Redis), one member and one space made with the factories,
and plain asyncio connections for event streams, so the client costs little beside them.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from tests.ports import free_port
from tests.scale.servers import ROOT, manage, start, stop, wait_ready

__all__ = ["Streams", "prepare", "start_web", "stop", "threads", "web_workers"]
PORTS = range(8340, 8360)
SETUP = """
from tests import factories as f
space = f.space(quota=2)
f.corporate_member("runner@example.com")
print(f.code_for(space))
"""


def prepare(tmp: Path) -> tuple[dict[str, str], str]:
    """A migrated SQLite file with one space and one postpaid member; the env and door code."""
    port = free_port(PORTS)
    if port is None:
        raise RuntimeError(f"no free port in {PORTS}")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        SQLITE_PATH=str(tmp / "db.sqlite3"),
        PORT=str(port),
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        LOG_FORMAT="plain",
        REQUEST_LOG_LEVEL="WARNING",
        # Streams end only when the client leaves: nothing closes them during a measurement.
        STREAM_MAX_SECONDS="3600",
        PYTHONUNBUFFERED="1",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    manage(env, "migrate", "--noinput")
    code = manage(env, "shell", "-c", SETUP).strip().splitlines()[-1]
    return env, code


def procfile_command(name: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise LookupError(f"no {name} process in the Procfile")


def start_web(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The Procfile's web process (as `make run` starts it), ready; and its base URL."""
    base = f"http://127.0.0.1:{env['PORT']}"
    argv = ["/bin/bash", "-c", procfile_command("web")]
    proc = start(argv, dict(env, PATH=f"{Path(sys.executable).parent}:{env['PATH']}"), log)
    try:
        wait_ready(base, proc, log)
    except BaseException:
        stop(proc)
        raise
    return proc, base


def web_workers(pid: int) -> list[int]:
    """The worker processes of the server whose master is `pid`."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


class Streams:
    """N open `/api/v1/availability/stream` connections and what they have received."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.opened = 0
        self.closed = 0
        self.events: list[int] = [0] * count
        self.all_open = asyncio.Event()
        self.changed = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    def open(self) -> None:
        self.tasks = [asyncio.create_task(self.follow(i)) for i in range(self.count)]

    async def follow(self, index: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
        try:
            writer.write(
                b"GET /api/v1/availability/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Accept: text/event-stream\r\n\r\n"
            )
            while line := await reader.readline():
                self.saw(index, line)
        finally:
            self.closed += 1
            writer.close()

    def saw(self, index: int, line: bytes) -> None:
        if line.startswith(b"retry:"):
            self.opened += 1
            if self.opened == self.count:
                self.all_open.set()
        elif line.startswith(b"event: space"):
            self.events[index] += 1
            if all(self.events):
                self.changed.set()

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
