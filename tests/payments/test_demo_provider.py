"""The built-in demo provider: no key, its own card page marked TEST MODE, the same events
and code as Stripe; the worker renews its subscriptions at period end."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from officepass.core.registry import all_breaches
from officepass.payments.demo_pay import demo_renewals_due
from officepass.payments.models import Payment, Subscription
from officepass.tickets.selectors import balance_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_provider_key(settings) -> None:
    settings.PAYMENTS_PROVIDER = ""
    settings.STRIPE_SECRET_KEY = ""


def test_demo_card_page_pays_and_the_worker_renews(sold_plans, newcomer) -> None:
    client = Client()
    client.force_login(newcomer)
    assert "data-test-mode" in client.get("/plans/").content.decode()
    response = client.post("/plans/buy", {"plan": sold_plans["10"].pk, "next": "/billing"})
    page_url = response["Location"]
    assert page_url.startswith("/pay/demo/demo_cs_")
    page = client.get(page_url).content.decode()
    assert "data-test-mode" in page and "13,750" in page
    paid = client.post(page_url)
    assert client.get(paid["Location"])["Location"] == "/billing"
    assert balance_of(newcomer) == 10
    client.post(page_url)  # paying twice pays once
    assert Payment.objects.count() == 1
    sub = Subscription.objects.get()
    assert sub.provider == "demo" and sub.current_period_end is not None
    with time_machine.travel(sub.current_period_end + timedelta(minutes=1), tick=False):
        assert demo_renewals_due() == 1
        assert demo_renewals_due() == 0
        assert balance_of(newcomer) == 10
    assert Payment.objects.filter(kind="renewal").count() == 1
    client.post("/billing/cancel")
    sub.refresh_from_db()
    assert sub.cancel_at_period_end and sub.current_period_end is not None
    with time_machine.travel(sub.current_period_end + timedelta(minutes=1), tick=False):
        demo_renewals_due()
    sub.refresh_from_db()
    assert sub.status == "canceled" and balance_of(newcomer) == 0
    assert all_breaches() == []
