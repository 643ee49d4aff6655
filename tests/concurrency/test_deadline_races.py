"""An extension paid at the deadline is never lost to a forced checkout at the old deadline.

Members extend in the last minute before their deadline while two workers, whose clocks are
already past it (another host, a slow request: the member's `now` was read first), force out
what they read as expired. The guard: the forced checkout's UPDATE compares the stay's
deadline with the one it judged passed, in the same statement, so an extension committed in
between keeps the stay. The control ends stays the old way (status checked, deadline not)
and must see a paid extension forced out at the old deadline.
"""

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from officepass.core import clock
from officepass.stays import services
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry
from tests import factories
from tests.concurrency.race import counter_breaches, ledger_breaches, run_together, tally

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

MEMBERS = 12
WORKERS = 2
ROUNDS = 3
MINUTES = 120
_thread = threading.local()


@pytest.fixture
def clock_per_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`clock.now()` answers each thread's own instant (the real clock where none is set)."""
    real = timezone.now
    monkeypatch.setattr(clock, "now", lambda: getattr(_thread, "now", None) or real())
    yield


def _at(instant: datetime, call: Callable[[], Any]) -> Any:
    _thread.now = instant
    try:
        return call()
    finally:
        _thread.now = None


def _round(label: str) -> tuple[list[Stay], list[Any]]:
    """MEMBERS stays with one deadline; each member extends a minute before it while the
    workers, a second past it, force out what they find expired."""
    _thread.now = clock.now()
    space = factories.space(factories.office(f"Office {label}"), quota=MEMBERS)
    code = factories.code_for(space)
    members = [factories.member(f"{label}-{i}@example.com", tickets=5) for i in range(MEMBERS)]
    stays = [services.stay_check_in(member=m, code=code, minutes=MINUTES) for m in members]
    _thread.now = None
    deadline = stays[0].deadline
    extend = [
        partial(
            _at,
            deadline - timedelta(minutes=1),
            partial(services.stay_extend, member=s.member, stay_id=s.pk, minutes=MINUTES),
        )
        for s in stays
    ]
    sweep = [partial(_at, deadline + timedelta(seconds=1), services.stays_finalize_expired)]
    outcomes = run_together(extend + sweep * WORKERS)
    return [Stay.objects.get(pk=s.pk) for s in stays], outcomes[:MEMBERS]


def _lost_extensions(stays: list[Stay]) -> list[str]:
    """Stays that paid for an extension and were still forced out before its new deadline."""
    return [
        f"stay {s.pk}: {s.extensions} extension(s) paid, forced out at {s.ended_at}"
        for s in stays
        if s.status == Stay.Status.FORCED_OUT and (s.extensions or s.ended_at != s.deadline)
    ]


@pytest.mark.django_db(transaction=True)
def test_an_extension_committed_at_the_deadline_keeps_the_stay(clock_per_thread: None) -> None:
    for round_ in range(ROUNDS):
        stays, outcomes = _round(f"guarded{round_}")

        assert _lost_extensions(stays) == []
        extended = [s for s in stays if s.extensions]
        assert tally(outcomes)["ok"] == len(extended)
        for stay in extended:
            assert stay.status == Stay.Status.ACTIVE
            assert stay.tickets_consumed == 2
            assert LedgerEntry.objects.filter(stay=stay, kind="consume").count() == 2
        for stay in stays:
            if not stay.extensions:
                assert (stay.status, stay.ended_at) == (Stay.Status.FORCED_OUT, stay.deadline)
        assert counter_breaches([stays[0].space]) == []
        assert ledger_breaches([s.member for s in stays]) == []


def _end_expired_without_the_deadline_guard(stay: Stay) -> bool:
    """The bug: the stay is ended if it is still active, whatever its deadline is now."""
    time.sleep(0.005)  # widen the window between the read and the write
    with transaction.atomic():
        return services.stay_end(
            stay,
            status=Stay.Status.FORCED_OUT,
            ended_at=stay.deadline,
            actor=None,
            reason="deadline passed",
        )


@pytest.mark.django_db(transaction=True)
def test_control_without_the_deadline_guard_a_paid_extension_is_forced_out(
    clock_per_thread: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "_end_expired", _end_expired_without_the_deadline_guard)
    lost: list[str] = []
    for round_ in range(ROUNDS):
        stays, _ = _round(f"unguarded{round_}")
        lost = _lost_extensions(stays)
        if lost:
            break
    assert lost, f"no extension lost in {ROUNDS} rounds: the race never happened"
