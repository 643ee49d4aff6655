"""Reads of the payments tables for pages and the console."""

from django.db.models import QuerySet

from officepass.accounts.models import Plan, User
from officepass.core.errors import DomainError
from officepass.payments.models import CheckoutIntent, Payment, Refund, Subscription, WebhookEvent
from officepass.payments.services import live_subscription


def plans_on_sale() -> QuerySet[Plan]:
    return Plan.objects.filter(active=True, postpaid=False, monthly_price_yen__gt=0).order_by(
        "monthly_price_yen"
    )


def plan_on_sale(plan_id: int) -> Plan:
    plan = plans_on_sale().filter(pk=plan_id).first()
    if plan is None:
        raise DomainError("plan_not_for_sale")
    return plan


def member_subscription(member: User) -> Subscription | None:
    return live_subscription(member)


def member_payments(member: User) -> QuerySet[Payment]:
    return Payment.objects.filter(member=member).select_related("plan").order_by("-occurred_at")


def own_intent(member: User, intent_id: int) -> CheckoutIntent:
    intent = CheckoutIntent.objects.filter(pk=intent_id, member=member).first()
    if intent is None:
        raise DomainError("not_found")
    return intent


def demo_intent(session_id: str) -> CheckoutIntent:
    intent = (
        CheckoutIntent.objects.filter(provider="demo", session_id=session_id)
        .select_related("plan")
        .first()
    )
    if intent is None:
        raise DomainError("not_found")
    return intent


def intent_paid(intent: CheckoutIntent) -> bool:
    """The purchase has taken effect: its payment is recorded (tickets granted)."""
    if intent.kind == CheckoutIntent.Kind.SUBSCRIPTION:
        return Payment.objects.filter(
            member_id=intent.member_id,
            subscription__isnull=False,
            status=Payment.Status.PAID,
            occurred_at__gte=intent.created_at,
        ).exists()
    return (
        CheckoutIntent.objects.filter(pk=intent.pk, status=CheckoutIntent.Status.COMPLETED).exists()
        and Payment.objects.filter(
            member_id=intent.member_id, kind=Payment.Kind.ADDON, occurred_at__gte=intent.created_at
        ).exists()
    )


# Console lists (the secretariat sees the whole network).
def payments_all() -> QuerySet[Payment]:
    return Payment.objects.select_related("member", "plan").order_by("-occurred_at", "-pk")


def subscriptions_all() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("member", "plan", "next_plan").order_by("-pk")


def refunds_all() -> QuerySet[Refund]:
    return Refund.objects.select_related("payment__member", "created_by").order_by("-pk")


def events_pending() -> QuerySet[WebhookEvent]:
    return WebhookEvent.objects.filter(processed_at__isnull=True).order_by("received_at")


def payment_get(payment_id: int) -> Payment:
    payment = Payment.objects.select_related("member", "plan").filter(pk=payment_id).first()
    if payment is None:
        raise DomainError("not_found")
    return payment


def refund_get(refund_id: int) -> Refund:
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None:
        raise DomainError("not_found")
    return refund
