"""Fixtures for the MQTT lock tests: the real Mosquitto and `lock_device` as a subprocess."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from paho.mqtt import publish

from officepass.locks.drivers.mqtt.config import Broker, lock_topics
from officepass.locks.drivers.mqtt.listener import LockListener

ROOT = Path(__file__).resolve().parents[3]
HOST = str(getattr(settings, "MQTT_HOST", "127.0.0.1"))
PORT = int(getattr(settings, "MQTT_PORT", 1883))
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable


def broker_reachable() -> bool:
    try:
        socket.create_connection((HOST, PORT), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def broker() -> None:
    if not broker_reachable():
        pytest.skip(f"needs an MQTT broker at {HOST}:{PORT} (Mosquitto), not reachable")


class Device:
    """`manage.py lock_device` in a subprocess; its output lines collected as they come."""

    def __init__(self, device_id: str, mode: str, profile: str, extra: list[str]) -> None:
        self.device_id, self.profile = device_id, profile
        args = ["--device-id", device_id, "--mode", mode, "--profile", profile]
        self.proc = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [PYTHON, "manage.py", "lock_device", *args, "--max-seconds", "60", *extra],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.strip())
                self._changed.notify_all()

    def wait_for(self, line: str, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: line in self.lines, timeout)

    def count(self, line: str) -> int:
        with self._changed:
            return self.lines.count(line)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait(timeout=5)
        self._reader.join(timeout=5)
        return code


@pytest.fixture
def device_id() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def start_device(broker) -> Iterator[Callable[..., Device]]:
    """Start devices (waits until each is ready); stops them by PID and clears their topics."""
    started: list[Device] = []

    def start(
        device_id: str, mode: str = "normal", *extra: str, profile: str = "lock", ready: bool = True
    ) -> Device:
        device = Device(device_id, mode, profile, list(extra))
        started.append(device)
        if ready:
            assert device.wait_for("ready"), f"lock_device did not start: {device.lines}"
        return device

    yield start
    for device in started:
        device.stop(signal.SIGKILL)
    _clear_retained(started)


def _clear_retained(devices: list[Device]) -> None:
    messages: publish.MessagesList = []
    for device in devices:
        topics = lock_topics({"device_id": device.device_id, "profile": device.profile})
        for topic in (topics.availability_topic, topics.state_topic):
            messages.append({"topic": topic, "payload": None, "retain": True})
    if messages:
        publish.multiple(messages, hostname=HOST, port=PORT)


def listen_until(condition: Callable[[], bool], max_seconds: float = 5.0) -> bool:
    """Run the health listener in this thread until `condition()` holds (or time runs out)."""
    listener = LockListener(Broker.from_settings())
    listener.start()
    try:
        listener.run(should_stop=condition, max_seconds=max_seconds)
    finally:
        listener.close()
    return condition()


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()
