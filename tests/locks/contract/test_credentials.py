"""The credential contract, run against every credential driver (simulator, remotelock); the
command-only drivers must refuse credentials without calling anyone.

1. an issue reaches the vendor once, however often its command is sent, and leaves the
   credential active with the vendor's id and a PIN for exactly the stay's window;
2. nothing is sent once the command's `not_after` has passed;
3. an ambiguous issue (sent, no answer) is `unknown` and never sent again, not by the worker;
4. a revoke is idempotent: revoking what is gone confirms;
5. each call leaves a request and an outcome audit row; no secret appears in logs or rows.
"""

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.forms.models import model_to_dict

from officepass.core.models import AuditEntry
from officepass.locks.credentials import lock_credential_command_send, lock_credentials_retry
from officepass.locks.drivers.base import CredentialWindow, ErrorCode, LockError
from officepass.locks.drivers.simulator import driver as simulator_driver
from officepass.locks.models import LockCommand, LockCredential
from officepass.locks.registry import DRIVERS, driver_for
from officepass.stays.services import stay_check_in, stay_checkout
from tests import factories as f
from tests.locks.remotelock.conftest import CLIENT_ID, CLIENT_SECRET, remotelock_settings
from tests.locks.remotelock.fake_remotelock import FakeRemoteLock

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
CREDENTIAL_DRIVERS = ("simulator", "remotelock")


class CredentialLock:
    name = ""
    secrets: tuple[str, ...] = ()

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def settings(self, silent: bool) -> dict[str, Any]:
        raise NotImplementedError

    def issues_reached(self) -> int:
        raise NotImplementedError

    def holds(self, ref: str) -> bool:
        raise NotImplementedError

    def space(self, silent: bool = False) -> Any:
        return f.space(f.office(), lock_driver=self.name, lock_settings=self.settings(silent))


class SimulatorLock(CredentialLock):
    name = "simulator"

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(monkeypatch)
        self.calls: dict[uuid.UUID, int] = {}
        self.held: dict[str, CredentialWindow] = {}
        monkeypatch.setattr(simulator_driver, "_credential_calls", self.calls)
        monkeypatch.setattr(simulator_driver, "_held", self.held)
        self.silent = False

    def settings(self, silent: bool) -> dict[str, Any]:
        self.silent = silent
        return {"mode": "normal", "credentials": True}

    def go_silent(self, space: Any) -> None:
        space.lock_settings = {**space.lock_settings, "mode": "silent"}
        space.save(update_fields=["lock_settings"])

    def issues_reached(self) -> int:
        return sum(self.calls.values())

    def holds(self, ref: str) -> bool:
        return ref in self.held


