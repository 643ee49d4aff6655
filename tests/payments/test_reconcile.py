"""`reconcile` for payments: every paid grant has exactly one payment, every payment at most
one grant (one-to-one in the schema), paid payments have receipts."""

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from officepass.payments.checks import payment_breaches
from officepass.payments.models import Payment
from officepass.tickets.models import LedgerEntry
from officepass.tickets.services import ticket_grant
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_paid_grant_without_its_payment_is_reported() -> None:
    member = factories.member(tickets=0)
    grant = ticket_grant(
        actor=None, member=member, tickets=10, reason="x", key="payment:stripe:in_1"
    )
    assert grant is not None
    assert payment_breaches() == [f"paid grant {grant.pk} has 0 payments, not 1"]


def test_a_grant_paid_twice_is_refused_by_the_schema() -> None:
    member = factories.member(tickets=0)
    grant = ticket_grant(
        actor=None, member=member, tickets=10, reason="x", key="payment:stripe:in_2"
    )
    assert grant is not None and member.plan is not None
    fields: dict[str, Any] = dict(
        member=member,
        plan=member.plan,
        kind="first",
        status="paid",
        amount_yen=1,
        provider="stripe",
        occurred_at=grant.effective_at,
        receipt_id=1,
        grant=grant,
    )
    Payment.objects.create(provider_reference="in_2", **fields)
    assert payment_breaches() == []
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(provider_reference="in_3", **fields)
    assert LedgerEntry.objects.filter(idempotency_key__startswith="payment:").count() == 1


def test_a_failed_payment_cannot_carry_a_grant() -> None:
    member = factories.member(tickets=0)
    grant = ticket_grant(actor=None, member=member, tickets=1, reason="x", key="payment:stripe:f")
    assert grant is not None and member.plan is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            member=member,
            plan=member.plan,
            kind="renewal",
            status="failed",
            amount_yen=1,
            provider="stripe",
            provider_reference="f",
            occurred_at=grant.effective_at,
            grant=grant,
        )
