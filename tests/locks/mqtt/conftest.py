"""Fixtures for the MQTT lock tests: the real Mosquitto and `lock_device` as a subprocess.

Nothing here waits for a time margin: a device is used once it says ``ready`` (its
subscription acknowledged by the broker), and what reached it is counted only after a
`fence`, a marker sent behind everything the driver sent, has come out of the device. The
timeouts are failure bounds for a machine under load, not waits.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from paho.mqtt import publish
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from officepass.locks.drivers.mqtt import connection as conns
from officepass.locks.drivers.mqtt.config import Broker, lock_topics
from officepass.locks.drivers.mqtt.listener import LockListener

ROOT = Path(__file__).resolve().parents[3]
HOST = str(getattr(settings, "MQTT_HOST", "127.0.0.1"))
PORT = int(getattr(settings, "MQTT_PORT", 1883))
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
# Failure bounds only (every wait ends on its event): a Django subprocess starting on a busy
# 2-core machine can take many seconds.
BOUND = 60.0
# How long a test device lives at most; the fixtures stop it by PID long before.
MAX_SECONDS = "900"
# A not_after long past for any clock, so a device drops a fence marker as late ("late <id>").
LONG_AGO = "2000-01-01T00:00:00+00:00"


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
            [PYTHON, "manage.py", "lock_device", *args, "--max-seconds", MAX_SECONDS, *extra],
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

    def wait_for(self, line: str, timeout: float = BOUND) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: line in self.lines, timeout)

    def count(self, line: str) -> int:
        with self._changed:
            return self.lines.count(line)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        try:
            code = self.proc.wait(timeout=BOUND)
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


def fence(device: Device, broker: Broker | None = None) -> None:
    """Return once the device has taken in everything this process sent it before the call.

    A marker command goes out on the command topic through the process's shared connection to
    `broker` (the driver's: the same login gives the same connection), so MQTT's ordering for
    one client and topic delivers it after anything the driver published; the device reports
    it (``received fence-…``) after every earlier message, and drops it as late.
    """
    topics = lock_topics({"device_id": device.device_id, "profile": device.profile})
    conn = conns.shared_connection(broker or Broker.from_settings())
    marker = f"fence-{uuid.uuid4().hex[:12]}"
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = [("request_id", marker), ("not_after", LONG_AGO)]
    payload = json.dumps({"action": "FENCE", "request_id": marker, "not_after": LONG_AGO})
    conn.publish(topics.command_topic, payload, props)
    assert device.wait_for(f"received {marker}"), f"no fence back from the device: {device.lines}"


def listen_until(condition: Callable[[], bool], max_seconds: float = BOUND) -> bool:
    """Run the health listener in this thread until `condition()` holds (or time runs out)."""
    listener = LockListener(Broker.from_settings())
    listener.start()
    try:
        listener.run(should_stop=condition, max_seconds=max_seconds)
    finally:
        listener.close()
    return condition()
