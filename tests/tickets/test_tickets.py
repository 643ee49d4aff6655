"""The ticket ledger: monthly cycles, add-on packs, refunds, append-only invariants."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from officepass.core.errors import DomainError
from officepass.core.models import AuditEntry
from officepass.stays.services import stay_check_in
from officepass.tickets.checks import ledger_breaches
from officepass.tickets.cycles import add_month, cycles_roll_due
from officepass.tickets.models import LedgerEntry, TicketAccount
from officepass.tickets.services import ticket_grant, ticket_purchase_pack, ticket_refund
from tests import factories as f

pytestmark = pytest.mark.django_db
CYCLE_END = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 1 Dec 00:00 Tokyo


def balance(member):
    return TicketAccount.objects.get(member=member).balance


def test_add_month_clamps_to_the_end_of_shorter_months():
    assert add_month(datetime(2027, 1, 31, tzinfo=UTC)) == datetime(2027, 2, 28, tzinfo=UTC)
    assert add_month(datetime(2026, 12, 15, tzinfo=UTC)) == datetime(2027, 1, 15, tzinfo=UTC)


def test_a_cycle_end_expires_unused_tickets_and_grants_the_plans_tickets():
    member = f.member(tickets=4, plan_=f.plan("individual-20", tickets_per_cycle=20))
    member.cycle_ends_at = CYCLE_END
    member.save(update_fields=["cycle_ends_at"])
    with time_machine.travel(CYCLE_END - timedelta(hours=1), tick=False):
        ticket_purchase_pack(actor=None, member=member)  # bought within the cycle
    assert balance(member) == 9
    with time_machine.travel(CYCLE_END - timedelta(seconds=1), tick=False):
        assert cycles_roll_due() == 0
    with time_machine.travel(CYCLE_END + timedelta(seconds=1), tick=False):
        assert cycles_roll_due() == 1
        assert cycles_roll_due() == 0  # a second worker round changes nothing
    assert balance(member) == 20  # no carry-over, add-on pack gone too
    kinds = list(
        LedgerEntry.objects.filter(member=member).order_by("id").values_list("kind", "tickets")
    )
    assert kinds[-2:] == [("expire", -9), ("grant", 20)]
    member.refresh_from_db()
    assert member.cycle_ends_at == datetime(2026, 12, 31, 15, 0, tzinfo=UTC)
    assert ledger_breaches() == []


def test_a_postpaid_cycle_end_neither_expires_nor_grants():
    member = f.corporate_member()
    member.cycle_ends_at = CYCLE_END
    member.save(update_fields=["cycle_ends_at"])
    with time_machine.travel(CYCLE_END + timedelta(hours=1), tick=False):
        assert cycles_roll_due() == 1
    assert not LedgerEntry.objects.filter(member=member).exists()


def test_a_check_in_after_the_cycle_end_rolls_the_cycle_first():
    member = f.member(tickets=1)
    member.cycle_ends_at = CYCLE_END
    member.save(update_fields=["cycle_ends_at"])
    with time_machine.travel(CYCLE_END + timedelta(hours=1), tick=False):
        stay = stay_check_in(member=member, code=f.code_for(f.space()), minutes=240)
    assert stay.tickets_consumed == 2
    assert balance(member) == 8


def test_a_refund_is_a_new_entry_with_a_reason_and_an_audit_row():
    member = f.member(tickets=2)
    staff = f.member("staff@x.jp", tickets=0)
    entry = ticket_refund(actor=staff, member=member, tickets=1, reason="door broken")
    assert (entry.kind, entry.tickets, entry.balance_after, entry.reason) == (
        "refund",
        1,
        3,
        "door broken",
    )
    assert AuditEntry.objects.filter(action="ticket.refund", actor=staff).exists()


@pytest.mark.parametrize(("tickets", "reason"), [(0, "x"), (-1, "x"), (1, "  ")])
def test_a_refund_needs_positive_tickets_and_a_reason(tickets, reason):
    member = f.member(tickets=2)
    with pytest.raises(DomainError) as error:
        ticket_refund(actor=member, member=member, tickets=tickets, reason=reason)
    assert error.value.code == "invalid_input"
    assert balance(member) == 2


def test_a_grant_with_the_same_key_happens_once():
    member = f.member(tickets=0)
    assert ticket_grant(actor=None, member=member, tickets=5, reason="r", key="k") is not None
    assert ticket_grant(actor=None, member=member, tickets=5, reason="r", key="k") is None
    assert balance(member) == 5


def test_the_database_refuses_a_negative_balance_on_a_ticket_plan():
    member = f.member(tickets=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        TicketAccount.objects.filter(member=member).update(balance=-1)


def test_the_database_refuses_an_entry_whose_sign_contradicts_its_kind():
    member = f.member(tickets=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            member=member,
            kind="consume",
            tickets=3,
            balance_after=4,
            effective_at=datetime.now(UTC),
        )


def test_reconcile_notices_a_balance_that_disagrees_with_the_ledger():
    member = f.member(tickets=3)
    TicketAccount.objects.filter(member=member).update(balance=7)
    assert ledger_breaches() == [f"member {member.pk}: balance 7 but ledger sums to 3"]
