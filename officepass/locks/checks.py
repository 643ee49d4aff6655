"""Asking a lock for its state on demand (the console's "Check the lock now"), and the
reconcile check of lock commands (registered with core in LocksConfig.ready)."""

from datetime import timedelta
from typing import Any

from django.db import transaction

from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.locks.drivers.base import LockStatus
from officepass.locks.health import lock_health_report
from officepass.locks.models import LockCommand
from officepass.locks.registry import driver_for
from officepass.offices.models import Space


def lock_health_check(*, actor: Any, space: Space) -> LockStatus:
    """Ask the lock for its state now (the console's "Check the lock"), outside any transaction;
    the answer is recorded as its health and the check audited."""
    status = driver_for(space).status()
    lock_health_report(
        space_id=space.pk, online=status.online, state=status.state, detail=status.detail
    )
    with transaction.atomic():
        audit(
            actor=actor,
            action=AuditAction.LOCK_CHECKED,
            target=space,
            online=status.online,
            state=status.state,
            detail=status.detail,
        )
    return status


# The worker settles a command left pending past its deadline within seconds.
PENDING_GRACE = timedelta(minutes=5)


def lock_command_breaches() -> list[str]:
    """Every committed command is sent or ends visibly: none stays pending past its deadline."""
    stuck = LockCommand.objects.filter(
        status=LockCommand.Status.PENDING, not_after__lt=clock.now() - PENDING_GRACE
    ).count()
    return [f"{stuck} lock commands still pending after their deadline"] if stuck else []
