"""The command path (row first, sent after commit, outcome recorded) with the real drivers."""

import pytest

from officepass.locks.models import LockCommand
from officepass.locks.services import lock_command_create, lock_command_send
from officepass.offices.models import Space
from tests import factories
from tests.locks.conftest import SECRET, TOKEN, WEBHOOK_SECRET
from tests.locks.fake_controller import FakeController
from tests.locks.fake_switchbot import FakeSwitchBot

pytestmark = pytest.mark.django_db


@pytest.fixture
def switchbot_space(switchbot: FakeSwitchBot, monkeypatch: pytest.MonkeyPatch) -> Space:
    monkeypatch.setenv("SB_TOKEN_TEST", TOKEN)
    monkeypatch.setenv("SB_SECRET_TEST", SECRET)
    settings = {
        "device_id": "C1D2E3F4A5B6",
        "base_url": switchbot.url,
        "timeout": 0.5,
        "secret_env": {"token": "SB_TOKEN_TEST", "secret": "SB_SECRET_TEST"},
    }
    return factories.space(lock_driver="switchbot", lock_settings=settings)


@pytest.fixture
def webhook_space(controller: FakeController, monkeypatch: pytest.MonkeyPatch) -> Space:
    monkeypatch.setenv("DOOR_WEBHOOK_SECRET_TEST", WEBHOOK_SECRET)
    settings = {
        "url": controller.url,
        "space": "room-2",
        "secret_env": {"secret": "DOOR_WEBHOOK_SECRET_TEST"},
    }
    return factories.space(lock_driver="webhook", lock_settings=settings)


def send(space: Space) -> LockCommand:
    command = lock_command_create(member=None, space=space, stay=None, purpose="unlock")
    lock_command_send(command)
    command.refresh_from_db()
    return command


def test_it_records_an_accepted_switchbot_unlock(switchbot_space: Space) -> None:
    command = send(switchbot_space)
    assert command.driver == "switchbot"
    assert command.status == LockCommand.Status.ACCEPTED
    assert command.response["status_code"] == 100
    assert command.latency_ms is not None and command.finished_at is not None


def test_it_records_an_offline_switchbot_lock_as_failed(
    switchbot_space: Space, switchbot: FakeSwitchBot
) -> None:
    switchbot.mode = 161
    command = send(switchbot_space)
    assert (command.status, command.error_code) == (LockCommand.Status.FAILED, "offline")
    assert TOKEN not in str(command.response) and SECRET not in str(command.response)


def test_it_records_a_switchbot_timeout_as_unknown_after_one_call(
    switchbot_space: Space, switchbot: FakeSwitchBot
) -> None:
    switchbot.mode = "hang"
    command = send(switchbot_space)
    assert command.status == LockCommand.Status.UNKNOWN
    assert len(switchbot.calls) == 1


def test_it_records_a_confirmed_webhook_unlock(
    webhook_space: Space, controller: FakeController
) -> None:
    command = send(webhook_space)
    assert command.status == LockCommand.Status.CONFIRMED
    assert controller.deliveries[0].payload["request_id"] == str(command.request_id)


def test_it_records_a_rejected_webhook_unlock(
    webhook_space: Space, controller: FakeController
) -> None:
    controller.answer = (409, {"error": "jammed"})
    command = send(webhook_space)
    assert (command.status, command.error_code) == (LockCommand.Status.FAILED, "jammed")
