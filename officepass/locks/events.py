"""Events pushed by door controllers (the webhook driver's intake): signed, replay-safe.

A controller POSTs ``{"type": "health", "online": true, "state": "locked"}`` to
``/api/v1/locks/<space id>/events`` with Standard Webhooks headers, signed with the same
secret we sign its unlock commands with. The signed ``webhook-timestamp`` is the event's time:
a late delivery older than the health already recorded is taken (not retried) but changes
nothing.
"""

from collections.abc import Mapping
from typing import Any

from officepass.core.errors import DomainError
from officepass.locks.drivers.remotelock.events import remotelock_event_receive
from officepass.locks.drivers.webhook.signing import (
    InvalidSignature,
    first_delivery,
    signed_time,
    verify_signature,
)
from officepass.locks.health import lock_health_report
from officepass.locks.registry import secrets_for
from officepass.offices.models import Space

STATES = {"locked", "unlocked", "jammed", "unknown"}


def lock_event_receive(
    *, space_id: int, headers: Mapping[str, str], body: bytes, event: dict[str, Any]
) -> bool:
    """Verify and record one event; False if it was a replay of one already taken."""
    cloud = Space.objects.filter(pk=space_id, lock_driver="remotelock").first()
    if cloud is not None:
        return remotelock_event_receive(space=cloud, headers=headers, event=event)
    space = Space.objects.filter(pk=space_id, lock_driver="webhook").first()
    secret = secrets_for(dict(space.lock_settings or {})).get("secret", "") if space else ""
    if not secret:
        raise DomainError("not_found")
    try:
        msg_id = verify_signature(headers, body, secret)
    except InvalidSignature as exc:
        raise DomainError("invalid_signature", reason=str(exc)) from None
    first = first_delivery(msg_id)
    if first is None:  # the replay guard is down: the controller retries later
        raise DomainError("service_unavailable", retry_after_seconds=5)
    if not first:
        return False
    if event.get("type") != "health" or not isinstance(event.get("online"), bool):
        raise DomainError("invalid_input", field="type/online")
    state = str(event.get("state", "unknown"))
    lock_health_report(
        space_id=space_id,
        online=event["online"],
        state=state if state in STATES else "unknown",
        detail={"event_id": msg_id},
        reported_at=signed_time(headers),
    )
    return True
