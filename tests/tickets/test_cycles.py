"""Monthly cycles: nothing is paid from a finished cycle, and the anchor day is kept."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from officepass.accounts.models import User
from officepass.stays.services import stay_check_in, stay_extend
from officepass.tickets.checks import ledger_breaches
from officepass.tickets.cycles import add_month, cycles_roll_due
from officepass.tickets.models import LedgerEntry
from officepass.tickets.selectors import balance_of
from officepass.tickets.services import ticket_purchase_pack
from tests import factories as f

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
CYCLE_END = datetime(2027, 1, 1, tzinfo=TOKYO)  # a cycle that ends at 1 Jan 00:00 in Tokyo


def member_whose_cycle_ends(at: datetime, tickets: int = 10) -> User:
    """A member granted `tickets` a day before their cycle ends at `at` (whatever today is)."""
    with time_machine.travel(at - timedelta(days=1), tick=False):
        member = f.member(tickets=tickets)
    User.objects.filter(pk=member.pk).update(cycle_ends_at=at)
    member.refresh_from_db()
    return member


def replayed(member: User) -> list[tuple[str, int, int, int]]:
    """Each entry in time order with the balance the entries before it add up to."""
    running, rows = 0, []
    for entry in LedgerEntry.objects.filter(member=member).order_by("effective_at", "id"):
        running += entry.tickets
        rows.append((entry.kind, entry.tickets, entry.balance_after, running))
    return rows


def assert_ledger_in_time_order(member: User) -> None:
    for kind, tickets, balance_after, running in replayed(member):
        assert balance_after == running, (kind, tickets, replayed(member))
    newest = LedgerEntry.objects.filter(member=member).first()  # the ledger's own ordering
    assert newest is not None and newest.balance_after == balance_of(member)


def test_an_extension_just_after_the_cycle_end_is_paid_from_the_new_cycle() -> None:
    member = member_whose_cycle_ends(CYCLE_END)
    with time_machine.travel(CYCLE_END - timedelta(minutes=110), tick=False):
        stay = stay_check_in(member=member, code=f.code_for(f.space()), minutes=120)
    with time_machine.travel(CYCLE_END + timedelta(minutes=1), tick=False):
        stay_extend(member=member, stay_id=stay.pk, minutes=120)  # before any worker round
        cycles_roll_due()  # the worker comes later

    kinds = [(kind, tickets) for kind, tickets, _, _ in replayed(member)]
    assert kinds == [("grant", 10), ("consume", -1), ("expire", -9), ("grant", 10), ("consume", -1)]
    assert balance_of(member) == 9
    assert_ledger_in_time_order(member)
    assert ledger_breaches() == []


def test_an_add_on_pack_bought_just_after_the_cycle_end_does_not_expire_with_it() -> None:
    member = member_whose_cycle_ends(CYCLE_END, tickets=2)
    with time_machine.travel(CYCLE_END + timedelta(minutes=1), tick=False):
        ticket_purchase_pack(actor=None, member=member)
        cycles_roll_due()
    assert balance_of(member) == 10 + 5
    assert_ledger_in_time_order(member)


def test_add_month_keeps_an_anchor_day_a_short_month_clamped() -> None:
    jan31 = datetime(2027, 1, 31, tzinfo=TOKYO)
    feb28 = add_month(jan31)
    assert feb28 == datetime(2027, 2, 28, tzinfo=TOKYO)
    assert add_month(feb28, day=31) == datetime(2027, 3, 31, tzinfo=TOKYO)
    assert add_month(datetime(2028, 1, 30, tzinfo=TOKYO), day=30) == datetime(
        2028, 2, 29, tzinfo=TOKYO
    )


def test_a_cycle_ending_on_the_31st_ends_on_the_last_day_of_shorter_months_then_the_31st() -> None:
    member = member_whose_cycle_ends(datetime(2027, 1, 31, tzinfo=TOKYO))
    ends = []
    at = datetime(2027, 1, 31, 0, 1, tzinfo=TOKYO)
    for _ in range(5):
        with time_machine.travel(at, tick=False):
            assert cycles_roll_due() == 1
        member.refresh_from_db()
        assert member.cycle_ends_at is not None
        ends.append(member.cycle_ends_at.astimezone(TOKYO).date().isoformat())
        at = member.cycle_ends_at + timedelta(minutes=1)
    assert ends == ["2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30"]
    assert member.cycle_anchor_day == 31
    assert LedgerEntry.objects.filter(member=member, kind="grant").count() == 1 + 5


def test_a_long_pause_rolls_to_the_first_anchor_day_after_now() -> None:
    member = member_whose_cycle_ends(datetime(2027, 1, 31, tzinfo=TOKYO))
    with time_machine.travel(datetime(2027, 3, 31, 12, tzinfo=TOKYO), tick=False):
        assert cycles_roll_due() == 1
    member.refresh_from_db()
    assert member.cycle_ends_at == datetime(2027, 4, 30, tzinfo=TOKYO)
