"""A stay on a RemoteLOCK door, end to end: check in → PIN for the stay's window → extend →
window moved → checkout → revoked; forced checkouts revoke too; a failed revoke is retried by
the worker until the cloud confirms. Real commits (on_commit sends), the fake cloud over HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from officepass.core.models import AuditEntry
from officepass.core.registry import tick
from officepass.locks.models import LockCommand, LockCredential
from officepass.stays.recovery import stay_recover_failed_entry
from officepass.stays.services import (
    stay_check_in,
    stay_checkout,
    stay_extend,
    stay_force_checkout,
)
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo


@pytest.fixture
def clock_at_morning():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def checked_in(remotelock_space, clock_at_morning):
    space = remotelock_space(f.office(unit_minutes=120))
    return stay_check_in(member=f.member(tickets=10), code=f.code_for(space), minutes=240)


def credential(stay) -> LockCredential:
    return LockCredential.objects.get(stay=stay)


def commands(stay) -> list[tuple[str, str]]:
    rows = LockCommand.objects.filter(stay=stay, credential__isnull=False).order_by("id")
    return [(c.purpose, c.status) for c in rows]


def test_a_stays_pin_follows_check_in_extension_and_checkout(
    checked_in, remotelock, clock_at_morning
):
    held = credential(checked_in)
    assert held.status == LockCredential.Status.ACTIVE and len(held.pin) == 6
    guest = remotelock.guests[held.ref]
    assert (guest["starts_at"], guest["ends_at"], guest["pin"]) == (
        "2026-11-24T10:00:00",
        "2026-11-24T14:00:00",
        held.pin,
    )
    clock_at_morning.move_to(MORNING + timedelta(minutes=230))
    stay_extend(member=checked_in.member, stay_id=checked_in.pk, minutes=120)
    assert remotelock.guests[held.ref]["ends_at"] == "2026-11-24T16:00:00"
    assert credential(checked_in).vendor_ends_at == MORNING + timedelta(hours=6)
    stay_checkout(member=checked_in.member, stay_id=checked_in.pk)
    assert held.ref not in remotelock.guests
    assert credential(checked_in).status == LockCredential.Status.REVOKED
    assert commands(checked_in) == [
        ("cred_issue", "accepted"),
        ("cred_update", "accepted"),
        ("cred_revoke", "accepted"),
    ]
    sent = LockCommand.objects.filter(stay=checked_in, credential__isnull=False)
    assert all(c.latency_ms is not None and c.finished_at for c in sent)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"lock.cred_issue_requested", "lock.cred_issue_accepted"} <= actions
    assert {"lock.cred_revoke_requested", "lock.cred_revoke_accepted"} <= actions


def test_the_worker_revokes_at_the_deadline(checked_in, remotelock, clock_at_morning):
    ref = credential(checked_in).ref
    clock_at_morning.move_to(MORNING + timedelta(minutes=241))
    assert tick()["forced_out"] == 1
    assert ref not in remotelock.guests
    assert credential(checked_in).status == LockCredential.Status.REVOKED


def test_staff_force_checkout_revokes(checked_in, remotelock):
    ref = credential(checked_in).ref
    stay_force_checkout(actor=f.member("staff@example.com"), stay_id=checked_in.pk, reason="t")
    assert ref not in remotelock.guests


def test_recovery_of_a_door_that_never_opened_revokes(checked_in, remotelock):
    ref = credential(checked_in).ref
    remotelock.devices["lock-1"].jammed = True
    LockCommand.objects.create(
        space=checked_in.space,
        stay=checked_in,
        member=checked_in.member,
        purpose="unlock",
        driver="remotelock",
        status="failed",
        created_at=checked_in.started_at,
        not_after=checked_in.started_at,
    )
    stay_recover_failed_entry(member=checked_in.member, stay_id=checked_in.pk)
    assert ref not in remotelock.guests


def test_a_failed_revoke_is_retried_by_the_worker_until_the_cloud_confirms(
    checked_in, remotelock, clock_at_morning, settings
):
    settings.LOCK_REVOKE_RETRY_SECONDS = 60
    ref = credential(checked_in).ref
    remotelock.script = [503]  # the revoke sent at checkout meets an outage
    stay_checkout(member=checked_in.member, stay_id=checked_in.pk, unlock=False)
    assert credential(checked_in).status == LockCredential.Status.REVOKING
    assert tick()["lock_credentials"] == 0  # not before the pause
    remotelock.script = ["hang"]  # the next one is sent and never answered
    clock_at_morning.shift(61)
    assert tick()["lock_credentials"] == 1
    remotelock.release.set()
    assert ref in remotelock.guests and credential(checked_in).status == "revoking"
    clock_at_morning.shift(61)
    assert tick()["lock_credentials"] == 1
    assert ref not in remotelock.guests
    assert credential(checked_in).status == LockCredential.Status.REVOKED
    assert [s for p, s in commands(checked_in) if p == "cred_revoke"] == [
        "unknown",
        "unknown",
        "accepted",
    ]
    deletes = remotelock.api_calls("DELETE")
    assert len(deletes) == 3
    clock_at_morning.shift(61)
    assert tick()["lock_credentials"] == 0  # confirmed: never again


def test_an_unanswered_issue_is_never_sent_again_and_shows_no_pin(
    remotelock_space, remotelock, clock_at_morning
):
    space = remotelock_space(f.office(unit_minutes=120))
    remotelock.script = [None, "hang"]  # the device check answers; the guest create hangs
    stay = stay_check_in(member=f.member(tickets=10), code=f.code_for(space), minutes=240)
    remotelock.release.set()
    assert credential(stay).status == LockCredential.Status.UNKNOWN
    clock_at_morning.shift(3600)
    tick()
    assert sum(1 for c in remotelock.api_calls("POST") if c.path == "/access_persons") == 1
    assert commands(stay) == [("cred_issue", "unknown")]
