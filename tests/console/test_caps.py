"""A corporate admin caps an employee's monthly tickets; check-in and extension respect it."""

from datetime import timedelta

import pytest
import time_machine

from officepass.core import clock
from officepass.core.clock import next_month_start
from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.stays.services import stay_check_in, stay_checkout, stay_extend, stay_force_checkout
from tests import factories


@pytest.fixture
def fresh(world):
    stay_force_checkout(actor=world.staff, stay_id=world.stay.pk, reason="test")
    return world


def test_the_admin_sets_a_cap_and_check_in_beyond_it_is_refused(client, fresh):
    world = fresh
    client.force_login(world.admin)
    response = client.post(f"/console/members/{world.employee.pk}/cap/", {"cap": 3})
    assert response.status_code == 302
    world.employee.refresh_from_db()
    assert world.employee.monthly_ticket_cap == 3
    assert AuditEntry.objects.filter(action="member.cap_set").count() == 1
    # A month that holds none of the fixture's own consumption, whatever today is.
    month = next_month_start(clock.now())
    with time_machine.travel(month + timedelta(days=2, hours=10), tick=False) as traveller:
        code = factories.code_for(world.space)
        stay = stay_check_in(member=world.employee, code=code, minutes=240)  # 2 of 3
        traveller.shift(timedelta(minutes=230))
        with pytest.raises(DomainError) as refused:
            stay_extend(member=world.employee, stay_id=stay.pk, minutes=240)  # would be 4
        assert refused.value.code == "monthly_cap_reached"
        stay_extend(member=world.employee, stay_id=stay.pk, minutes=120)  # 3 of 3
        stay_checkout(member=world.employee, stay_id=stay.pk, unlock=False)
        with pytest.raises(DomainError) as refused:
            stay_check_in(member=world.employee, code=code, minutes=120)
        assert refused.value.code == "monthly_cap_reached"
        traveller.move_to(next_month_start(month) + timedelta(hours=9))  # the 1st, 09:00 local
        assert stay_check_in(member=world.employee, code=code, minutes=120).tickets_consumed == 1


def test_another_companys_admin_cannot_set_the_cap(client, fresh):
    client.force_login(fresh.other_admin)
    assert client.post(f"/console/members/{fresh.employee.pk}/cap/", {"cap": 0}).status_code == 404
    fresh.employee.refresh_from_db()
    assert fresh.employee.monthly_ticket_cap is None
