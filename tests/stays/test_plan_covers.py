"""A plan may cover only some offices or seat types: check-in says `plan_not_valid_here`;
after a failed renewal's grace period check-in says `payment_required`."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from officepass.accounts.models import Plan
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.stays.services import stay_check_in, stay_checkout
from tests import factories

pytestmark = pytest.mark.django_db


def test_plan_limited_to_offices_and_seat_types() -> None:
    plan = factories.plan("limited", seat_types=["open"])
    member = factories.member(plan_=plan)
    covered, other = factories.office("Covered"), factories.office("Other")
    plan.offices.set([covered])
    with pytest.raises(DomainError) as refused:
        stay_check_in(member=member, code=factories.code_for(factories.space(other)), minutes=120)
    assert refused.value.code == "plan_not_valid_here" and refused.value.status == 403
    booth = factories.space(covered, seat_type="booth")
    with pytest.raises(DomainError) as refused:
        stay_check_in(member=member, code=factories.code_for(booth), minutes=120)
    assert refused.value.code == "plan_not_valid_here"
    stay_check_in(member=member, code=factories.code_for(factories.space(covered)), minutes=120)


def test_check_in_reads_the_plans_offices_with_the_space_and_sees_a_change_at_once() -> None:
    """Issue 18: the plan's offices come in the statement that reads the space (one round
    trip fewer), read afresh at every check-in."""
    plan = factories.plan("limited")
    member = factories.member(plan_=plan)
    covered, other = factories.office("Covered"), factories.office("Other")
    plan.offices.set([covered])
    code = factories.code_for(factories.space(other))
    with CaptureQueriesContext(connection) as reads, pytest.raises(DomainError) as refused:
        stay_check_in(member=member, code=code, minutes=120)
    assert refused.value.code == "plan_not_valid_here"
    table = Plan.offices.through._meta.db_table
    asking = [q["sql"] for q in reads.captured_queries if table in q["sql"]]
    assert len(asking) == 1 and "offices_space" in asking[0]
    plan.offices.add(other)
    assert stay_check_in(member=member, code=code, minutes=120).office_id == other.pk


def test_a_plan_without_limits_covers_everything() -> None:
    member = factories.member()
    booth = factories.space(seat_type="booth")
    stay_check_in(member=member, code=factories.code_for(booth), minutes=120)


def test_payment_required_after_the_grace_period_only() -> None:
    member = factories.member()
    space = factories.space(quota=5)
    member.payment_grace_ends_at = clock.now() + timedelta(minutes=1)
    member.save()
    stay = stay_check_in(member=member, code=factories.code_for(space), minutes=120)
    assert stay.status == "active"
    member.payment_grace_ends_at = clock.now() - timedelta(seconds=1)
    member.save()
    # The running stay goes on (never cut short); the next check-in is refused.
    stay.refresh_from_db()
    assert stay.is_running(clock.now())
    stay_checkout(member=member, stay_id=stay.pk, unlock=False)
    with pytest.raises(DomainError) as refused:
        stay_check_in(member=member, code=factories.code_for(space), minutes=120)
    assert refused.value.code == "payment_required" and refused.value.status == 402
