"""The run's own Redis and Mosquitto (temporary directories, ports in BENCH_PORT_BASE + n),
the ASGI stream server, and the peak memory of every process the run started."""

from __future__ import annotations

import shlex
import shutil
import socket
import threading
import time
from pathlib import Path

from benchmarks.common import BIN, OUT, PORT_MQTT, PORT_REDIS, PORT_STREAMS, ROOT, log
from benchmarks.procs import (
    EXTRA_ENV,
    STARTED,
    Started,
    children_of,
    postgres_pids,
    start,
    wait_answering,
)


def wait_port(port: int, started: Started, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if started.proc.poll() is not None:
            raise RuntimeError(f"{started.name} exited; see {OUT / (started.name + '.log')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{started.name} did not listen on {port} within {timeout:.0f} s")


def start_infra(commands: list[str]) -> dict[str, Started]:
    """Redis and Mosquitto of our own, so the run controls them and measures their memory."""
    tmp = OUT / "infra"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "redis").mkdir(parents=True)
    (tmp / "metrics").mkdir()
    conf = tmp / "mosquitto.conf"
    conf.write_text(f"listener {PORT_MQTT} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    redis_argv = [
        "redis-server", "--port", str(PORT_REDIS), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(tmp / "redis"),
    ]  # fmt: skip
    mqtt_argv = ["mosquitto", "-c", str(conf)]
    redis = start("redis", redis_argv, OUT / "redis.log")
    mqtt = start("mosquitto", mqtt_argv, OUT / "mosquitto.log")
    wait_port(PORT_REDIS, redis)
    wait_port(PORT_MQTT, mqtt)
    EXTRA_ENV.update(
        {
            "REDIS_URL": f"redis://127.0.0.1:{PORT_REDIS}/0",
            "MQTT_HOST": "127.0.0.1",
            "MQTT_PORT": str(PORT_MQTT),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
            "LOG_FORMAT": "json",
        }
    )
    commands += [shlex.join(redis_argv), shlex.join(mqtt_argv) + f"  ({conf.name}: listener)"]
    log(f"redis on :{PORT_REDIS} (pid {redis.proc.pid}), mosquitto on :{PORT_MQTT}")
    return {"redis": redis, "mosquitto": mqtt}


def stream_argv(workers: int) -> list[str]:
    return [
        str(BIN / "gunicorn"), "config.asgi:application",
        "-k", "uvicorn_worker.UvicornWorker", "-w", str(workers),
        "-b", f"127.0.0.1:{PORT_STREAMS}", "-c", "python:officepass.ops.gunicorn_conf",
        "--timeout", "120", "--graceful-timeout", "5",
    ]  # fmt: skip


def start_streams(commands: list[str], workers: int = 2) -> Started:
    argv = stream_argv(workers)
    streams = start("streams", argv, OUT / "streams.log")
    url = f"http://127.0.0.1:{PORT_STREAMS}/readyz"
    wait_answering((streams,), url, seconds=60, name="stream server", log_dir=OUT, interval=0.3)
    streams.children = children_of(streams.proc.pid)
    commands.append(shlex.join(argv).replace(str(ROOT) + "/", ""))
    log(f"streams (ASGI) on :{PORT_STREAMS} (pid {streams.proc.pid}, workers {streams.children})")
    return streams


# ---------------------------------------------------------------- peak memory


def peak_kib(pid: int) -> int | None:
    """VmHWM: the most resident memory the process ever had (kernel-kept, no sampling gap)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class RssWatch:
    """Reads every started process's (and child's) VmHWM each second; keeps the last value
    seen, which is that process's peak, also for processes that end before the run does."""

    def __init__(self) -> None:
        self.peaks: dict[tuple[str, int], int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def sample(self) -> None:
        for started in list(STARTED):
            if started.name.startswith(("load ", "seed ", "migrate")):
                continue
            pids = {started.proc.pid} | children_of(started.proc.pid)
            for pid in pids:
                kib = peak_kib(pid)
                if kib:
                    role = started.name if pid == started.proc.pid else f"{started.name} worker"
                    self.peaks[(role, pid)] = kib
        for pid in postgres_pids():
            kib = peak_kib(pid)
            if kib:
                self.peaks[("postgres", pid)] = kib

    def loop(self) -> None:
        while not self.stop.wait(1.0):
            try:
                self.sample()
            except Exception as exc:  # a process vanishing mid-read; next round
                log(f"rss sample: {exc}")

    def rows(self) -> list[list[str]]:
        """role, processes, peak of the largest (MiB), sum of peaks (MiB)."""
        by_role: dict[str, list[int]] = {}
        for (role, _), kib in self.peaks.items():
            by_role.setdefault(role, []).append(kib)
        return [
            [role, str(len(v)), f"{max(v) / 1024:.0f}", f"{sum(v) / 1024:.0f}"]
            for role, v in sorted(by_role.items())
        ]
