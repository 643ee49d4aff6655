"""The clock jumps forward (a VM resumed, NTP stepped): a day, then past a monthly cycle.

Nothing needs the worker to have run in between: time decides (unlock, extend and checkout
answer `stay_not_active`), a check-in into the full space frees the expired seats itself,
the worker's next round forces the rest out once, and the cycle is granted once.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from officepass.core.errors import DomainError
from officepass.core.reconcile import all_breaches
from officepass.core.registry import tick
from officepass.stays import services
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry
from tests import factories

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def test_a_jump_of_a_day_ends_stays_by_time_and_the_worker_tidies_once() -> None:
    space = factories.space(quota=2)
    with time_machine.travel(T0, tick=False) as traveller:
        members = [factories.member(f"j{i}@x.jp", tickets=10) for i in range(3)]
        stays = [
            services.stay_check_in(member=m, code=factories.code_for(space), minutes=120)
            for m in members[:2]
        ]
        with pytest.raises(DomainError) as full:
            services.stay_check_in(member=members[2], code=factories.code_for(space), minutes=120)
        assert full.value.code == "space_full"

        traveller.move_to(T0 + timedelta(days=1))  # the jump; no worker round ran

        for call in (
            lambda s: services.stay_unlock(member=s.member, stay_id=s.pk),
            lambda s: services.stay_extend(member=s.member, stay_id=s.pk, minutes=120),
            lambda s: services.stay_checkout(member=s.member, stay_id=s.pk),
        ):
            with pytest.raises(DomainError) as late:
                call(stays[0])
            assert late.value.code == "stay_not_active"
        # the third member gets in: the check-in frees the expired seats itself
        third = services.stay_check_in(
            member=members[2], code=factories.code_for(space), minutes=120
        )
        assert third.status == Stay.Status.ACTIVE
        first_round, second_round = tick(), tick()

    assert first_round["forced_out"] <= 2  # the check-in may have freed them already
    assert second_round["forced_out"] == 0  # nothing left, nothing doubled
    assert Stay.objects.filter(status=Stay.Status.FORCED_OUT).count() == 2
    space.refresh_from_db()
    assert space.in_use == 1
    # no ticket moved for the forced checkouts: three check-ins, one consume each
    assert LedgerEntry.objects.filter(kind="consume").count() == 3
    assert all_breaches() == []
    call_command("reconcile")


def test_a_jump_past_the_cycle_end_grants_the_next_cycle_once() -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        member = factories.member("cycle@x.jp", tickets=10)
        member.cycle_ends_at = T0 + timedelta(days=3)
        member.save(update_fields=["cycle_ends_at"])
        before = LedgerEntry.objects.filter(member=member).count()
        traveller.move_to(T0 + timedelta(days=45))  # past the end, and past the next one
        rounds = [tick() for _ in range(3)]
    member.refresh_from_db()
    entries = LedgerEntry.objects.filter(member=member)
    assert entries.count() > before, rounds
    assert member.cycle_ends_at > T0 + timedelta(days=45)
    # re-running the rounds later changes nothing (each cycle rolled over once)
    with time_machine.travel(T0 + timedelta(days=45, minutes=1), tick=False):
        tick()
    assert LedgerEntry.objects.filter(member=member).count() == entries.count()
    assert all_breaches() == []
