"""One adapter per lock driver, so the same contract tests run against all of them.

An adapter knows how to configure a Space for its driver (secrets through ``secret_env`` and
the environment, never in the settings), how to make the door answer normally, take the
command and stay silent (the ambiguous case), or refuse it, and how to count what actually
reached the door or the vendor for a request id:

- simulator: the driver's in-memory memo of acted-on request ids, wrapped to count writes;
- mqtt: one `manage.py lock_device` subprocess per device mode, shared by the whole module,
  counting its ``received <request id>`` lines once a fence has come back through every device
  (skipped when the broker is unreachable);
- switchbot / webhook: the local fakes from tests/locks, counting their calls;
- remotelock / sesame / akerun: the local fake clouds from tests/locks/<driver>, counting
  unlock calls.
"""

import base64
import signal
import uuid
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from officepass.locks.drivers.akerun import tokens as akerun_tokens
from officepass.locks.drivers.mqtt import connection as mqtt_connections
from officepass.locks.drivers.mqtt.config import Broker
from officepass.locks.drivers.simulator import driver as simulator_driver
from officepass.locks.models import LockCommand
from officepass.offices.models import Space
from tests import factories
from tests.locks.akerun import conftest as akerun_conf
from tests.locks.akerun.fake_akerun import FakeAkerun
from tests.locks.fake_controller import FakeController
from tests.locks.fake_switchbot import FakeSwitchBot
from tests.locks.mqtt.conftest import HOST, PORT, Device, _clear_retained, broker_reachable, fence
from tests.locks.remotelock import conftest as remotelock_conf
from tests.locks.remotelock.fake_remotelock import FakeRemoteLock
from tests.locks.sesame import conftest as sesame_conf
from tests.locks.sesame.fake_sesame import FakeSesame

DRIVERS = ("simulator", "mqtt", "switchbot", "webhook", "remotelock", "sesame", "akerun")

# What the door does with a command: act on it, take it and say nothing, or refuse it.
OK, SILENT, REFUSE = "ok", "silent", "refuse"

# Distinctive values, so a leak cannot hide and cannot be a coincidental substring.
SIM_TOKEN = "sim-token-8c1f5e0a9d7b4e2f"
MQTT_USERNAME = "officepass-contract"
MQTT_PASSWORD = "mqtt-pass-3b9d7e1a5c2f4086"
SB_TOKEN = "sb-token-0e7c4a2d9f1b3e5a7c9d2f4b6a8c0e1d3f5a7b9c"
SB_SECRET = "sb-secret-6d2f8a0c4e1b7d9f"
WEBHOOK_KEY = base64.b64encode(b"contract-door-key-32-bytes-long!").decode()
WEBHOOK_SECRET = "whsec_" + WEBHOOK_KEY


class LockAdapter:
    """How the contract tests drive one kind of door."""

    name = ""
    ok_status: str = LockCommand.Status.CONFIRMED  # what a plain successful unlock records
    # Every string that must never show up in a log line, a command row or an audit row.
    secrets: tuple[str, ...] = ()

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def space(self, behaviour: str = OK) -> Space:
        raise NotImplementedError

    def reached(self, request_id: UUID) -> int:
        """How many times this request reached the door (or the vendor's cloud)."""
        raise NotImplementedError

    def _space(self, lock_settings: dict[str, Any], secrets: dict[str, str]) -> Space:
        """A space for this driver; each secret set in the environment and named by secret_env."""
        names = {}
        for key, value in secrets.items():
            env_name = f"CONTRACT_{self.name.upper()}_{key.upper()}"
            self.monkeypatch.setenv(env_name, value)
            names[key] = env_name
        settings = {**lock_settings, "secret_env": names}
        return factories.space(lock_driver=self.name, lock_settings=settings)

    def __repr__(self) -> str:
        return f"<{self.name} lock>"


