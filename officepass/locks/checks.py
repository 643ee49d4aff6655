"""Asking a lock for its state on demand (the console's "Check the lock now")."""

from typing import Any

from django.db import transaction

from officepass.core.audit import audit
from officepass.locks.drivers.base import LockStatus
from officepass.locks.health import lock_health_report
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
            action="lock.checked",
            target=space,
            online=status.online,
            state=status.state,
            detail=status.detail,
        )
    return status
