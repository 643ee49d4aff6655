"""Check-in races on PostgreSQL: the seat counter and the one-active-stay index hold.

Each guard has a control test that removes it and shows the same race breaking the invariant,
so a passing guarded test means the guard works, not that the race never happened.
"""

import time
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from officepass.accounts.models import User
from officepass.core import clock
from officepass.offices.models import Space
from officepass.stays import services
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in
from tests import factories
from tests.concurrency.race import (
    active_stays,
    balance,
    consume_entries,
    counter_breaches,
    ledger_breaches,
    run_together,
    tally,
)

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

ONE_ACTIVE_STAY_INDEX = "one_active_stay_per_member"  # stays/migrations/0001_initial.py
CONTROL_ROUNDS = 5


def _index_definition(name: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def _unguarded_space_claim(space_id: int) -> bool:
    """The bug the guard prevents: read the counter, decide in Python, write read + 1."""
    in_use, quota = Space.objects.values_list("in_use", "quota").get(pk=space_id)
    if in_use >= quota:
        return False
    time.sleep(0.005)  # widen the window between the read and the write
    Space.objects.filter(pk=space_id).update(in_use=in_use + 1)
    return True


def unguard_the_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    """The steps' claim without its guard (read, decide in Python, write), on the steps' path.
    The one statement's guard has its control in tests/stays/test_one_statement.py: without
    it only the counter's CHECK constraint stops a third check-in."""
    monkeypatch.setattr(django_settings, "CHECK_IN_ONE_STATEMENT", False)
    monkeypatch.setattr(services, "space_claim", _unguarded_space_claim)


@pytest.fixture(params=["one statement", "steps"])
def check_in_path(request: pytest.FixtureRequest, settings: Any) -> str:
    """On PostgreSQL a check-in's writes are one statement; the steps are SQLite's path and
    the setting's other value. Races run on both."""
    settings.CHECK_IN_ONE_STATEMENT = request.param == "one statement"
    return str(request.param)


@pytest.fixture
def without_one_active_stay_index(on_postgres: None) -> Iterator[None]:
    """Drop the partial unique index for one test and put back exactly what was there.

    The schema outlives the transactional test's flush, so the index must return here; the
    duplicate active stays the test creates are ended first or it could not be rebuilt.
    """
    definition = _index_definition(ONE_ACTIVE_STAY_INDEX)
    assert definition is not None, f"index {ONE_ACTIVE_STAY_INDEX} is missing before the test"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{ONE_ACTIVE_STAY_INDEX}"')
    try:
        yield
    finally:
        Stay.objects.filter(status=Stay.Status.ACTIVE).update(
            status=Stay.Status.CANCELLED, ended_at=clock.now()
        )
        with connection.cursor() as cursor:
            cursor.execute(definition)
    assert _index_definition(ONE_ACTIVE_STAY_INDEX) == definition


def _fifty_members_race_for_two_seats(label: str) -> tuple[Space, list[object]]:
    space = factories.space(factories.office(f"Office {label}"), quota=2)
    code = factories.code_for(space)
    members = [factories.corporate_member(f"{label}-{i}@example.com") for i in range(50)]
    outcomes = run_together(
        [partial(stay_check_in, member=m, code=code, minutes=120) for m in members]
    )
    space.refresh_from_db()
    return space, outcomes


def _one_member_races_into_ten_spaces() -> tuple[User, list[Space], list[object]]:
    office = factories.office()
    spaces = [factories.space(office, name=f"Space {i}") for i in range(10)]
    member = factories.member(tickets=30)
    codes = [factories.code_for(s) for s in spaces]
    outcomes = run_together(
        [partial(stay_check_in, member=member, code=c, minutes=120) for c in codes]
    )
    return member, spaces, outcomes


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_two_of_fifty_members_into_a_space_with_quota_two(
    check_in_path: str,
) -> None:
    space, outcomes = _fifty_members_race_for_two_seats("guarded")

    assert tally(outcomes) == {"ok": 2, "space_full": 48}
    assert space.in_use == active_stays(space=space) == 2
    assert Stay.objects.count() == 2
    assert consume_entries() == 2
    assert counter_breaches([space]) == []
    members = [o.member for o in outcomes if isinstance(o, Stay)]
    assert ledger_breaches(members) == []


@pytest.mark.django_db(transaction=True)
def test_control_without_the_guard_the_same_race_oversells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unguard_the_claim(monkeypatch)
    breaches: list[str] = []
    for round_ in range(CONTROL_ROUNDS):
        space, _ = _fifty_members_race_for_two_seats(f"unguarded{round_}")
        breaches = counter_breaches([space])
        if breaches:
            break

    assert breaches, f"no oversell in {CONTROL_ROUNDS} rounds: the race never happened"
    stays = active_stays(space=space)
    assert stays > space.quota or space.in_use != stays, breaches


@pytest.mark.django_db(transaction=True)
def test_it_lets_one_member_racing_into_ten_spaces_check_in_once(check_in_path: str) -> None:
    assert _index_definition(ONE_ACTIVE_STAY_INDEX) is not None, "index left dropped"

    member, spaces, outcomes = _one_member_races_into_ten_spaces()

    assert tally(outcomes) == {"ok": 1, "already_checked_in": 9}
    (stay,) = [o for o in outcomes if isinstance(o, Stay)]
    assert stay.tickets_consumed == 1
    assert active_stays(member=member) == 1
    assert balance(member) == 30 - stay.tickets_consumed
    assert consume_entries(member=member) == 1
    seats_taken = Space.objects.filter(pk__in=[s.pk for s in spaces]).values_list(
        "in_use", flat=True
    )
    assert sum(seats_taken) == 1
    assert counter_breaches(spaces) == []
    assert ledger_breaches([member]) == []


@pytest.mark.django_db(transaction=True)
def test_control_without_the_unique_index_one_member_holds_several_active_stays(
    without_one_active_stay_index: None,
) -> None:
    member, _, outcomes = _one_member_races_into_ten_spaces()

    # Only the index stops a second stay (there is no read-then-check to race), so every
    # check-in that wins its own space's seat becomes another active stay.
    assert tally(outcomes)["ok"] > 1, tally(outcomes)
    assert active_stays(member=member) > 1
