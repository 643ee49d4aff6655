"""The RemoteLOCK driver against the local fake cloud: shapes, auth, refusals, ambiguity."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from officepass.core import clock
from officepass.locks.drivers.base import CredentialWindow, ErrorCode, LockError, Outcome
from officepass.locks.drivers.remotelock.driver import MEDIA_TYPE, RemoteLockDriver
from tests.locks.remotelock.conftest import CLIENT_ID, CLIENT_SECRET, remotelock_settings
from tests.locks.remotelock.fake_remotelock import FakeRemoteLock

START = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo
WINDOW = CredentialWindow(
    starts_at=START, ends_at=START + timedelta(hours=2), pin="482913", label="officepass stay 7"
)


def driver(fake: FakeRemoteLock, secret: str = CLIENT_SECRET, **extra: Any) -> RemoteLockDriver:
    secrets = {"client_id": CLIENT_ID, "client_secret": secret}
    return RemoteLockDriver(remotelock_settings(fake, **extra), secrets)


def issue(fake: FakeRemoteLock, **extra: Any) -> Any:
    return driver(fake, **extra).credential_issue(request_id=uuid.uuid4(), window=WINDOW)


def test_it_issues_an_access_guest_in_the_locks_local_time_and_grants_the_lock(remotelock):
    result = issue(remotelock)
    assert result.outcome == Outcome.ACCEPTED and result.pin == "482913"
    guest = remotelock.guests[result.ref]
    assert guest["starts_at"] == "2026-12-01T09:30:00"
    assert guest["ends_at"] == "2026-12-01T11:30:00"
    assert guest["name"] == "officepass stay 7"
    assert remotelock.accesses[result.ref] == [
        {"accessible_id": "lock-1", "accessible_type": "lock"}
    ]
    create = remotelock.api_calls("POST", "/access_persons")[0]
    assert create.headers["Accept"] == MEDIA_TYPE
    assert create.body["type"] == "access_guest"


def test_it_grants_a_door_group_when_told_to(remotelock):
    result = issue(remotelock, lock_id="group-1", accessible_type="door_group")
    assert remotelock.accesses[result.ref][0]["accessible_type"] == "door_group"


def test_it_picks_another_pin_when_the_vendor_says_the_pin_is_taken(remotelock):
    first = issue(remotelock)
    second = issue(remotelock)
    assert second.outcome == Outcome.ACCEPTED
    assert second.pin != first.pin
    assert remotelock.guests[second.ref]["pin"] == second.pin


def test_it_reuses_the_token_and_refreshes_it_once_when_the_vendor_expires_it(remotelock):
    lock = driver(remotelock)
    lock.credential_issue(request_id=uuid.uuid4(), window=WINDOW)
    assert remotelock.token_grants == 1
    remotelock.expire_tokens()
    result = lock.credential_update(request_id=uuid.uuid4(), ref=_ref(remotelock), window=WINDOW)
    assert result.outcome == Outcome.ACCEPTED
    assert remotelock.token_grants == 2
    refused = [c for c in remotelock.calls if not c.authorized]
    assert len(refused) == 1  # the stale token was refused once, then the fresh one worked


def _ref(fake: FakeRemoteLock) -> str:
    return next(iter(fake.guests))


def test_a_wrong_client_secret_is_auth_failed_and_nothing_is_created(remotelock):
    with pytest.raises(LockError) as refused:
        issue(remotelock, secret="wrong")
    assert refused.value.code == ErrorCode.AUTH_FAILED
    assert remotelock.guests == {}


def test_a_rate_limit_is_a_retryable_refusal(remotelock):
    remotelock.script = [429]
    with pytest.raises(LockError) as refused:
        issue(remotelock)
    assert refused.value.code == ErrorCode.RATE_LIMITED and refused.value.retryable
    assert remotelock.guests == {}


def test_a_vendor_5xx_may_have_acted_so_it_is_unknown(remotelock):
    remotelock.script = [500]
    assert issue(remotelock).outcome == Outcome.UNKNOWN


def test_a_timeout_after_sending_is_unknown_not_a_failure(remotelock):
    remotelock.script = ["hang"]
    assert issue(remotelock).outcome == Outcome.UNKNOWN
    remotelock.release.set()


def test_an_unanswered_grant_keeps_the_guests_id_so_it_can_be_revoked(remotelock):
    remotelock.script = [None, "hang"]  # the create is answered, the grant is not
    result = issue(remotelock)
    remotelock.release.set()
    assert result.outcome == Outcome.UNKNOWN and result.ref in remotelock.guests


def test_a_refused_grant_deletes_the_guest_it_made(remotelock):
    with pytest.raises(LockError):
        issue(remotelock, lock_id="no-such-lock")
    assert remotelock.guests == {}


def test_an_unreachable_cloud_is_offline_and_retryable(closed_port_url):
    lock = RemoteLockDriver(
        {"api_url": closed_port_url, "auth_url": closed_port_url, "lock_id": "lock-1"},
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    with pytest.raises(LockError) as refused:
        lock.credential_issue(request_id=uuid.uuid4(), window=WINDOW)
    assert refused.value.code == ErrorCode.OFFLINE and refused.value.retryable


def test_update_moves_the_window_and_revoke_deletes_once_then_says_gone(remotelock):
    lock = driver(remotelock)
    ref = lock.credential_issue(request_id=uuid.uuid4(), window=WINDOW).ref
    later = CredentialWindow(WINDOW.starts_at, WINDOW.ends_at + timedelta(hours=1), "", "x")
    assert lock.credential_update(request_id=uuid.uuid4(), ref=ref, window=later).outcome == (
        Outcome.ACCEPTED
    )
    assert remotelock.guests[ref]["ends_at"] == "2026-12-01T12:30:00"
    assert lock.credential_revoke(request_id=uuid.uuid4(), ref=ref).outcome == Outcome.ACCEPTED
    assert ref not in remotelock.guests
    again = lock.credential_revoke(request_id=uuid.uuid4(), ref=ref)
    assert again.outcome == Outcome.ACCEPTED and again.detail == {"already_gone": True}


def test_remote_unlock_status_and_an_offline_or_jammed_device(remotelock):
    lock = driver(remotelock)
    not_after = clock.now() + timedelta(hours=1)  # not under test: never the limit
    assert lock.unlock(request_id=uuid.uuid4(), not_after=not_after).outcome == Outcome.ACCEPTED
    assert remotelock.devices["lock-1"].state == "unlocked"
    assert lock.status().online
    remotelock.devices["lock-1"].jammed = True
    with pytest.raises(LockError) as jammed:
        lock.unlock(request_id=uuid.uuid4(), not_after=not_after)
    assert jammed.value.code == ErrorCode.JAMMED
    remotelock.devices["lock-1"].connected = False
    assert not lock.status().online
    with pytest.raises(LockError) as offline:
        lock.unlock(request_id=uuid.uuid4(), not_after=not_after)
    assert offline.value.code == ErrorCode.VENDOR_ERROR


def test_a_lock_without_remote_unlock_refuses_before_any_call(remotelock):
    with pytest.raises(LockError) as refused:
        driver(remotelock, remote_unlock=False).unlock(
            request_id=uuid.uuid4(),
            not_after=clock.now() + timedelta(hours=1),  # not under test: never the limit
        )
    assert refused.value.code == ErrorCode.UNSUPPORTED
    assert remotelock.calls == []
