"""Stored lock health: drivers that push (MQTT availability, webhooks) record it here."""

from datetime import datetime
from typing import Any

from django.db import transaction

from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.locks.models import LockHealth


def lock_health_report(
    *,
    space_id: int,
    online: bool,
    state: str = "unknown",
    detail: dict[str, Any] | None = None,
    reported_at: datetime | None = None,
) -> LockHealth:
    """Record what the lock said at `reported_at` (the event's own time; now when the source
    gives none). Events apply in the order they happened, not the order they arrived: one
    older than the last applied changes nothing. A change between online and offline is
    audited."""
    at = reported_at or clock.now()
    values = {
        "online": online,
        "state": state,
        "seen_at": clock.now(),
        "reported_at": at,
        "detail": detail or {},
    }
    with transaction.atomic():
        # The row lock orders concurrent reports; a first report racing another one waits for
        # its insert and then meets the same guard.
        health, created = LockHealth.objects.select_for_update().get_or_create(
            space_id=space_id, defaults=values
        )
        if not created and health.reported_at is not None and health.reported_at > at:
            return health
        was_online = None if created else health.online
        for name, value in values.items():
            setattr(health, name, value)
        health.save(update_fields=list(values))
        if was_online != online:
            audit(
                actor=None,
                action=AuditAction.LOCK_ONLINE if online else AuditAction.LOCK_OFFLINE,
                target=health,
                space=space_id,
                state=state,
            )
    return health


def lock_health_online(space_id: int) -> bool | None:
    """Last known health, or None if the lock has never reported."""
    return LockHealth.objects.filter(space_id=space_id).values_list("online", flat=True).first()
