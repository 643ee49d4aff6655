"""Lock-order deadlocks on PostgreSQL: two members swapping spaces, two workers ending stays.

A transaction that locks two `offices_space` rows can deadlock with one that locks the same
two rows in the opposite order; PostgreSQL then aborts one of them with "deadlock detected"
(a raw OperationalError, so an HTTP 500). Each test holds a short pause inside the window
between the two row locks, so with the old ordering every round deadlocks, and checks that
every call still succeeds and every counter still matches its active stays.

The same swap into full spaces once deadlocked differently: each check-in transaction ended
the other member's expired stay, and the two new stays' unique-index checks waited on each
other. Expired stays now end in their own transactions before the check-in is retried.
"""

import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
import time_machine

from officepass.accounts.models import User
from officepass.core.models import AuditEntry
from officepass.offices.models import Space
from officepass.stays import one_statement, services
from officepass.stays.models import Stay
from tests import factories
from tests.concurrency.race import active_stays, counter_breaches, run_together, tally

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

CHECKED_IN_AT = datetime(2026, 11, 24, 1, tzinfo=UTC)  # the office is always open
MINUTES = 120
PAST_EVERY_DEADLINE = CHECKED_IN_AT + timedelta(minutes=MINUTES, hours=1)

SWAP_ROUNDS = 30
SWAP_PAUSE_S = 0.1  # between freeing the old seat and claiming the new one
WORKER_ROUNDS = 3
STAYS_PER_SPACE = 15
# A backlog longer than one batch, as when the worker falls behind: with the old single
# transaction per batch, two workers took disjoint batches (SELECT … FOR UPDATE SKIP LOCKED)
# that start in different spaces; an odd size makes the second batch start in S2.
WORKER_BATCH = STAYS_PER_SPACE
WORKER_PAUSE_S = 0.01  # before each seat release, between one space row lock and the next


