"""Sign-in lockout under parallel guesses (PostgreSQL): 30 wrong passwords at once against a
limit of 10 get exactly 10 password checks; the other 20 are refused before any check.

The control removes the guard (the lock that makes counting and claiming one step) and shows
the same race letting more than 10 guesses reach the password check.
"""

import time
from functools import partial

import pytest

from officepass.accounts import services
from officepass.accounts.models import LoginFailure
from officepass.accounts.services import user_authenticate
from officepass.core.models import AuditEntry
from tests import factories
from tests.concurrency.race import run_together, tally

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]
GUESSES = 30
LIMIT = 10
CONTROL_ROUNDS = 5


@pytest.fixture
def limits(settings):
    settings.LOGIN_MAX_FAILURES = LIMIT
    settings.LOGIN_IP_MAX_FAILURES = 1000  # only the per-account lockout is raced here
    settings.LOGIN_WINDOW_SECONDS = 900


def _thirty_wrong_passwords_at_once(email: str) -> list[object]:
    factories.member(email, tickets=0)
    return run_together(
        [
            partial(user_authenticate, email=email, password="wrong", ip=f"10.0.{n // 250}.{n}")
            for n in range(GUESSES)
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_wrong_passwords_get_ten_password_checks(limits) -> None:
    outcomes = _thirty_wrong_passwords_at_once("victim@example.com")
    assert tally(outcomes) == {"invalid_credentials": LIMIT, "too_many_attempts": GUESSES - LIMIT}
    assert LoginFailure.objects.filter(email="victim@example.com").count() == LIMIT
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == LIMIT


def _unguarded_lock(*, email: str, ip: str | None) -> None:
    """The bug the guard prevents: count, then claim, with nothing holding the two together."""


@pytest.mark.django_db(transaction=True)
def test_control_without_the_guard_more_than_ten_guesses_are_checked(
    limits, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_blocked_for = services.login_blocked_for

    def blocked_for_then_pause(**who: object) -> int:
        wait = real_blocked_for(**who)  # type: ignore[arg-type]
        time.sleep(0.005)  # between the count and the claim
        return wait

    monkeypatch.setattr(services, "login_attempt_lock", _unguarded_lock)
    monkeypatch.setattr(services, "login_blocked_for", blocked_for_then_pause)
    checked = 0
    for round_ in range(CONTROL_ROUNDS):
        outcomes = _thirty_wrong_passwords_at_once(f"control{round_}@example.com")
        checked = tally(outcomes)["invalid_credentials"]
        if checked > LIMIT:
            break
    assert checked > LIMIT, "the unguarded count never let more than the limit through"
