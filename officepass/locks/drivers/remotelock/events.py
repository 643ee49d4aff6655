"""RemoteLOCK webhook events feeding lock health (access events and `connectivity_event`).

The operator adds a webhook notification subscriber in RemoteLOCK pointing at
``/api/v1/locks/<space id>/events`` with a shared secret, named in the space's settings as
``secret_env.webhook_secret``. A delivery must carry that secret in ``X-Secret`` (compared in
constant time); each event id is taken once. Events are JSON:API documents
``{"data": {"type": "…_event", "id": "…", "attributes": {"source_id", "occurred_at", …}}}``.
A `connectivity_event` sets online from ``attributes.connected``; any access or lock event
means the lock is talking to the cloud (online) and, for unlocks, its state.
"""

import hmac
from collections.abc import Mapping
from typing import Any

from django.core.cache import cache

from officepass.core.errors import DomainError
from officepass.locks.health import lock_health_report
from officepass.locks.registry import secrets_for
from officepass.offices.models import Space

SEEN_SECONDS = 7 * 24 * 3600
STATE_BY_TYPE = {
    "unlocked_event": "unlocked",
    "access_person_used_event": "unlocked",
    "locked_event": "locked",
    "jammed_event": "jammed",
}


def remotelock_event_receive(
    *, space: Space, headers: Mapping[str, str], event: dict[str, Any]
) -> bool:
    """Verify and record one event; False if this event id was taken before."""
    secret = secrets_for(dict(space.lock_settings or {})).get("webhook_secret", "")
    given = headers.get("X-Secret", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        raise DomainError("invalid_signature", reason="X-Secret missing or wrong")
    data = event.get("data")
    if not isinstance(data, dict) or not data.get("id") or not data.get("type"):
        raise DomainError("invalid_input", field="data")
    if not cache.add(f"locks:remotelock:event:{space.pk}:{data['id']}", 1, SEEN_SECONDS):
        return False
    raw = data.get("attributes")
    attributes: dict[str, Any] = raw if isinstance(raw, dict) else {}
    kind = str(data["type"])
    if kind == "connectivity_event":
        online, state = bool(attributes.get("connected")), "unknown"
    else:
        online, state = True, STATE_BY_TYPE.get(kind, "unknown")
    detail = {"event_id": str(data["id"]), "type": kind}
    lock_health_report(space_id=space.pk, online=online, state=state, detail=detail)
    return True
