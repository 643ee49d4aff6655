"""Audit rows: call inside the transaction that makes the change, naming an `AuditAction`
(the vocabulary in core/actions.py)."""

from typing import Any

from django.db import models

from officepass.core import clock
from officepass.core.actions import AuditAction
from officepass.core.models import AuditEntry

__all__ = ["AuditAction", "audit"]


def audit(*, actor: Any, action: AuditAction, target: models.Model, **data: Any) -> AuditEntry:
    actor_id = getattr(actor, "pk", None)
    return AuditEntry.objects.create(
        created_at=clock.now(),
        actor_id=actor_id,
        actor_label=(getattr(actor, "email", "") or "") if actor_id else "",
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
    )
