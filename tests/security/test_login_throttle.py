"""Sign-in: per-account lockout and per-address throttling, with 429 and Retry-After."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from officepass.accounts.models import LoginFailure
from officepass.core.models import AuditEntry
from officepass.core.registry import tick
from tests import factories as f
from tests.security.helpers import sign_in

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.fixture
def limits(settings):
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_IP_MAX_FAILURES = 8
    settings.LOGIN_WINDOW_SECONDS = 600
    return settings


def test_an_account_is_locked_after_too_many_failures_even_for_the_right_password(
    client: Client, limits
) -> None:
    member = f.member("victim@x.jp")
    with time_machine.travel(T0, tick=False) as traveller:
        for n in range(5):
            traveller.move_to(T0 + timedelta(seconds=10 * n))
            # from different addresses, so only the per-account count can lock
            response = sign_in(client, member.email, "wrong", ip=f"10.0.0.{n + 1}")
            assert response.status_code == 401
            assert response.json()["code"] == "invalid_credentials"
        traveller.move_to(T0 + timedelta(seconds=60))
        locked = sign_in(client, member.email, ip="10.9.9.9")
        assert locked.status_code == 429
        assert locked.json()["code"] == "too_many_attempts"
        # the first failure (T0) leaves the 600-s window at T0+600: 540 s from now
        assert locked["Retry-After"] == "540"
        assert locked.json()["retry_after_seconds"] == 540
        assert locked.json()["message"]

        traveller.move_to(T0 + timedelta(seconds=601))
        assert sign_in(client, member.email, ip="10.9.9.9").status_code == 200
    # the right password wiped the account's failures, not the addresses' ones
    assert not LoginFailure.objects.filter(email=member.email).exists()


def test_failures_are_audited_with_the_address(client: Client, limits) -> None:
    sign_in(client, "nobody@x.jp", "guess", ip="192.0.2.7")
    row = AuditEntry.objects.get(action="auth.login_failed")
    assert row.data == {"email": "nobody@x.jp", "ip": "192.0.2.7"}
    assert "guess" not in str(row.data)


def test_one_address_spraying_many_accounts_is_throttled_but_others_are_not(
    client: Client, limits
) -> None:
    member = f.member("real@x.jp")
    with time_machine.travel(T0, tick=False):
        for n in range(8):  # 8 different accounts: no account reaches its own limit of 5
            assert sign_in(client, f"user{n}@x.jp", "guess", ip="203.0.113.5").status_code == 401
        throttled = sign_in(client, member.email, ip="203.0.113.5")
        assert throttled.status_code == 429
        assert throttled.json()["code"] == "too_many_attempts"
        assert 0 < int(throttled["Retry-After"]) <= 600
        # the account itself is not locked: the same member from elsewhere signs in
        assert sign_in(client, member.email, ip="198.51.100.1").status_code == 200


def test_a_locked_account_does_not_tell_whether_the_password_was_right(
    client: Client, limits
) -> None:
    member = f.member("quiet@x.jp")
    for n in range(5):
        sign_in(client, member.email, "wrong", ip=f"10.1.0.{n}")
    right = sign_in(client, member.email, ip="10.2.0.1")
    wrong = sign_in(client, member.email, "wrong", ip="10.2.0.2")
    assert right.status_code == wrong.status_code == 429
    assert right.json()["code"] == wrong.json()["code"] == "too_many_attempts"


def test_the_default_limits_are_set(settings) -> None:
    assert settings.LOGIN_MAX_FAILURES == 10
    assert settings.LOGIN_IP_MAX_FAILURES == 50
    assert settings.LOGIN_WINDOW_SECONDS == 900


def test_the_worker_forgets_failures_older_than_the_window(client: Client, limits) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        sign_in(client, "old@x.jp", "wrong")
        traveller.move_to(T0 + timedelta(seconds=300))
        sign_in(client, "new@x.jp", "wrong")
        traveller.move_to(T0 + timedelta(seconds=601))
        assert tick()["login_failures_pruned"] == 1
    assert list(LoginFailure.objects.values_list("email", flat=True)) == ["new@x.jp"]
