"""Unlock latency through MqttDriver against a real broker (run from the repository root).

    .venv/bin/python benchmarks/unlock_mqtt.py [-n 500] [--concurrency 1] [--fresh 100]

Starts `manage.py lock_device --mode normal` (a subprocess, stopped again by PID, also on
error and Ctrl-C), then sends N unlocks straight through `MqttDriver.unlock` (no database) and
prints p50 / p99 / max from publish to the device's UNLOCKED. Goal: p99 ≤ 200 ms. `--fresh N`
also measures N unlocks that each open a new connection (the shared one closed every time),
to show what the shared connection saves. Bounded by --max-seconds.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
from paho.mqtt import publish  # noqa: E402

django.setup()

from officepass.core import clock  # noqa: E402
from officepass.locks.drivers.base import LockError  # noqa: E402
from officepass.locks.drivers.mqtt import connection  # noqa: E402
from officepass.locks.drivers.mqtt.config import Broker, lock_topics  # noqa: E402
from officepass.locks.drivers.mqtt.driver import MqttDriver  # noqa: E402


def start_device(device_id: str, max_seconds: float) -> subprocess.Popen[str]:
    device = ["--device-id", device_id, "--mode", "normal", "--relock-ms", "50"]
    proc = subprocess.Popen(
        [PYTHON, "manage.py", "lock_device", *device, "--max-seconds", str(max_seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "ready":
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(10):
        stop(proc)
        raise SystemExit("lock_device did not come up (is Mosquitto running?)")
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def driver_topics(device_id: str) -> list[str]:
    topics = lock_topics({"device_id": device_id})
    return [topics.availability_topic, topics.state_topic]


def clear_retained(topics: list[str]) -> None:
    """Leave no retained availability/state of the pretend device behind in the broker."""
    broker = Broker.from_settings()
    # paho's publish helper logs a harmless "not connected" error after its own disconnect.
    logging.getLogger("paho.mqtt.client").setLevel(logging.CRITICAL)
    messages: publish.MessagesList = [{"topic": t, "payload": None, "retain": True} for t in topics]
    publish.multiple(messages, hostname=broker.host, port=broker.port)


def one_unlock(driver: MqttDriver, fresh: bool) -> tuple[float, str]:
    if fresh:
        connection.close_all()
    started = time.perf_counter()
    try:
        outcome = str(
            driver.unlock(
                request_id=uuid.uuid4(), not_after=clock.now() + timedelta(seconds=30)
            ).outcome
        )
    except LockError as exc:
        outcome = f"error:{exc.code}"
    return (time.perf_counter() - started) * 1000, outcome


def run(
    driver: MqttDriver, n: int, concurrency: int, fresh: bool, deadline: float
) -> list[tuple[float, str]]:
    results: list[tuple[float, str]] = []
    if concurrency <= 1:
        for _ in range(n):
            if time.monotonic() > deadline:
                break
            results.append(one_unlock(driver, fresh))
        return results
    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(one_unlock, driver, False) for _ in range(n)]
        results = [future.result() for future in futures]
    return results


def report(label: str, results: list[tuple[float, str]]) -> bool:
    latencies = sorted(ms for ms, _ in results)
    outcomes: dict[str, int] = {}
    for _, outcome in results:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if not latencies:
        print(f"{label}: no results")
        return False
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"{label:<32} n={len(latencies):<5} p50={p50:7.2f} ms  p99={p99:7.2f} ms  "
        f"max={latencies[-1]:7.2f} ms  outcomes={outcomes}"
    )
    return p99 <= 200 and set(outcomes) == {"confirmed"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8, help="threads for the 2nd phase")
    parser.add_argument("--fresh", type=int, default=100, help="unlocks on new connections")
    parser.add_argument("--max-seconds", type=float, default=120.0)
    args = parser.parse_args()
    deadline = time.monotonic() + args.max_seconds
    device_id = f"bench-{uuid.uuid4().hex[:8]}"
    proc = start_device(device_id, args.max_seconds + 10)
    try:
        driver = MqttDriver({"device_id": device_id})
        one_unlock(driver, False)  # connect and subscribe outside the measurement
        ok = report("shared connection, sequential", run(driver, args.n, 1, False, deadline))
        if args.concurrency > 1:
            label = f"shared connection, {args.concurrency} threads"
            ok &= report(label, run(driver, args.n, args.concurrency, False, deadline))
        if args.fresh:
            report("new connection per unlock", run(driver, args.fresh, 1, True, deadline))
    finally:
        connection.close_all()
        stop(proc)
        clear_retained(driver_topics(device_id))
    print("goal p99 <= 200 ms:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
