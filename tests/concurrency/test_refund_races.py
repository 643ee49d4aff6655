"""Eight staff sessions refund the same 2-ticket stay at once: 2 tickets come back, not 10.

The guard is the stay's row lock in `ticket_refund_for_stay` (its refunded count is read and
raised under it; a CHECK backs it). The control puts back the old read-then-write check (the
refunds so far read from the ledger with no lock) and must see a stay refunded beyond what it
consumed, which `reconcile` then reports.
"""

import time
from functools import partial

import pytest
from django.db.models import Sum
from django.test import Client

from officepass.accounts.models import User
from officepass.core.errors import DomainError
from officepass.stays.checks import refund_breaches
from officepass.stays.models import Stay
from officepass.stays.services import stay_check_in
from officepass.tickets import services as tickets
from officepass.tickets.models import LedgerEntry
from tests import factories
from tests.concurrency.race import ledger_breaches, run_together

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("on_postgres")]

SESSIONS = 8
ROUNDS = 5


def _stay(label: str) -> Stay:
    space = factories.space(factories.office(f"Office {label}"))
    member = factories.member(f"{label}@example.com", tickets=5)
    return stay_check_in(member=member, code=factories.code_for(space), minutes=240)


def _staff_sessions() -> list[Client]:
    desk = User.objects.create_user("desk@example.com", factories.PASSWORD, is_staff=True)
    clients = [Client() for _ in range(SESSIONS)]
    for client in clients:
        client.force_login(desk)
    return clients


def _refund_two(client: Client, stay_id: int) -> int:
    url = f"/console/stays/{stay_id}/refund/"
    return client.post(url, {"tickets": 2, "reason": "door broken", "confirm": "on"}).status_code


def _refunded(stay: Stay) -> int:
    return LedgerEntry.objects.filter(stay=stay, kind="refund").aggregate(t=Sum("tickets"))["t"]


def _race(clients: list[Client], label: str) -> Stay:
    stay = _stay(label)
    statuses = run_together([partial(_refund_two, c, stay.pk) for c in clients])
    assert statuses == [302] * SESSIONS, statuses
    return stay


def _unguarded_claim(stay_id: int, tickets: int | None) -> int:
    """The bug: refunds so far read from the ledger without a lock, then written."""
    stay = Stay.objects.get(pk=stay_id)
    so_far = LedgerEntry.objects.filter(stay=stay, kind="refund").aggregate(t=Sum("tickets"))["t"]
    claim = stay.tickets_consumed - (so_far or 0) if tickets is None else tickets
    if claim > stay.tickets_consumed - (so_far or 0):
        raise DomainError("refund_exceeds_consumption", asked=claim)
    time.sleep(0.005)  # widen the window between the read and the write
    return claim


@pytest.mark.django_db(transaction=True)
def test_eight_staff_sessions_refunding_one_stay_at_once_refund_its_two_tickets_once() -> None:
    clients = _staff_sessions()
    for round_ in range(ROUNDS):
        stay = _race(clients, f"guarded{round_}")
        assert _refunded(stay) == 2
        assert LedgerEntry.objects.filter(stay=stay, kind="refund").count() == 1
        assert ledger_breaches([stay.member]) == []
    assert refund_breaches() == []


@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_the_same_sessions_refund_more_than_was_consumed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tickets, "_claim_refund", _unguarded_claim)
    clients = _staff_sessions()
    for round_ in range(ROUNDS):
        stay = _race(clients, f"unguarded{round_}")
        if _refunded(stay) > 2:
            break
    assert _refunded(stay) > 2, f"no double refund in {ROUNDS} rounds: the race never happened"
    assert f"stay {stay.pk}: refunds {_refunded(stay)} exceed consumption 2" in refund_breaches()
