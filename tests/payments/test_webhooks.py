"""Stripe webhooks: signature checked independently of our code (forged or stale → 400,
nothing stored or changed), stored once by event id, applied once however often and in
whatever order they come, concurrently on PostgreSQL."""

import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from officepass.core.registry import all_breaches
from officepass.payments.models import Payment, Subscription, WebhookEvent
from officepass.tickets.models import LedgerEntry
from officepass.tickets.selectors import balance_of
from tests.payments.conftest import WEBHOOK_PATH, WEBHOOK_SECRET, deliver, pay_on_hosted_page
from tests.payments.fake_stripe import stripe_sign

pytestmark = pytest.mark.django_db


def _buy(client: Client, fake, member, plan):
    client.force_login(member)
    response = client.post("/plans/buy", {"plan": plan.pk})
    pay_on_hosted_page(response["Location"])
    deliveries = list(fake.outbox)
    fake.outbox.clear()
    return deliveries


def _post(client: Client, payload: bytes, signature: str) -> int:
    return client.post(
        WEBHOOK_PATH,
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    ).status_code


@pytest.mark.parametrize(
    "signature",
    [
        "",  # missing
        "t={t},v1=" + "0" * 64,  # forged
        "t={t},v1={wrong_secret}",  # signed with another secret
        "t={stale},v1={stale_sig}",  # 10 minutes old, tolerance 5
    ],
)
def test_forged_or_stale_signature_is_400_and_changes_nothing(
    fake_stripe, sold_plans, newcomer, signature
) -> None:
    client = Client()
    deliveries = _buy(client, fake_stripe, newcomer, sold_plans["10"])
    paid = next(d for d in deliveries if d.event["type"] == "invoice.paid")
    now = int(time.time())
    stale = now - 600
    header = signature.format(
        t=now,
        stale=stale,
        wrong_secret=stripe_sign(paid.payload, "whsec_other", now).split("v1=")[1],
        stale_sig=stripe_sign(paid.payload, WEBHOOK_SECRET, stale).split("v1=")[1],
    )
    assert _post(client, paid.payload, header) == 400
    # A valid signature over a different body is forged too.
    tampered = paid.payload.replace(b'"amount_paid":13750', b'"amount_paid":1')
    assert _post(client, tampered, paid.headers["Stripe-Signature"]) == 400
    assert not WebhookEvent.objects.exists()
    assert not Payment.objects.exists() and balance_of(newcomer) == 0
    # The genuine delivery still works.
    assert deliver(client, paid) == 200 and balance_of(newcomer) == 10


def test_same_event_many_times_and_out_of_order_one_effect(
    fake_stripe, sold_plans, newcomer
) -> None:
    client = Client()
    deliveries = _buy(client, fake_stripe, newcomer, sold_plans["10"])
    sub_id = next(o for o in fake_stripe.objects.values() if o["object"] == "subscription")["id"]
    # Two renewals, then everything delivered newest first, each three times.
    fake_stripe.renew(sub_id)
    fake_stripe.renew(sub_id)
    deliveries += list(fake_stripe.outbox)
    fake_stripe.outbox.clear()
    for _ in range(3):
        for delivery in reversed(deliveries):
            assert deliver(client, delivery) == 200
    from datetime import timedelta

    import time_machine

    from officepass.core import clock
    from officepass.payments.services import webhook_events_retry

    with time_machine.travel(clock.now() + timedelta(days=1), tick=False):
        webhook_events_retry()
    assert WebhookEvent.objects.filter(processed_at__isnull=True).count() == 0
    assert WebhookEvent.objects.count() == len(deliveries)
    paid = Payment.objects.filter(status="paid")
    assert paid.count() == 3  # first + 2 renewals, once each
    # The newest cycle wins: a late older renewal does not grant over it.
    sub = Subscription.objects.get()
    newcomer.refresh_from_db()
    last_end = max(p.period_end for p in paid if p.period_end is not None)
    assert sub.current_period_end == last_end == newcomer.cycle_ends_at
    assert balance_of(newcomer) == 10
    assert all_breaches() == []


def test_hundred_concurrent_deliveries_one_effect(
    on_postgres, fake_stripe, sold_plans, transactional_db
) -> None:
    from officepass.accounts.models import User
    from tests import factories

    member = User.objects.create_user("race@example.com", factories.PASSWORD)
    client = Client()
    deliveries = _buy(client, fake_stripe, member, sold_plans["10"])
    order = [d for d in deliveries if d.event["type"] == "invoice.paid"] + [
        d for d in deliveries if d.event["type"] != "invoice.paid"
    ]
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def hammer(n: int) -> None:
        try:
            barrier.wait()
            own = Client()
            for i in range(5):
                delivery = order[(n + i) % len(order)]
                statuses.append(deliver(own, delivery))
                if (n + i) % len(order) == 0:
                    statuses.append(deliver(own, delivery))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(statuses) >= 100 and set(statuses) == {200}
    from datetime import timedelta

    import time_machine

    from officepass.core import clock
    from officepass.payments.services import webhook_events_retry

    with time_machine.travel(clock.now() + timedelta(days=1), tick=False):
        webhook_events_retry()
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.filter(member=member, kind="grant").count() == 1
    assert balance_of(member) == 10
    assert Subscription.objects.count() == 1
    assert WebhookEvent.objects.filter(processed_at__isnull=True).count() == 0
    assert all_breaches() == []


def test_an_event_we_do_not_act_on_is_stored_and_done(fake_stripe, newcomer) -> None:
    client = Client()
    event = {
        "id": "evt_other",
        "object": "event",
        "type": "customer.created",
        "created": 1,
        "data": {"object": {"id": "cus_x", "object": "customer"}},
    }
    payload = json.dumps(event).encode()
    assert _post(client, payload, stripe_sign(payload, WEBHOOK_SECRET)) == 200
    assert WebhookEvent.objects.get().processed_at is not None
