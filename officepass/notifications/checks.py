"""Reconcile: every notice was handed to a channel, none is stuck mid-send."""

from datetime import timedelta

from django.db.models import F

from officepass.core import clock
from officepass.notifications.models import Delivery, Notification, SeatAlert


def delivery_breaches() -> list[str]:
    now = clock.now()
    problems = [
        f"delivery {pk} is sending since {at:%Y-%m-%d %H:%M:%S} (interrupted?)"
        for pk, at in Delivery.objects.filter(
            status=Delivery.Status.SENDING, claimed_at__lt=now - timedelta(minutes=5)
        ).values_list("pk", "claimed_at")[:20]
    ]
    problems += [
        f"delivery {pk} goes to a subscription of another member"
        for pk in Delivery.objects.filter(subscription__isnull=False)
        .exclude(subscription__member_id=F("notification__member_id"))
        .values_list("pk", flat=True)[:20]
    ]
    problems += [
        f"notice {pk} ({kind}) has no delivery"
        for pk, kind in Notification.objects.filter(
            deliveries__isnull=True, created_at__lt=now - timedelta(minutes=5)
        ).values_list("pk", "kind")[:20]
    ]
    problems += [
        f"seat alert {pk} fired after it expired"
        for pk in SeatAlert.objects.filter(fired_at__gt=F("expires_at")).values_list(
            "pk", flat=True
        )[:20]
    ]
    return problems
