"""Background work the worker runs each tick. Every task is safe in several processes."""

import logging
from datetime import timedelta

from django.db import transaction

from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.stays.models import AvailabilityChange, Stay

log = logging.getLogger("officepass.worker")

# Change-log rows older than this are gone; a stream that fell further behind resyncs.
CHANGE_LOG_KEEP = timedelta(minutes=10)


def reminders_send(*, limit: int = 500) -> int:
    """Mark the T−window reminder due, once per deadline (guarded by `reminded_at`).

    The marked row is the event: the notifications app sends it (Web Push, e-mail as the
    fallback) from the committed row, after commit, once (notifications/tasks.py)."""
    now = clock.now()
    due = (
        Stay.objects.running(now)
        .filter(reminded_at__isnull=True, extension_opens_at__lte=now)
        .select_related("member", "office", "space")[:limit]
    )
    sent = 0
    for stay in due:
        with transaction.atomic():
            if not Stay.objects.filter(pk=stay.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            audit(
                actor=None,
                action=AuditAction.STAY_REMINDER_SENT,
                target=stay,
                kind="extension_open",
            )
        sent += 1
    return sent


def change_log_prune() -> int:
    deleted, _ = AvailabilityChange.objects.filter(
        created_at__lt=clock.now() - CHANGE_LOG_KEEP
    ).delete()
    return deleted
