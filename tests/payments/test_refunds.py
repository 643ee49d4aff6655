"""Money refunds: the secretariat's decision with a reason, sent back through Stripe, then
recorded (a return invoice); Stripe down → failed with the reason, nothing recorded; retried
→ refunded once."""

import pytest
from django.test import Client

from officepass.accounts.models import User
from officepass.core.registry import all_breaches
from officepass.invoices.models import ReturnInvoice
from officepass.payments.models import Payment, Refund
from tests import factories
from tests.payments.conftest import deliver_all, pay_on_hosted_page

pytestmark = pytest.mark.django_db


def _paid(fake, member, plan) -> Payment:
    client = Client()
    client.force_login(member)
    pay_on_hosted_page(client.post("/plans/buy", {"plan": plan.pk})["Location"])
    deliver_all(client, fake)
    return Payment.objects.get()


def test_refund_goes_through_stripe_then_is_recorded(fake_stripe, sold_plans, newcomer) -> None:
    payment = _paid(fake_stripe, newcomer, sold_plans["10"])
    staff = User.objects.create_user("sec@example.com", factories.PASSWORD, is_staff=True)
    console = Client()
    console.force_login(staff)
    url = f"/console/payments/{payment.pk}/"
    # No reason: refused by the form, nothing sent.
    assert console.post(url, {"amount_yen": 1000, "reason": ""}).status_code == 200
    assert not Refund.objects.exists()
    fake_stripe.down = True
    page = console.post(url, {"amount_yen": 3000, "reason": "office closed by flood"})
    assert page.status_code == 200
    refund = Refund.objects.get()
    assert refund.status == "failed" and "not reachable" in refund.error
    assert not ReturnInvoice.objects.exists()
    fake_stripe.down = False
    console.post(f"/console/refunds/{refund.pk}/retry/")
    refund.refresh_from_db()
    assert refund.status == "succeeded" and refund.provider_reference.startswith("re_")
    assert ReturnInvoice.objects.count() == 1 and refund.return_invoice_id
    # Twice the retry: the provider refunds once (idempotency key), we record once.
    console.post(f"/console/refunds/{refund.pk}/retry/")
    pis = [o for o in fake_stripe.objects.values() if o["object"] == "payment_intent"]
    assert sum(o["amount_refunded"] for o in pis) == 3000
    assert ReturnInvoice.objects.count() == 1
    # More than what is left: refused with its code.
    too_much = console.post(url, {"amount_yen": 13750, "reason": "all of it"})
    assert too_much.status_code == 200
    assert Refund.objects.count() == 1
    assert all_breaches() == []
