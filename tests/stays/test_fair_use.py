"""Fair use (docs/rules.md; per office, off by default): whole unused units come back."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from officepass.core.registry import all_breaches
from officepass.stays.services import stay_check_in, stay_checkout
from officepass.tickets.models import LedgerEntry
from tests import factories as f

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def checkout_after_70_minutes(*, fair_use: bool):
    member = f.member(tickets=10)
    with time_machine.travel(MORNING, tick=False):
        space = f.space(f.office(unit_minutes=120, fair_use_refunds=fair_use))
        stay = stay_check_in(member=member, code=f.code_for(space), minutes=240)
    with time_machine.travel(MORNING + timedelta(minutes=70), tick=False):
        stay_checkout(member=member, stay_id=stay.pk, unlock=False)
    stay.refresh_from_db()
    member.ticket_account.refresh_from_db()
    return member, stay


def test_a_fair_use_office_gives_back_one_whole_unused_unit():
    member, stay = checkout_after_70_minutes(fair_use=True)
    assert stay.tickets_consumed == 2 and stay.tickets_refunded == 1
    assert member.ticket_account.balance == 9
    refund = LedgerEntry.objects.get(kind=LedgerEntry.Kind.REFUND)
    assert refund.tickets == 1 and refund.stay_id == stay.pk
    assert "fair use" in refund.reason
    assert all_breaches() == []


def test_fair_use_is_off_by_default():
    member, stay = checkout_after_70_minutes(fair_use=False)
    assert stay.tickets_refunded == 0 and member.ticket_account.balance == 8
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()
    assert all_breaches() == []


def test_less_than_a_unit_left_gives_nothing_back():
    member = f.member(tickets=10)
    with time_machine.travel(MORNING, tick=False):
        space = f.space(f.office(unit_minutes=120, fair_use_refunds=True))
        stay = stay_check_in(member=member, code=f.code_for(space), minutes=240)
    with time_machine.travel(MORNING + timedelta(minutes=150), tick=False):
        stay_checkout(member=member, stay_id=stay.pk, unlock=False)
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()
