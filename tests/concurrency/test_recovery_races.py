"""Unlock and one-tap recovery of the same stay at once: never both.

A member whose first unlock failed taps Unlock again (the lock works now) while also tapping
Recover. Either the door opens and recovery sends the member to the help desk, or the stay
is cancelled and refunded and the unlock is refused before it is recorded: never a door
opened on a cancelled, refunded stay. The guards: the unlock is recorded under the stay's
row lock only while the stay runs, and recovery reads the commands under the same lock.
Each control removes one of them and must see the door open on a cancelled stay.
"""

import time
from collections.abc import Callable
from datetime import datetime
from functools import partial

import pytest

from officepass.accounts.models import User
from officepass.core.errors import DomainError
from officepass.locks.models import LockCommand
from officepass.locks.services import lock_command_create
from officepass.offices.models import Space
from officepass.stays import recovery, services
from officepass.stays.models import Stay
from officepass.stays.recovery import stay_recover_failed_entry
from officepass.stays.services import stay_check_in, stay_unlock
from tests import factories
from tests.concurrency.race import ledger_breaches, run_together

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

STAYS = 8
ROUNDS = 3
OPENED = (LockCommand.Status.CONFIRMED, LockCommand.Status.ACCEPTED, LockCommand.Status.UNKNOWN)


def _stays_after_a_jammed_unlock(label: str) -> list[Stay]:
    office = factories.office(f"Office {label}")
    stays = []
    for i in range(STAYS):
        space = factories.space(office, name=f"S{i}", lock_settings={"mode": "jammed"})
        member = factories.member(f"{label}-{i}@example.com", tickets=5)
        stay = stay_check_in(member=member, code=factories.code_for(space), minutes=240)
        with pytest.raises(DomainError):
            stay_unlock(member=member, stay_id=stay.pk)
        Space.objects.filter(pk=space.pk).update(lock_settings={"mode": "normal"})
        stays.append(stay)
    return stays


def _round(label: str) -> list[str]:
    """Unlock and recover every stay at once; the stays whose door opened after recovery."""
    stays = _stays_after_a_jammed_unlock(label)
    calls: list[Callable[[], object]] = []
    for stay in stays:
        calls.append(partial(stay_unlock, member=stay.member, stay_id=stay.pk))
        calls.append(partial(stay_recover_failed_entry, member=stay.member, stay_id=stay.pk))
    outcomes = run_together(calls)
    for outcome in outcomes:
        assert not isinstance(outcome, Exception) or isinstance(outcome, DomainError), outcome
    return _opened_on_cancelled(stays)


def _opened_on_cancelled(stays: list[Stay]) -> list[str]:
    problems = []
    for stay in Stay.objects.filter(pk__in=[s.pk for s in stays]):
        opened = LockCommand.objects.filter(stay=stay, status__in=OPENED).count()
        if stay.status == Stay.Status.CANCELLED and opened:
            problems.append(f"stay {stay.pk}: cancelled and refunded, door opened {opened}×")
    return problems


@pytest.mark.django_db(transaction=True)
def test_an_unlock_and_a_recovery_at_once_never_both_happen() -> None:
    for round_ in range(ROUNDS):
        assert _round(f"guarded{round_}") == []
    cancelled = Stay.objects.filter(status=Stay.Status.CANCELLED)
    for stay in cancelled:
        assert not LockCommand.objects.filter(stay=stay, status=LockCommand.Status.PENDING)
    members = [s.member for s in Stay.objects.select_related("member")]
    assert ledger_breaches(members) == []


def _record_without_the_lock(*, member: User, stay: Stay, now: datetime) -> LockCommand:
    """The bug: the unlock is recorded whatever the stay became since it was read."""
    time.sleep(0.005)  # widen the window between the read and the write
    return lock_command_create(member=member, space=stay.space, stay=stay, purpose="unlock")


def _commands_without_the_lock(stay: Stay) -> list[LockCommand]:
    """The bug: the commands are read without holding the stay, then the stay is ended."""
    commands = list(LockCommand.objects.filter(stay=stay, purpose="unlock").order_by("id"))
    time.sleep(0.005)
    return commands


def _control(label: str) -> list[str]:
    problems: list[str] = []
    for round_ in range(ROUNDS):
        problems = _round(f"{label}{round_}")
        if problems:
            break
    return problems


# Each control takes one of the two locks away: (module, function, its unguarded version).
CONTROLS: dict[str, tuple[object, str, Callable[..., object]]] = {
    "unlock-recorded-unlocked": (services, "unlock_command_record", _record_without_the_lock),
    "commands-read-unlocked": (recovery, "locked_unlock_commands", _commands_without_the_lock),
}


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.django_db(transaction=True)
def test_control_without_either_lock_a_door_opens_on_a_cancelled_refunded_stay(
    control: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module, name, unguarded = CONTROLS[control]
    monkeypatch.setattr(module, name, unguarded)
    assert _control(control), f"no door opened on a cancelled stay in {ROUNDS} rounds"
