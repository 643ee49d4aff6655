"""Door displays: each tablet gets its own revocable link that can only show codes.

The link carries a random secret (shown once, stored as SHA-256), so a tablet never holds a
staff session: whoever picks it up can see the rotating code and nothing else.
"""

import hashlib
import secrets

from django.db import transaction

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.offices.models import DoorDisplay, Space


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def door_display_create(*, actor: User, space: Space, label: str) -> tuple[DoorDisplay, str]:
    """A new display link for `space`; the secret is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        display = DoorDisplay.objects.create(
            space=space, label=label[:100], token_hash=_digest(token), created_at=clock.now()
        )
        audit(actor=actor, action=AuditAction.DISPLAY_CREATE, target=display, space=space.pk)
    return display, token


def door_display_revoke(*, actor: User, space: Space, display_id: int) -> None:
    """Revoke one of `space`'s display links at once (its next refresh is refused)."""
    with transaction.atomic():
        done = DoorDisplay.objects.filter(
            pk=display_id, space=space, revoked_at__isnull=True
        ).update(revoked_at=clock.now())
        if not done:
            raise DomainError("not_found")
        audit(actor=actor, action=AuditAction.DISPLAY_REVOKE, target=DoorDisplay(pk=display_id))


def space_for_display(token: str) -> Space:
    """The active rotating space a live display link shows; `not_found` for anything else."""
    if not token or len(token) > 100:
        raise DomainError("not_found")
    display = (
        DoorDisplay.objects.select_related("space__office")
        .filter(token_hash=_digest(token), revoked_at__isnull=True)
        .filter(space__is_active=True, space__office__is_active=True)
        .first()
    )
    if display is None:
        raise DomainError("not_found")
    return display.space


def displays_of(space: Space) -> list[DoorDisplay]:
    return list(space.displays.filter(revoked_at__isnull=True).order_by("created_at", "pk"))
