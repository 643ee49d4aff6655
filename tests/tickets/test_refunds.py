"""Refunds of a stay never exceed what it consumed, whoever asks and in whatever order."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from officepass.accounts.models import User
from officepass.core.reconcile import all_breaches
from officepass.stays.checks import refund_breaches
from officepass.stays.models import Stay
from officepass.stays.recovery import stay_recover_failed_entry
from officepass.stays.services import stay_check_in, stay_unlock
from officepass.tickets.models import LedgerEntry
from officepass.tickets.selectors import balance_of
from officepass.tickets.services import ticket_refund_for_stay
from tests import factories as f

pytestmark = pytest.mark.django_db


def secretariat() -> User:
    return User.objects.create_user("desk@example.com", f.PASSWORD, is_staff=True)


def two_ticket_stay(lock_mode: str = "normal") -> Stay:
    space = f.space(lock_settings={"mode": lock_mode})
    return stay_check_in(member=f.member(tickets=5), code=f.code_for(space), minutes=240)


def refunded(stay: Stay) -> int:
    return sum(stay.ledger_entries.filter(kind="refund").values_list("tickets", flat=True))


def console_refund(client: Client, stay: Stay, tickets: int) -> None:
    response = client.post(
        f"/console/stays/{stay.pk}/refund/",
        {"tickets": tickets, "reason": "door broken", "confirm": "on"},
    )
    assert response.status_code == 302


def test_staff_cannot_refund_a_stay_more_than_it_consumed_less_earlier_refunds(
    client: Client,
) -> None:
    stay = two_ticket_stay()
    client.force_login(secretariat())
    console_refund(client, stay, 1)
    console_refund(client, stay, 2)  # only 1 remains: refused with a message
    console_refund(client, stay, 1)
    console_refund(client, stay, 1)
    assert refunded(stay) == 2
    assert balance_of(stay.member) == 5
    assert all_breaches() == []


def test_the_service_names_what_remains_when_asked_for_more() -> None:
    stay = two_ticket_stay()
    staff = secretariat()
    ticket_refund_for_stay(actor=staff, stay=stay, tickets=1, reason="noise")
    with pytest.raises(Exception) as error:
        ticket_refund_for_stay(actor=staff, stay=stay, tickets=2, reason="noise")
    assert getattr(error.value, "code", None) == "refund_exceeds_consumption"
    assert error.value.extra == {"refundable": 1, "asked": 2}  # type: ignore[attr-defined]
    rest = ticket_refund_for_stay(actor=staff, stay=stay, tickets=None, reason="rest")
    assert rest is not None and rest.tickets == 1
    assert ticket_refund_for_stay(actor=staff, stay=stay, tickets=None, reason="rest") is None
    stay.refresh_from_db()
    assert (stay.tickets_consumed, stay.tickets_refunded) == (2, 2)


def test_recovery_after_a_staff_refund_gives_back_only_what_remains(client: Client) -> None:
    stay = two_ticket_stay(lock_mode="jammed")
    with pytest.raises(Exception, match="lock_unavailable"):
        stay_unlock(member=stay.member, stay_id=stay.pk)
    client.force_login(secretariat())
    console_refund(client, stay, 2)

    done = stay_recover_failed_entry(member=stay.member, stay_id=stay.pk)

    assert done.refund is None
    assert refunded(stay) == 2
    assert balance_of(stay.member) == 5
    assert Stay.objects.get(pk=stay.pk).status == Stay.Status.CANCELLED
    assert all_breaches() == []


def test_recovery_after_a_partial_staff_refund_refunds_the_rest(client: Client) -> None:
    stay = two_ticket_stay(lock_mode="jammed")
    with pytest.raises(Exception, match="lock_unavailable"):
        stay_unlock(member=stay.member, stay_id=stay.pk)
    client.force_login(secretariat())
    console_refund(client, stay, 1)

    done = stay_recover_failed_entry(member=stay.member, stay_id=stay.pk)

    assert done.refund is not None and done.refund.tickets == 1
    assert refunded(stay) == 2 and balance_of(stay.member) == 5


def test_the_database_refuses_a_stay_counted_as_refunded_beyond_its_consumption() -> None:
    stay = two_ticket_stay()
    with pytest.raises(IntegrityError), transaction.atomic():
        Stay.objects.filter(pk=stay.pk).update(tickets_refunded=3)


def test_reconcile_catches_refunds_planted_beyond_a_stays_consumption() -> None:
    stay = two_ticket_stay()
    ticket_refund_for_stay(actor=secretariat(), stay=stay, tickets=2, reason="ok")
    assert refund_breaches() == []
    LedgerEntry.objects.create(  # bypassing the service, as the old console path could
        member=stay.member,
        kind="refund",
        tickets=2,
        balance_after=7,
        stay=stay,
        effective_at=datetime.now(UTC),
        reason="planted",
    )
    assert refund_breaches() == [
        f"stay {stay.pk}: refunds 4 exceed consumption 2",
        f"stay {stay.pk}: ledger refunds 4, the stay counts others",
    ]
