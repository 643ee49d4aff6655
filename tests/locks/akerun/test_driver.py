"""The Akerun driver against the local fake API v3: onboarding tokens, refresh, jobs, history."""

import uuid
from datetime import timedelta
from typing import Any

import pytest

from officepass.core import clock
from officepass.locks.drivers.akerun import tokens
from officepass.locks.drivers.akerun.driver import AkerunDriver
from officepass.locks.drivers.base import ErrorCode, LockError, Outcome
from officepass.locks.models import LockCloudAccount
from tests.locks.akerun.conftest import AKERUN_SETTINGS, REDIRECT

pytestmark = pytest.mark.django_db


def driver(**extra: Any) -> AkerunDriver:
    return AkerunDriver({**AKERUN_SETTINGS, **extra}, {})


def unlock(lock: AkerunDriver, request_id: uuid.UUID | None = None) -> Any:
    not_after = clock.now() + timedelta(hours=1)  # not under test: never the limit
    return lock.unlock(request_id=request_id or uuid.uuid4(), not_after=not_after)


def test_onboarding_keeps_the_tokens_only_encrypted(connected, akerun):
    row = LockCloudAccount.objects.get(name="hq")
    assert row.access_token and row.refresh_token
    assert all(token not in (row.access_token, row.refresh_token) for token in akerun.tokens)
    assert tokens.unseal(row.access_token) in akerun.tokens


def test_a_code_for_another_redirect_uri_is_refused(akerun):
    code = akerun.issue_code("https://evil.example/callback")
    with pytest.raises(LockError) as refused:
        tokens.account_connect(
            actor=None, name="x", code=code, redirect_uri=REDIRECT, operator_id=None
        )
    assert refused.value.code == ErrorCode.AUTH_FAILED
    assert not LockCloudAccount.objects.exists()


def test_an_unlock_job_confirmed_by_the_access_history(connected, akerun):
    result = unlock(driver())
    assert result.outcome == Outcome.CONFIRMED
    assert len(akerun.unlock_jobs()) == 1


def test_without_a_history_entry_it_is_only_accepted(connected, akerun):
    akerun.history = False
    assert unlock(driver(confirm_seconds=0.3)).outcome == Outcome.ACCEPTED


def test_a_second_unlock_while_a_job_runs_is_in_flight_not_a_failure(connected, akerun):
    akerun.keep_jobs_running = True
    unlock(driver())
    second = unlock(driver(confirm_seconds=0))
    assert second.outcome == Outcome.ACCEPTED and second.detail == {"in_flight": True}


def test_an_expired_token_is_refreshed_once_with_the_rotated_refresh_token(connected, akerun):
    akerun.expire_tokens()
    assert unlock(driver()).outcome == Outcome.CONFIRMED
    assert akerun.grants == ["authorization_code", "refresh_token"]
    assert len(akerun.unlock_jobs()) == 2  # the first was refused (401) before acting
    akerun.expire_tokens()
    assert unlock(driver()).outcome == Outcome.CONFIRMED  # the rotated refresh token works
    assert akerun.grants[-1] == "refresh_token"


def test_a_token_near_its_expiry_is_refreshed_before_the_call(connected, akerun):
    LockCloudAccount.objects.filter(name="hq").update(expires_at=clock.now())
    unlock(driver())
    assert akerun.grants == ["authorization_code", "refresh_token"]
    assert all(c.authorized for c in akerun.calls)


def test_an_unconnected_account_is_auth_failed_before_any_call(akerun, db):
    with pytest.raises(LockError) as refused:
        unlock(driver(account="nobody"))
    assert refused.value.code == ErrorCode.AUTH_FAILED and akerun.calls == []


def test_the_rate_limit_is_a_retryable_refusal(connected, akerun):
    akerun.script = [429]
    with pytest.raises(LockError) as refused:
        unlock(driver())
    assert refused.value.code == ErrorCode.RATE_LIMITED and refused.value.retryable


def test_an_unreachable_akerun_is_offline(connected, akerun):
    akerun.script = [503]
    with pytest.raises(LockError) as refused:
        unlock(driver())
    assert refused.value.code == ErrorCode.OFFLINE


def test_a_5xx_after_sending_is_unknown(connected, akerun):
    akerun.script = [500]
    assert unlock(driver()).outcome == Outcome.UNKNOWN


def test_a_timeout_is_unknown_and_never_sent_again(connected, akerun):
    akerun.script = ["hang"]
    request_id = uuid.uuid4()
    assert unlock(driver(), request_id).outcome == Outcome.UNKNOWN
    akerun.release.set()
    assert unlock(driver(), request_id).outcome == Outcome.UNKNOWN
    assert len(akerun.unlock_jobs()) == 1


def test_status_and_health(connected, akerun):
    status = driver().status()
    assert status.online and status.detail["battery_percentage"] == 76
    assert not driver(akerun_id="A-404").status().online
