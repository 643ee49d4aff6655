"""The demo provider's side (issue 14): its TEST MODE card page and its renewals make the
events Stripe would send and process them like webhooks, through payments/services.py's
own event store. Nothing is ever charged."""

from typing import Any

from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.payments.models import CheckoutIntent, Subscription
from officepass.payments.providers.demo import provider as demo
from officepass.payments.providers.registry import provider_for
from officepass.payments.services import (
    LIVE,
    event_store,
    intent_reference,
    webhook_event_process,
)
from officepass.tickets.cycles import add_month


def demo_checkout_pay(*, session_id: str) -> CheckoutIntent:
    """The demo provider's TEST MODE card page was "paid": make the events Stripe would send
    for it (deterministic ids, so paying twice pays once) and process them like webhooks."""
    intent = CheckoutIntent.objects.filter(provider="demo", session_id=session_id).first()
    if intent is None:
        raise DomainError("not_found")
    provider = provider_for("demo")
    now = clock.now()
    reference = intent_reference(intent)
    session: dict[str, Any] = {
        "id": session_id,
        "object": "checkout.session",
        "client_reference_id": reference,
        "customer": f"demo_cus_{intent.member_id}",
        "amount_total": intent.amount_yen,
        "currency": "jpy",
        "payment_status": "paid",
        "status": "complete",
        "metadata": {"officepass_reference": reference},
    }
    events = []
    if intent.kind == CheckoutIntent.Kind.SUBSCRIPTION:
        sub_id = f"demo_sub_{intent.pk}"
        session |= {"mode": "subscription", "subscription": sub_id, "payment_intent": None}
        paid = demo.invoice(
            f"demo_in_{intent.pk}_1",
            subscription_id=sub_id,
            customer_id=session["customer"],
            amount_yen=intent.amount_yen,
            period_start=now,
            period_end=add_month(now),
            first=True,
            reference=reference,
        )
        events.append(demo.event(f"demo_evt_{intent.pk}_invoice", "invoice.paid", paid, now))
    else:
        session |= {
            "mode": "payment",
            "subscription": None,
            "payment_intent": f"demo_pi_{intent.pk}",
        }
    events.append(
        demo.event(f"demo_evt_{intent.pk}_checkout", "checkout.session.completed", session, now)
    )
    for event in events:
        webhook_event_process(event_store(provider=provider, event=event).pk)
    intent.refresh_from_db()
    return intent


def demo_renewals_due(*, limit: int = 200) -> int:
    """Worker task: the demo provider renews its subscriptions whose period has ended (or ends
    them when cancelled at period end), by the same events Stripe would send."""
    provider = provider_for("demo")
    now = clock.now()
    due = Subscription.objects.filter(
        LIVE, provider="demo", current_period_end__lte=now
    ).select_related("plan", "next_plan")[:limit]
    handled = 0
    for sub in due:
        end = sub.current_period_end
        assert end is not None
        if sub.cancel_at_period_end:
            obj = {
                "id": sub.provider_subscription_id,
                "object": "subscription",
                "status": "canceled",
                "cancel_at_period_end": True,
            }
            event = demo.event(f"demo_evt_{sub.pk}_end", "customer.subscription.deleted", obj, now)
        else:
            plan = sub.next_plan or sub.plan
            invoice_id = f"demo_in_{sub.pk}_{int(end.timestamp())}"
            paid = demo.invoice(
                invoice_id,
                subscription_id=sub.provider_subscription_id,
                customer_id=sub.provider_customer_id,
                amount_yen=plan.monthly_price_yen,
                period_start=end,
                period_end=add_month(end),
                first=False,
                reference="",
            )
            event = demo.event(f"demo_evt_{invoice_id}", "invoice.paid", paid, now)
        handled += webhook_event_process(event_store(provider=provider, event=event).pk)
    return handled
