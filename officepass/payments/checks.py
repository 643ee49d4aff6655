"""The payments app's reconcile checks (registered in apps.py)."""

from django.db.models import Count, Q, Sum

from officepass.payments.models import Payment, Refund, WebhookEvent
from officepass.tickets.models import LedgerEntry


def payment_breaches() -> list[str]:
    problems: list[str] = []
    # Every paid grant (its key names a payment) has exactly one payment; a payment has at
    # most one grant (Payment.grant is one-to-one, so counting the reverse is enough).
    paid_grants = LedgerEntry.objects.filter(
        kind__in=[LedgerEntry.Kind.GRANT, LedgerEntry.Kind.PURCHASE],
        idempotency_key__startswith="payment:",
    ).annotate(payments=Count("payment"))
    for entry in paid_grants.exclude(payments=1).values("pk", "payments"):
        problems.append(f"paid grant {entry['pk']} has {entry['payments']} payments, not 1")
    for payment in Payment.objects.filter(grant__isnull=False).exclude(
        grant__idempotency_key__startswith="payment:"
    ):
        problems.append(f"payment {payment.pk} links grant {payment.grant_id} not paid by it")
    for payment in Payment.objects.filter(status=Payment.Status.FAILED, grant__isnull=False):
        problems.append(f"failed payment {payment.pk} has a grant")
    unreceipted = Payment.objects.filter(status=Payment.Status.PAID, receipt_id__isnull=True)
    for pk in unreceipted.values_list("pk", flat=True):
        problems.append(f"paid payment {pk} has no receipt")
    refunded = Payment.objects.annotate(
        refunded=Sum("refunds__amount_yen", filter=Q(refunds__status=Refund.Status.SUCCEEDED))
    ).filter(refunded__gt=0)
    for payment in refunded:
        if payment.refunded > payment.amount_yen:
            problems.append(f"payment {payment.pk} refunded {payment.refunded} > paid")
    stuck = WebhookEvent.objects.filter(processed_at__isnull=True, attempts__gte=20)
    for event in stuck.values("event_id", "last_error"):
        problems.append(f"payment event {event['event_id']} not applied: {event['last_error']}")
    return problems
