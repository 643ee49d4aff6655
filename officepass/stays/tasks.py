"""Background work the worker runs each tick. Every task is safe in several processes."""

import logging
from datetime import timedelta

from django.db import transaction

from officepass.core import clock
from officepass.core.audit import AuditAction, audit_many
from officepass.stays.models import AvailabilityChange, Stay

log = logging.getLogger("officepass.worker")

# Change-log rows older than this are gone; a stream that fell further behind resyncs.
CHANGE_LOG_KEEP = timedelta(minutes=10)


def reminders_send(*, limit: int = 2000) -> int:
    """Mark the T−window reminder due, once per deadline (guarded by `reminded_at`).

    The marked row is the event: the notifications app sends it (Web Push, e-mail as the
    fallback) from the committed rows, after commit, once (notifications/tasks.py). One
    transaction per batch: the rows are locked (PostgreSQL skips rows another worker holds;
    SQLite's write transaction is exclusive), re-read as unmarked, marked and audited.
    """
    now = clock.now()
    with transaction.atomic():
        due = list(
            Stay.objects.running(now)
            .filter(reminded_at__isnull=True, extension_opens_at__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("extension_opens_at", "pk")
            .only("pk")[:limit]
        )
        if not due:
            return 0
        Stay.objects.filter(pk__in=[s.pk for s in due]).update(reminded_at=now)
        audit_many(
            actor=None, action=AuditAction.STAY_REMINDER_SENT, targets=due, kind="extension_open"
        )
    return len(due)


def change_log_prune() -> int:
    deleted, _ = AvailabilityChange.objects.filter(
        created_at__lt=clock.now() - CHANGE_LOG_KEEP
    ).delete()
    return deleted
