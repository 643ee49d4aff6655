"""Mosquitto stopped and started under the MQTT lock driver, on a broker of our own.

While the broker is down an unlock answers quickly with a stable outcome (never a hang and
never "unlocked"), its command is recorded; when the broker is back the server's shared
connection recovers by itself and the next unlock opens the door. The stay and its ticket
are untouched throughout and `reconcile` is clean.
"""

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from officepass.core.errors import DomainError
from officepass.core.reconcile import all_breaches
from officepass.locks.drivers.mqtt import connection as conns
from officepass.locks.health import lock_health_online
from officepass.locks.models import LockCommand
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in, stay_checkout, stay_unlock
from officepass.tickets.models import LedgerEntry
from tests import factories as f
from tests.concurrency.rounds import progress
from tests.faults.procs import manage_env, spawn, wait_for
from tests.locks.mqtt.conftest import listen_until
from tests.ports import free_port

pytestmark = pytest.mark.django_db
PORTS = range(8320, 8330)


class Broker:
    """`mosquitto -c <temp config>` on 127.0.0.1:<port>; stop() and start() again."""

    def __init__(self, binary: str, port: int) -> None:
        self.binary, self.port = binary, port
        self.base = Path(tempfile.mkdtemp(prefix="officepass-mqtt-"))
        self.config = self.base / "mosquitto.conf"
        self.config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def reachable(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.3).close()
        except OSError:
            return False
        return True

    def start(self) -> None:
        log = (self.base / "broker.log").open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 (the system's mosquitto, our config)
            [self.binary, "-c", str(self.config)], stdout=log, stderr=subprocess.STDOUT
        )
        wait_for(self.reachable, 60, f"mosquitto on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)
        wait_for(lambda: not self.reachable(), 60, "mosquitto to stop")


@pytest.fixture
def broker(settings: Any) -> Iterator[Broker]:
    binary = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None
    )
    port = free_port(PORTS)
    if binary is None or port is None:
        pytest.skip("needs the mosquitto binary and a free port in 8320-8329")
    own = Broker(binary, port)
    own.start()
    settings.MQTT_PORT = port
    settings.UNLOCK_RATE_PER_MINUTE = 100
    try:
        yield own
    finally:
        own.stop()
        shutil.rmtree(own.base, ignore_errors=True)
        for conn in list(conns._connections.values()):
            conns.discard(conn)


@pytest.fixture
def door(broker: Broker, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        log = tmp_path / f"door{len(started)}.log"
        proc = spawn(
            [
                sys.executable,
                "manage.py",
                "lock_device",
                "--device-id",
                "fault-door",
                "--mode",
                "normal",
                "--max-seconds",
                "60",
            ],
            log,
            manage_env(None, MQTT_PORT=str(broker.port), PYTHONUNBUFFERED="1"),
        )
        started.append(proc)
        wait_for(lambda: "ready" in log.read_text(), 60, "lock_device to be ready")
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _unlock(stay: Stay) -> tuple[str, float]:
    started = time.monotonic()
    try:
        result, _ = stay_unlock(member=stay.member, stay_id=stay.pk)
    except DomainError as exc:
        result = exc.code
    return result, time.monotonic() - started


def test_mosquitto_stopped_and_started_unlocks_fail_fast_then_recover(
    broker: Broker, door: Callable[[], subprocess.Popen[bytes]]
) -> None:
    space = f.space(
        # The door answers at once; the timeout only bounds a failure (the machine may be busy).
        lock_driver="mqtt",
        lock_settings={"device_id": "fault-door", "confirm_timeout": 30.0},
    )
    first = door()
    assert listen_until(lambda: lock_health_online(space.pk) is True), "door never online"
    member = f.member("mqtt@x.jp", tickets=10)
    stay = stay_check_in(member=member, code=f.code_for(space), minutes=120)
    assert _unlock(stay)[0] == "unlocked"

    broker.stop()
    first.kill()
    # The driver's shared connection sees the broker go (its loop thread reads the close):
    # waited for, so the unlocks below meet a broker that is down, not a dying connection.
    wait_for(lambda: not any(c.alive for c in conns._connections.values()), 60, "a dead link")
    down = [_unlock(stay) for _ in range(3)]
    assert all(result != "unlocked" for result, _ in down), down
    assert all(seconds < 10 for _, seconds in down), down  # an answer, not a hang
    assert {result for result, _ in down} <= {"failed", "unknown", "lock_unavailable"}, down

    broker.start()
    door()
    recovered: list[tuple[str, float]] = []

    def opened() -> bool:
        recovered.append(_unlock(stay))
        return recovered[-1][0] == "unlocked"

    wait_for(opened, 90, "an unlock to succeed after the broker came back", every=0.5)

    stay_checkout(member=member, stay_id=stay.pk, unlock=False)
    commands = LockCommand.objects.filter(stay=stay)
    assert commands.count() == 1 + len(down) + len(recovered)  # every attempt recorded once
    assert LedgerEntry.objects.filter(member=member, kind="consume").count() == 1
    assert all_breaches() == []
    progress(
        f"faults: mosquitto stopped/started: {len(down)} unlocks while down answered"
        f" {sorted({r for r, _ in down})} in <= {max(s for _, s in down):.1f} s;"
        f" recovered after {len(recovered)} tries"
    )