class RemoteLock(CredentialLock):
    name = "remotelock"
    secrets = (CLIENT_SECRET,)

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fake: FakeRemoteLock) -> None:
        super().__init__(monkeypatch)
        self.fake = fake
        monkeypatch.setenv("TEST_RL_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("TEST_RL_SECRET", CLIENT_SECRET)

    def settings(self, silent: bool) -> dict[str, Any]:
        return remotelock_settings(self.fake)

    def go_silent(self, space: Any) -> None:
        self.fake.script = ["hang"]

    def issues_reached(self) -> int:
        return sum(1 for c in self.fake.api_calls("POST") if c.path == "/access_persons")

    def holds(self, ref: str) -> bool:
        return ref in self.fake.guests


@pytest.fixture(params=CREDENTIAL_DRIVERS)
def lock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if request.param == "simulator":
        yield SimulatorLock(monkeypatch)
        return
    fake = FakeRemoteLock(client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
    yield RemoteLock(monkeypatch, fake)
    fake.stop()


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Any]:
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def check_in(lock: CredentialLock) -> Any:
    space = lock.space()
    return stay_check_in(member=f.member(tickets=10), code=f.code_for(space), minutes=120)


def pending(stay: Any, purpose: str) -> LockCommand:
    return LockCommand.objects.get(stay=stay, purpose=purpose, status="pending")


def test_an_issue_reaches_the_vendor_once_for_exactly_the_stays_window(lock):
    stay = check_in(lock)
    command = pending(stay, "cred_issue")
    lock_credential_command_send(command_id=command.pk)
    assert lock_credential_command_send(command_id=command.pk) is None  # already sent
    credential = LockCredential.objects.get(stay=stay)
    assert credential.status == "active" and credential.ref and credential.pin.isdigit()
    assert (credential.starts_at, credential.vendor_ends_at) == (stay.started_at, stay.deadline)
    assert lock.holds(credential.ref)
    assert lock.issues_reached() == 1


def test_an_issue_past_its_not_after_is_never_sent(lock, frozen):
    stay = check_in(lock)
    command = pending(stay, "cred_issue")
    frozen.move_to(stay.deadline)
    sent = lock_credential_command_send(command_id=command.pk)
    assert sent is not None and (sent.status, sent.error_code) == ("expired", "expired")
    assert lock.issues_reached() == 0
    assert LockCredential.objects.get(stay=stay).status == "failed"


def test_an_ambiguous_issue_is_unknown_and_never_sent_again(lock, frozen, settings):
    settings.LOCK_REVOKE_RETRY_SECONDS = 0
    stay = check_in(lock)
    lock.go_silent(stay.space)
    sent = lock_credential_command_send(command_id=pending(stay, "cred_issue").pk)
    assert sent is not None and sent.status == "unknown"
    frozen.shift(120)
    lock_credentials_retry()
    assert lock.issues_reached() == 1
    if isinstance(lock, RemoteLock):
        lock.fake.release.set()


def test_a_revoke_is_idempotent(lock):
    stay = check_in(lock)
    lock_credential_command_send(command_id=pending(stay, "cred_issue").pk)
    stay_checkout(member=stay.member, stay_id=stay.pk, unlock=False)
    lock_credential_command_send(command_id=pending(stay, "cred_revoke").pk)
    credential = LockCredential.objects.get(stay=stay)
    assert credential.status == "revoked" and not lock.holds(credential.ref)
    again = driver_for(stay.space).credential_revoke(request_id=uuid.uuid4(), ref=credential.ref)
    assert again.outcome in ("accepted", "confirmed")


def test_each_call_is_audited_and_no_secret_leaks(lock, caplog):
    caplog.set_level(logging.DEBUG)
    stay = check_in(lock)
    lock_credential_command_send(command_id=pending(stay, "cred_issue").pk)
    stay_checkout(member=stay.member, stay_id=stay.pk, unlock=False)
    lock_credential_command_send(command_id=pending(stay, "cred_revoke").pk)
    rows = LockCommand.objects.filter(stay=stay, credential__isnull=False)
    for command in rows:
        actions = AuditEntry.objects.filter(
            target_type="locks.lockcommand", target_id=str(command.pk)
        ).values_list("action", flat=True)
        assert sorted(actions) == [
            f"lock.{command.purpose}_accepted",
            f"lock.{command.purpose}_requested",
        ]
    everything = json.dumps(
        [model_to_dict(c) for c in rows]
        + [model_to_dict(a) for a in AuditEntry.objects.all()]
        + [r.getMessage() for r in caplog.records],
        default=str,
    )
    pin = LockCredential.objects.get(stay=stay).pin
    for secret in (*lock.secrets, pin):
        assert secret not in everything


@pytest.mark.parametrize("name", ["mqtt", "switchbot", "webhook"])
def test_a_command_lock_refuses_credentials_without_calling_anyone(name):
    driver = DRIVERS[name]({"device_id": "d", "url": "http://127.0.0.1:9", "space": "s"}, {})
    assert not driver.supports_credentials()
    window = CredentialWindow(MORNING, MORNING + timedelta(hours=1), "1234", "officepass stay 1")
    with pytest.raises(LockError) as refused:
        driver.credential_issue(request_id=uuid.uuid4(), window=window)
    assert refused.value.code == ErrorCode.UNSUPPORTED
