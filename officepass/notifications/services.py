"""Writes of the notifications tables (each with its audit row)."""

import ipaddress
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.notifications import vapid
from officepass.notifications.models import (
    Favourite,
    Kind,
    PushPreference,
    PushSubscription,
    SeatAlert,
)
from officepass.offices.models import Office, Space
from officepass.offices.selectors import symbol

ALERT_HOURS = (1, 2, 4, 8)


def _internal_host(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def push_subscribe(*, member: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Store the browser's subscription (the same endpoint again moves it to this member)."""
    if not vapid.configured():
        raise DomainError("push_unavailable")
    parts = urlsplit(endpoint or "")
    schemes = ("https", "http") if settings.PUSH_ALLOW_HTTP_ENDPOINTS else ("https",)
    if parts.scheme not in schemes or not parts.hostname or len(endpoint) > 1000:
        raise DomainError("invalid_input", field="endpoint")
    if not settings.PUSH_ALLOW_HTTP_ENDPOINTS and _internal_host(parts.hostname):
        # The worker POSTs to this address: never to this network's own machines.
        raise DomainError("invalid_input", field="endpoint")
    try:
        key, secret = vapid.b64url_decode(p256dh), vapid.b64url_decode(auth)
    except ValueError:
        raise DomainError("invalid_input", field="keys") from None
    if len(key) != 65 or key[0] != 4 or len(secret) != 16:
        raise DomainError("invalid_input", field="keys")
    with transaction.atomic():
        subscription, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={
                "member": member,
                "p256dh": p256dh,
                "auth": auth,
                "created_at": clock.now(),
            },
        )
        audit(actor=member, action=AuditAction.PUSH_SUBSCRIBED, target=subscription)
    return subscription


def push_unsubscribe(*, member: User, endpoint: str) -> int:
    with transaction.atomic():
        removed = 0
        for subscription in PushSubscription.objects.filter(member=member, endpoint=endpoint):
            audit(actor=member, action=AuditAction.PUSH_UNSUBSCRIBED, target=subscription)
            subscription.delete()
            removed += 1
    return removed


def push_preferences_set(*, member: User, on: set[str]) -> None:
    """Push on for the kinds in `on`, off for the others (e-mail instead)."""
    if not on <= set(Kind.values):
        raise DomainError("invalid_input", field="kinds")
    with transaction.atomic():
        for kind in Kind.values:
            wanted = kind in on
            preference, created = PushPreference.objects.get_or_create(
                member=member, kind=kind, defaults={"push": wanted}
            )
            if not created and preference.push == wanted:
                continue
            if not created:
                PushPreference.objects.filter(pk=preference.pk).update(push=wanted)
            audit(
                actor=member,
                action=AuditAction.PUSH_PREFERENCE,
                target=preference,
                kind=kind,
                push=wanted,
            )


def seat_alert_create(*, member: User, space: Space, hours: int) -> SeatAlert:
    """Ask to be told once when `space` frees a seat (×) or shows ○ (△), for `hours`."""
    if hours not in ALERT_HOURS:
        raise DomainError("invalid_input", field="hours")
    remaining = space.quota - space.in_use
    mark = symbol(remaining)
    if mark == "○":
        raise DomainError("seat_available")
    now = clock.now()
    try:
        with transaction.atomic():
            # An expired alert that never fired is void; it gives way to the new one.
            SeatAlert.objects.filter(
                member=member, space=space, fired_at__isnull=True, expires_at__lte=now
            ).delete()
            alert = SeatAlert.objects.create(
                member=member,
                space=space,
                want="free" if mark == "×" else "plenty",
                created_at=now,
                expires_at=now + timedelta(hours=hours),
            )
            audit(
                actor=member,
                action=AuditAction.SEAT_ALERT_CREATE,
                target=alert,
                space=space.pk,
                hours=hours,
            )
    except IntegrityError:  # already waiting for this space: the one alert stands
        return SeatAlert.objects.get(member=member, space=space, fired_at__isnull=True)
    return alert


def favourite_set(*, member: User, office: Office, starred: bool) -> bool:
    with transaction.atomic():
        if starred:
            _, created = Favourite.objects.get_or_create(
                member=member, office=office, defaults={"created_at": clock.now()}
            )
            if created:
                audit(actor=member, action=AuditAction.FAVOURITE_ADD, target=office)
            return created
        removed = Favourite.objects.filter(member=member, office=office).delete()[0]
        if removed:
            audit(actor=member, action=AuditAction.FAVOURITE_REMOVE, target=office)
        return bool(removed)
