"""Only an unlock that provably never left us is tried again; an ambiguous one never is."""

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from officepass.core.errors import DomainError
from officepass.locks.drivers.simulator.driver import SimulatorDriver
from officepass.locks.models import LockCommand
from officepass.stays.services import stay_check_in, stay_unlock
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = SimulatorDriver.unlock

    def counting(self: SimulatorDriver, **kwargs: Any) -> Any:
        seen.append(self.settings.get("mode", "normal"))
        return original(self, **kwargs)

    monkeypatch.setattr(SimulatorDriver, "unlock", counting)
    monkeypatch.setattr("officepass.locks.services.RETRY_PAUSE_SECONDS", 0)
    return seen


def stay_whose_lock_turns(mode: str) -> Any:
    space = f.space()
    stay = stay_check_in(member=f.member(), code=f.code_for(space), minutes=120)
    space.lock_settings = {"mode": mode}
    space.save(update_fields=["lock_settings"])
    return stay


@time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("mode", "tries", "status"),
    [
        ("offline", 2, "failed"),  # never left us: one more try
        ("jammed", 1, "failed"),  # the device refused: no retry
        ("silent", 1, "unknown"),  # may have arrived: never again
    ],
)
def test_only_a_command_that_never_left_is_retried(calls, mode, tries, status):
    stay = stay_whose_lock_turns(mode)
    try:
        stay_unlock(member=stay.member, stay_id=stay.pk)
    except DomainError as error:
        assert error.code == "lock_unavailable"
    assert calls == [mode] * tries
    command = LockCommand.objects.get()
    assert command.status == status
    assert command.response.get("attempts", 1) == tries
