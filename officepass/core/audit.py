"""Audit rows: call inside the transaction that makes the change, naming an `AuditAction`
(the vocabulary in core/actions.py)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import models

from officepass.core import clock
from officepass.core.actions import AuditAction
from officepass.core.models import AuditEntry
from officepass.core.prepared import insert

__all__ = ["AuditAction", "audit", "audit_many"]


def _entry(
    actor: Any, action: AuditAction, target: models.Model, data: dict[str, Any], at: datetime
) -> AuditEntry:
    """The audit row of one target: who acted is kept as id and label, so it survives the
    account."""
    actor_id = getattr(actor, "pk", None)
    return AuditEntry(
        created_at=at,
        actor_id=actor_id,
        actor_label=(getattr(actor, "email", "") or "") if actor_id else "",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )


def audit_entry(
    *, actor: Any, action: AuditAction, target: models.Model, **data: Any
) -> AuditEntry:
    """The audit row `audit` would write, not yet written (for a caller that writes it in a
    statement of its own: stays/one_statement.py)."""
    return _entry(actor, action, target, data, clock.now())


def audit(*, actor: Any, action: AuditAction, target: models.Model, **data: Any) -> AuditEntry:
    return insert(_entry(actor, action, target, data, clock.now()))


def audit_many(
    *, actor: Any, action: AuditAction, targets: Iterable[models.Model], **data: Any
) -> int:
    """The same action on many rows, one audit row each, in one INSERT (a worker's batch)."""
    now = clock.now()
    rows = [_entry(actor, action, target, data, now) for target in targets]
    AuditEntry.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