class CountingMemo(dict[UUID, Any]):
    """The simulator's memo of acted-on request ids: it is written once per real actuation."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: dict[UUID, int] = {}

    def __setitem__(self, key: UUID, value: Any) -> None:
        self.writes[key] = self.writes.get(key, 0) + 1
        super().__setitem__(key, value)


class SimulatorAdapter(LockAdapter):
    name = "simulator"
    secrets = (SIM_TOKEN,)
    MODES = {OK: "normal", SILENT: "silent", REFUSE: "jammed"}

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(monkeypatch)
        self.memo = CountingMemo()
        monkeypatch.setattr(simulator_driver, "_seen", self.memo)

    def space(self, behaviour: str = OK) -> Space:
        # The simulator needs no secret; one is configured anyway so the leak check means
        # something (registry.secrets_for hands it to the driver like any other).
        return self._space({"mode": self.MODES[behaviour]}, {"token": SIM_TOKEN})

    def reached(self, request_id: UUID) -> int:
        return self.memo.writes.get(request_id, 0)


class MqttDevices:
    """`lock_device` subprocesses, one per mode, started together on first use."""

    MODES = {OK: "normal", SILENT: "silent", REFUSE: "jammed"}

    def __init__(self) -> None:
        self.devices: dict[str, Device] = {}

    def device(self, behaviour: str) -> Device:
        if not self.devices:
            run = uuid.uuid4().hex[:8]
            for name, mode in self.MODES.items():
                # A later --max-seconds overrides the helper's default: the module may be slow.
                extra = ["--max-seconds", "3600"]
                self.devices[name] = Device(f"contract-{run}-{mode}", mode, "lock", extra)
            for device in self.devices.values():
                assert device.wait_for("ready"), f"lock_device did not start: {device.lines}"
        return self.devices[behaviour]

    def stop(self) -> None:
        for device in self.devices.values():
            device.stop(signal.SIGTERM)
        if self.devices:
            _clear_retained(list(self.devices.values()))


@pytest.fixture(scope="module")
def mqtt_devices() -> Iterator[MqttDevices]:
    devices = MqttDevices()
    yield devices
    devices.stop()
    mqtt_connections.close_all()


class MqttAdapter(LockAdapter):
    name = "mqtt"
    secrets = (MQTT_PASSWORD,)
    # A door that answers ends the wait at once, so its bound is far above any answer time; a
    # silent one is waited out, so its bound is only what the broker's PUBACK may take.
    CONFIRM_TIMEOUT = {OK: 30.0, SILENT: 3.0, REFUSE: 30.0}
    # Mosquitto here allows anonymous logins and ignores the credentials; the driver
    # still carries them (Broker) on every connection it opens.
    LOGIN = {"username": MQTT_USERNAME, "password": MQTT_PASSWORD}

    def __init__(self, monkeypatch: pytest.MonkeyPatch, devices: MqttDevices) -> None:
        super().__init__(monkeypatch)
        self.devices = devices

    def space(self, behaviour: str = OK) -> Space:
        device = self.devices.device(behaviour)
        lock_settings = {
            "device_id": device.device_id,
            "confirm_timeout": self.CONFIRM_TIMEOUT[behaviour],
        }
        return self._space(lock_settings, self.LOGIN)

    def reached(self, request_id: UUID) -> int:
        # A fence behind the driver's publishes (same login, same connection) through every
        # device: whatever was sent for this request has been counted once they are back.
        broker = Broker.from_settings(self.LOGIN)
        for device in self.devices.devices.values():
            fence(device, broker)
        line = f"received {request_id}"
        return sum(device.count(line) for device in self.devices.devices.values())


class SwitchBotAdapter(LockAdapter):
    name = "switchbot"
    ok_status = LockCommand.Status.ACCEPTED  # the cloud takes the command; no door state
    secrets = (SB_TOKEN, SB_SECRET)
    MODES: dict[str, Any] = {OK: "ok", SILENT: "hang", REFUSE: 190}

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fake: FakeSwitchBot) -> None:
        super().__init__(monkeypatch)
        self.fake = fake

    def space(self, behaviour: str = OK) -> Space:
        self.fake.mode = self.MODES[behaviour]
        lock_settings = {"device_id": "C0FFEE000001", "base_url": self.fake.url, "timeout": 0.5}
        return self._space(lock_settings, {"token": SB_TOKEN, "secret": SB_SECRET})

    def reached(self, request_id: UUID) -> int:
        # The cloud API carries no request id: each test has its own fake, so count commands.
        return len(self.fake.commands())


class WebhookAdapter(LockAdapter):
    name = "webhook"
    secrets = (WEBHOOK_SECRET, WEBHOOK_KEY)  # the key alone is as secret as the whsec_ form
    ANSWERS: dict[str, Any] = {
        OK: (200, {"status": "unlocked"}),
        SILENT: "hang",
        REFUSE: (409, {"error": "jammed"}),
    }

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fake: FakeController) -> None:
        super().__init__(monkeypatch)
        self.fake = fake

    def space(self, behaviour: str = OK) -> Space:
        self.fake.answer = self.ANSWERS[behaviour]
        lock_settings = {"url": self.fake.url, "space": "contract-room", "timeout": 0.5}
        return self._space(lock_settings, {"secret": WEBHOOK_SECRET})

    def reached(self, request_id: UUID) -> int:
        return sum(1 for d in self.fake.deliveries if d.payload["request_id"] == str(request_id))


class RemoteLockAdapter(LockAdapter):
    name = "remotelock"
    ok_status = LockCommand.Status.ACCEPTED  # the cloud takes the unlock; no door state
    secrets = (remotelock_conf.CLIENT_SECRET,)

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fake: FakeRemoteLock) -> None:
        super().__init__(monkeypatch)
        self.fake = fake

    def space(self, behaviour: str = OK) -> Space:
        self.fake.script = ["hang"] if behaviour == SILENT else []
        self.fake.devices["lock-1"].jammed = behaviour == REFUSE
        lock_settings = remotelock_conf.remotelock_settings(self.fake)
        lock_settings.pop("secret_env")
        secrets = {
            "client_id": remotelock_conf.CLIENT_ID,
            "client_secret": remotelock_conf.CLIENT_SECRET,
        }
        return self._space(lock_settings, secrets)

    def reached(self, request_id: UUID) -> int:
        return len(self.fake.api_calls("PUT", "/devices/lock-1/unlock"))


class SesameAdapter(LockAdapter):
    name = "sesame"
    ok_status = LockCommand.Status.ACCEPTED
    secrets = (sesame_conf.API_KEY, sesame_conf.SECRET)
    MODES: dict[str, Any] = {OK: "ok", SILENT: "hang", REFUSE: 400}

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fake: FakeSesame) -> None:
        super().__init__(monkeypatch)
        self.fake = fake

    def space(self, behaviour: str = OK) -> Space:
        self.fake.mode = self.MODES[behaviour]
        lock_settings = {"device_uuid": sesame_conf.DEVICE, "base_url": self.fake.url}
        secrets = {"api_key": sesame_conf.API_KEY, "secret": sesame_conf.SECRET}
        return self._space({**lock_settings, "timeout": 3.0}, secrets)

    def reached(self, request_id: UUID) -> int:
        return len(self.fake.commands())


class AkerunAdapter(LockAdapter):
    name = "akerun"
    ok_status = LockCommand.Status.CONFIRMED  # the access history shows the unlock

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fake: FakeAkerun) -> None:
        super().__init__(monkeypatch)
        self.fake = fake
        monkeypatch.setattr("django.conf.settings.AKERUN_API_URL", fake.url)
        monkeypatch.setenv("AKERUN_CLIENT_ID", akerun_conf.CLIENT_ID)
        monkeypatch.setenv("AKERUN_CLIENT_SECRET", akerun_conf.CLIENT_SECRET)
        self.secrets = (akerun_conf.CLIENT_SECRET,)

    def space(self, behaviour: str = OK) -> Space:
        code = self.fake.issue_code(akerun_conf.REDIRECT)
        akerun_tokens.account_connect(
            actor=None, name="hq", code=code, redirect_uri=akerun_conf.REDIRECT, operator_id=None
        )
        self.secrets = (akerun_conf.CLIENT_SECRET, *self.fake.tokens, *self.fake.refresh_tokens)
        self.fake.script = ["hang"] if behaviour == SILENT else []
        akerun_id = "A-404" if behaviour == REFUSE else "A-1"
        lock_settings = {**akerun_conf.AKERUN_SETTINGS, "akerun_id": akerun_id}
        return self._space(lock_settings, {})

    def reached(self, request_id: UUID) -> int:
        return len(self.fake.unlock_jobs())


@pytest.fixture(params=DRIVERS)
def lock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[LockAdapter]:
    """The adapter for one driver; parametrize indirectly to mark a single driver."""
    name = request.param
    if name == "simulator":
        yield SimulatorAdapter(monkeypatch)
    elif name == "mqtt":
        if not broker_reachable():
            pytest.skip(f"needs an MQTT broker (Mosquitto) at {HOST}:{PORT}: not reachable")
        yield MqttAdapter(monkeypatch, request.getfixturevalue("mqtt_devices"))
    elif name == "switchbot":
        switchbot = FakeSwitchBot(token=SB_TOKEN, secret=SB_SECRET).start()
        yield SwitchBotAdapter(monkeypatch, switchbot)
        switchbot.stop()
    elif name == "webhook":
        controller = FakeController(secret=WEBHOOK_SECRET).start()
        yield WebhookAdapter(monkeypatch, controller)
        controller.stop()
    elif name == "remotelock":
        cloud = FakeRemoteLock(
            client_id=remotelock_conf.CLIENT_ID, client_secret=remotelock_conf.CLIENT_SECRET
        ).start()
        yield RemoteLockAdapter(monkeypatch, cloud)
        cloud.stop()
    elif name == "sesame":
        sesame = FakeSesame(
            api_key=sesame_conf.API_KEY, secrets={sesame_conf.DEVICE: sesame_conf.SECRET}
        ).start()
        yield SesameAdapter(monkeypatch, sesame)
        sesame.stop()
    elif name == "akerun":
        akerun = FakeAkerun(
            client_id=akerun_conf.CLIENT_ID, client_secret=akerun_conf.CLIENT_SECRET
        ).start()
        yield AkerunAdapter(monkeypatch, akerun)
        akerun.stop()
    else:  # pragma: no cover
        raise AssertionError(f"no adapter for driver {name!r}")