def _paused(original: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return original(*args, **kwargs)

    return call


def _forced_out_audits(stay: Stay) -> int:
    return AuditEntry.objects.filter(
        action="stay.forced_out", target_type="stays.stay", target_id=str(stay.pk)
    ).count()


class _Swap:
    """X holds a stay in S1 and Y one in S2, both checked in at CHECKED_IN_AT."""

    def __init__(self, round_: int, quota: int) -> None:
        office = factories.office(f"Swap {round_}")
        self.s1 = factories.space(office, name="S1", quota=quota)
        self.s2 = factories.space(office, name="S2", quota=quota)
        self.x = factories.member(f"x{round_}@example.com")
        self.y = factories.member(f"y{round_}@example.com")
        self.code_s1, self.code_s2 = factories.code_for(self.s1), factories.code_for(self.s2)
        self.x_old = services.stay_check_in(member=self.x, code=self.code_s1, minutes=MINUTES)
        self.y_old = services.stay_check_in(member=self.y, code=self.code_s2, minutes=MINUTES)

    def race(self) -> list[object]:
        return run_together(
            [
                partial(services.stay_check_in, member=self.x, code=self.code_s2, minutes=MINUTES),
                partial(services.stay_check_in, member=self.y, code=self.code_s1, minutes=MINUTES),
            ]
        )


def _x_and_y_swap_spaces_round_after_round(monkeypatch: pytest.MonkeyPatch, quota: int) -> None:
    """X → S2 and Y → S1 at once, after both stays expired: both succeed, every round."""
    with time_machine.travel(CHECKED_IN_AT, tick=False):
        swaps = [_Swap(round_, quota) for round_ in range(SWAP_ROUNDS)]
    # Pause inside the check-in transaction, just before the seat is claimed.
    monkeypatch.setattr(services, "space_claim", _paused(services.space_claim, SWAP_PAUSE_S))
    # The same pause where a PostgreSQL check-in sends its writes as one statement.
    monkeypatch.setattr(
        one_statement, "check_in_writes", _paused(one_statement.check_in_writes, SWAP_PAUSE_S)
    )

    with time_machine.travel(PAST_EVERY_DEADLINE, tick=False):
        for round_, swap in enumerate(swaps):
            outcomes = swap.race()

            assert tally(outcomes) == {"ok": 2}, f"round {round_}: {outcomes}"
            new_x, new_y = outcomes
            assert isinstance(new_x, Stay) and isinstance(new_y, Stay)
            assert (new_x.member_id, new_x.space_id) == (swap.x.pk, swap.s2.pk)
            assert (new_y.member_id, new_y.space_id) == (swap.y.pk, swap.s1.pk)
            for old in (swap.x_old, swap.y_old):
                old.refresh_from_db()
                assert old.status == Stay.Status.FORCED_OUT, f"round {round_}: {old}"
                assert old.ended_at == old.deadline
                assert _forced_out_audits(old) == 1
            assert active_stays(member__in=[swap.x, swap.y]) == 2
            assert counter_breaches([swap.s1, swap.s2]) == [], f"round {round_}"
            spaces = Space.objects.filter(pk__in=[swap.s1.pk, swap.s2.pk])
            assert sorted(spaces.values_list("in_use", flat=True)) == [1, 1]


@pytest.mark.django_db(transaction=True)
def test_two_members_swapping_spaces_after_their_stays_expired_both_check_in_without_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _x_and_y_swap_spaces_round_after_round(monkeypatch, quota=2)


@pytest.mark.django_db(transaction=True)
def test_two_members_swapping_full_spaces_after_their_stays_expired_both_check_in_without_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _x_and_y_swap_spaces_round_after_round(monkeypatch, quota=1)


def _worker_ticks() -> int:
    """What the worker does tick after tick: finalize a batch until none is left."""
    total = 0
    while done := services.stays_finalize_expired(limit=WORKER_BATCH):
        total += done
    return total


def _interleaved_expired_stays(round_: int) -> tuple[list[Space], list[Stay]]:
    """2 × STAYS_PER_SPACE stays whose deadlines alternate S1, S2, S1, S2, …"""
    office = factories.office(f"Workers {round_}")
    spaces = [factories.space(office, name=name, quota=STAYS_PER_SPACE) for name in ("S1", "S2")]
    codes = [factories.code_for(s) for s in spaces]
    stays = []
    for i in range(2 * STAYS_PER_SPACE):
        member: User = factories.corporate_member(f"w{round_}-{i}@example.com")
        with time_machine.travel(CHECKED_IN_AT + timedelta(seconds=i), tick=False):
            stays.append(services.stay_check_in(member=member, code=codes[i % 2], minutes=MINUTES))
    return spaces, stays


@pytest.mark.django_db(transaction=True)
def test_two_workers_finalizing_the_same_expired_stays_never_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for round_ in range(WORKER_ROUNDS):
        spaces, stays = _interleaved_expired_stays(round_)
        with monkeypatch.context() as patch, time_machine.travel(PAST_EVERY_DEADLINE, tick=False):
            patch.setattr(
                services, "space_release", _paused(services.space_release, WORKER_PAUSE_S)
            )
            outcomes = run_together([_worker_ticks] * 2)

        assert tally(outcomes) == {"ok": 2}, f"round {round_}: {outcomes}"
        assert sum(outcomes) == len(stays), f"round {round_}: {outcomes}"
        for stay in stays:
            stay.refresh_from_db()
            assert stay.status == Stay.Status.FORCED_OUT, f"round {round_}: {stay}"
            assert stay.ended_at == stay.deadline
        assert Counter(_forced_out_audits(s) for s in stays) == {1: len(stays)}
        assert active_stays(space__in=spaces) == 0
        assert counter_breaches(spaces) == [], f"round {round_}"
        in_use = Space.objects.filter(pk__in=[s.pk for s in spaces])
        assert list(in_use.values_list("in_use", flat=True)) == [0, 0]
