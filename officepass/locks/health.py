"""Stored lock health: drivers that push (MQTT availability, webhooks) record it here."""

from typing import Any

from django.db import transaction

from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.locks.models import LockHealth


def lock_health_report(
    *, space_id: int, online: bool, state: str = "unknown", detail: dict[str, Any] | None = None
) -> LockHealth:
    """Record what the lock said; a change between online and offline is audited."""
    with transaction.atomic():
        health = LockHealth.objects.select_for_update().filter(space_id=space_id).first()
        was_online = health.online if health else None
        health, _ = LockHealth.objects.update_or_create(
            space_id=space_id,
            defaults={
                "online": online,
                "state": state,
                "seen_at": clock.now(),
                "detail": detail or {},
            },
        )
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
