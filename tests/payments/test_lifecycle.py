"""The member's side with Stripe (the local fake): buy a plan, use it, add-on pack, renewals,
failed renewal → grace → payment_required → paid → restored, cancel at period end."""

import subprocess
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from officepass.core import clock
from officepass.core.registry import all_breaches
from officepass.payments.models import CheckoutIntent, Payment, Subscription, WebhookEvent
from officepass.stays.services import stay_check_in
from officepass.tickets.selectors import balance_of
from tests import factories
from tests.payments.conftest import deliver_all, pay_on_hosted_page

pytestmark = pytest.mark.django_db


def subscribe(client: Client, fake, member, plan, next_path: str = "") -> Subscription:
    client.force_login(member)
    response = client.post("/plans/buy", {"plan": plan.pk, "next": next_path})
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(fake.base_url + "/c/pay/cs_test_")
    back = pay_on_hosted_page(response["Location"])
    deliver_all(client, fake)
    assert back.endswith(f"/pay/return/{CheckoutIntent.objects.get().pk}/")
    member.refresh_from_db()
    return Subscription.objects.get(member=member)


def test_buy_plan_use_it_and_an_addon_pack(fake_stripe, sold_plans, newcomer) -> None:
    office = factories.office(unit_minutes=120)
    code = factories.code_for(factories.space(office))
    client = Client()
    sub = subscribe(client, fake_stripe, newcomer, sold_plans["10"], next_path=f"/c/{code}")
    # Back from the card page: on to the door's check-in screen.
    intent = CheckoutIntent.objects.get()
    assert client.get(f"/pay/return/{intent.pk}/")["Location"] == f"/c/{code}"
    newcomer.refresh_from_db()
    assert balance_of(newcomer) == 10 and newcomer.plan == sold_plans["10"]
    assert sub.status == "active" and sub.provider_customer_id.startswith("cus_")
    first = Payment.objects.get()
    assert first.grant is not None
    assert (first.kind, first.amount_yen, first.grant.tickets) == ("first", 13750, 10)
    # 4 hours at a 2-hour office: 2 tickets.
    stay_check_in(member=newcomer, code=code, minutes=240)
    assert balance_of(newcomer) == 8
    # The add-on pack: charge first, then 5 tickets.
    response = client.post("/billing/addon")
    assert response.status_code == 302
    session_id = response["Location"].rsplit("/", 1)[-1]
    assert balance_of(newcomer) == 8  # nothing before the payment
    fake_stripe.pay(session_id)
    deliver_all(client, fake_stripe)
    assert balance_of(newcomer) == 13
    addon = Payment.objects.get(kind="addon")
    assert addon.grant is not None
    assert addon.amount_yen == 8800 and addon.grant.tickets == 5
    assert addon.provider_payment_id.startswith("pi_")
    # The receipt, from the member's billing page.
    assert f"/receipts/{first.receipt_id}.pdf" in client.get("/billing").content.decode()
    pdf = client.get(f"/receipts/{first.receipt_id}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "T9234567890123" in text and "13,750" in text and "1,250" in text
    assert all_breaches() == []


def test_renewal_grants_the_next_cycle_and_expires_the_rest(
    fake_stripe, sold_plans, newcomer
) -> None:
    client = Client()
    sub = subscribe(client, fake_stripe, newcomer, sold_plans["10"])
    code = factories.code_for(factories.space())
    stay_check_in(member=newcomer, code=code, minutes=120)
    assert balance_of(newcomer) == 9
    # The plan is retired meanwhile: its members keep it until they change.
    type(sold_plans["10"]).objects.filter(pk=sold_plans["10"].pk).update(active=False)
    fake_stripe.renew(sub.provider_subscription_id)
    deliver_all(client, fake_stripe)
    assert balance_of(newcomer) == 10  # the 9 left expired, 10 granted
    newcomer.refresh_from_db()
    sub.refresh_from_db()
    assert newcomer.cycle_ends_at == sub.current_period_end
    renewal = Payment.objects.get(kind="renewal")
    assert renewal.grant is not None and renewal.grant.tickets == 10
    assert all_breaches() == []


def test_the_calendar_does_not_renew_a_card_plan(fake_stripe, sold_plans, newcomer) -> None:
    """Past the cycle's end with no payment: no grant comes from the calendar."""
    client = Client()
    subscribe(client, fake_stripe, newcomer, sold_plans["10"])
    newcomer.refresh_from_db()
    from officepass.tickets.cycles import cycles_roll_due

    with time_machine.travel(newcomer.cycle_ends_at + timedelta(hours=1), tick=False):
        assert cycles_roll_due() == 0
        assert balance_of(newcomer) == 10


def test_failed_renewal_grace_then_payment_required_then_restored(
    fake_stripe, sold_plans, newcomer, settings
) -> None:
    settings.PAYMENTS_GRACE_DAYS = 3
    client = Client()
    sub = subscribe(client, fake_stripe, newcomer, sold_plans["10"])
    space = factories.space()
    invoice = fake_stripe.renew(sub.provider_subscription_id, paid=False)
    deliver_all(client, fake_stripe)
    sub.refresh_from_db()
    newcomer.refresh_from_db()
    assert sub.status == "past_due"
    grace_end = newcomer.payment_grace_ends_at
    assert grace_end is not None and grace_end - clock.now() <= timedelta(days=3)
    # In the grace period check-ins go on; a stay running when it ends is not cut short.
    with time_machine.travel(grace_end - timedelta(minutes=30), tick=False):
        stay = stay_check_in(member=newcomer, code=factories.code_for(space), minutes=120)
    with time_machine.travel(grace_end + timedelta(minutes=1), tick=False):
        stay.refresh_from_db()
        assert stay.is_running(clock.now())
    with time_machine.travel(grace_end + timedelta(days=1), tick=False):
        from officepass.core.errors import DomainError
        from officepass.stays.services import stays_finalize_expired

        stays_finalize_expired()
        with pytest.raises(DomainError) as refused:
            stay_check_in(member=newcomer, code=factories.code_for(space), minutes=120)
        assert refused.value.code == "payment_required"
        # The card company's retry succeeds: the cycle is paid, check-ins are back.
        fake_stripe.retry_invoice(invoice["id"])
        deliver_all(client, fake_stripe)
        newcomer.refresh_from_db()
        assert newcomer.payment_grace_ends_at is None
        assert balance_of(newcomer) == 10
        stay_check_in(member=newcomer, code=factories.code_for(space), minutes=120)
    sub.refresh_from_db()
    assert sub.status == "active"
    assert all_breaches() == []


def test_cancel_at_period_end_no_renewal(fake_stripe, sold_plans, newcomer) -> None:
    client = Client()
    sub = subscribe(client, fake_stripe, newcomer, sold_plans["10"])
    assert client.post("/billing/cancel").status_code == 302
    assert fake_stripe.objects[sub.provider_subscription_id]["cancel_at_period_end"] is True
    deliver_all(client, fake_stripe)  # customer.subscription.updated
    sub.refresh_from_db()
    assert sub.cancel_at_period_end is True and sub.status == "active"
    assert balance_of(newcomer) == 10  # the paid month is kept
    fake_stripe.renew(sub.provider_subscription_id)  # the period ends: deleted, no invoice
    deliver_all(client, fake_stripe)
    sub.refresh_from_db()
    assert sub.status == "canceled"
    assert balance_of(newcomer) == 0
    assert Payment.objects.filter(kind="renewal").count() == 0
    assert all_breaches() == []


def test_plan_change_takes_effect_at_the_next_cycle(fake_stripe, sold_plans, newcomer) -> None:
    client = Client()
    sub = subscribe(client, fake_stripe, newcomer, sold_plans["10"])
    page = client.get("/billing").content.decode()
    assert "takes effect at your next monthly payment" in page or "次回" in page
    assert client.post("/billing/plan", {"plan": sold_plans["20"].pk}).status_code == 302
    deliver_all(client, fake_stripe)
    newcomer.refresh_from_db()
    assert newcomer.plan == sold_plans["10"] and balance_of(newcomer) == 10
    fake_stripe.renew(sub.provider_subscription_id)
    deliver_all(client, fake_stripe)
    newcomer.refresh_from_db()
    assert newcomer.plan == sold_plans["20"] and balance_of(newcomer) == 20
    assert Payment.objects.get(kind="renewal").amount_yen == 23100


def test_stripe_down_clear_message_nothing_half_done(fake_stripe, sold_plans, newcomer) -> None:
    client = Client()
    client.force_login(newcomer)
    fake_stripe.down = True
    response = client.post("/plans/buy", {"plan": sold_plans["10"].pk})
    assert response.status_code == 503
    assert 'data-code="payment_provider_unavailable"' in response.content.decode()
    assert CheckoutIntent.objects.get().status == "failed"
    assert not Subscription.objects.exists() and balance_of(newcomer) == 0
    fake_stripe.down = False
    subscribe_again = client.post("/plans/buy", {"plan": sold_plans["10"].pk})
    assert subscribe_again.status_code == 302
    pay_on_hosted_page(subscribe_again["Location"])
    deliver_all(client, fake_stripe)
    assert balance_of(newcomer) == 10


def test_an_event_that_comes_early_is_applied_by_the_worker(
    fake_stripe, sold_plans, newcomer
) -> None:
    """customer.subscription.updated about a subscription we do not know yet is stored,
    answered 200, and applied from the table once the subscription exists."""
    client = Client()
    client.force_login(newcomer)
    response = client.post("/plans/buy", {"plan": sold_plans["10"].pk})
    pay_on_hosted_page(response["Location"])
    sub_id = next(o for o in fake_stripe.objects.values() if o["object"] == "subscription")["id"]
    fake_stripe.outbox.clear()  # Stripe's first deliveries are late
    from tests.payments.conftest import deliver

    fake_stripe.objects[sub_id]["cancel_at_period_end"] = True
    early = fake_stripe.emit(
        "customer.subscription.updated", fake_stripe.public(fake_stripe.objects[sub_id])
    )
    fake_stripe.outbox.clear()
    assert deliver(client, early) == 200
    row = WebhookEvent.objects.get(type="customer.subscription.updated")
    assert row.processed_at is None and "unknown subscription" in row.last_error
    # The rest arrives; the worker retries the stored event when its time comes.
    for kind in ("invoice.paid",):
        obj = next(o for o in fake_stripe.objects.values() if o["object"] == "invoice")
        assert deliver(client, fake_stripe.emit(kind, obj)) == 200
    fake_stripe.outbox.clear()
    from officepass.payments.services import webhook_events_retry

    with time_machine.travel(clock.now() + timedelta(hours=2), tick=False):
        assert webhook_events_retry() == 1
    assert Subscription.objects.get().cancel_at_period_end is True
    assert balance_of(newcomer) == 10


def test_stripe_down_when_cancelling_then_the_event_when_it_is_back(
    fake_stripe, sold_plans, newcomer
) -> None:
    client = Client()
    sub = subscribe(client, fake_stripe, newcomer, sold_plans["10"])
    fake_stripe.down = True
    page = client.post("/billing/cancel")
    assert page.status_code == 503
    assert 'data-code="payment_provider_unavailable"' in page.content.decode()
    sub.refresh_from_db()
    assert not sub.cancel_at_period_end
    assert not fake_stripe.objects[sub.provider_subscription_id]["cancel_at_period_end"]
    fake_stripe.down = False
    assert client.post("/billing/cancel").status_code == 302
    # Stripe's own event about it arrives later and is applied (once, idempotently).
    delivered = deliver_all(client, fake_stripe)
    assert [d.event["type"] for d in delivered] == ["customer.subscription.updated"]
    sub.refresh_from_db()
    assert sub.cancel_at_period_end


def test_card_change_goes_to_the_customer_portal(fake_stripe, sold_plans, newcomer) -> None:
    client = Client()
    subscribe(client, fake_stripe, newcomer, sold_plans["10"])
    answer = client.post("/billing/card")
    assert answer.status_code == 302
    assert answer["Location"].startswith(fake_stripe.base_url + "/p/session/bps_")
    portal = next(r for r in fake_stripe.requests if r[1] == "/v1/billing_portal/sessions")
    assert portal[2]["customer"].startswith("cus_")
    assert portal[2]["return_url"] == "http://testserver/billing"
