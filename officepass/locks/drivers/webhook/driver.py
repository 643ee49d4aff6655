"""A door controller we don't know, reached by a signed webhook (Standard Webhooks v1).

Space settings: ``{"url": "https://door.example/unlock", "space": "hq-3f-room-2",
"secret_env": {"secret": "DOOR_WEBHOOK_SECRET_HQ"}}``; optional ``timeout`` (seconds).
We POST {request_id, space, action: "unlock", not_after}; `webhook-id` is the request id, so the
controller can dedupe on it. The contract is in docs/locks-switchbot-webhook.md.
"""

import json
import logging
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from django.utils.translation import gettext_lazy as _

from officepass.locks.drivers.base import (
    Capability,
    LockDriver,
    LockError,
    Outcome,
    SettingField,
    UnlockResult,
)
from officepass.locks.drivers.http_send import NoAnswer, once, send_before
from officepass.locks.drivers.webhook.signing import InvalidSignature, signed_headers
from officepass.locks.health import lock_health_online

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
# Errors a controller may name in a non-2xx JSON body {"error": ...}: (code, retryable).
NAMED_ERRORS: dict[str, tuple[str, bool]] = {
    "offline": ("offline", True),
    "jammed": ("jammed", False),
    "rate_limited": ("rate_limited", True),
}


class WebhookDriver(LockDriver):
    name = "webhook"
    settings_fields = (
        SettingField("url", _("Controller URL (https)"), required=True),
        SettingField("space", _("Door name sent to the controller"), required=True),
        SettingField(
            "secret", _("Signing secret: environment variable name"), "env", required=True
        ),
        SettingField("timeout", _("Timeout (seconds)"), "number"),
    )
    capabilities = frozenset({Capability.CONFIRMS_UNLOCK, Capability.PUSH_EVENTS})

    def unlock(self, *, request_id: UUID, not_after: datetime) -> UnlockResult:
        return once.run(request_id, lambda: self._unlock(request_id, not_after))

    def _unlock(self, request_id: UUID, not_after: datetime) -> UnlockResult:
        url, secret = self._url(), self._secret()
        body = json.dumps(
            {
                "request_id": str(request_id),
                "space": str(self.settings.get("space", "")),
                "action": "unlock",
                "not_after": not_after.isoformat(),
            },
            separators=(",", ":"),
        ).encode()
        try:
            headers = signed_headers(secret, str(request_id), body)
        except InvalidSignature as exc:
            raise LockError("auth_failed", str(exc)) from None
        try:
            response = send_before(
                "POST",
                url,
                headers=headers,
                content=body,
                not_after=not_after,
                timeout=float(self.settings.get("timeout", DEFAULT_TIMEOUT)),
            )
        except NoAnswer as exc:
            # Sent, no answer: the door may be open, so `unknown` (never re-sent).
            log.warning("webhook unlock %s: no answer (%s)", request_id, exc)
            return UnlockResult(Outcome.UNKNOWN, {"error": "timeout_after_send"})
        log.info("webhook unlock %s: HTTP %s", request_id, response.status_code)
        return _result(response)

    def is_online(self) -> bool:
        """We can't ask an unknown controller; its health arrives by push (LockHealth).

        A controller that never pushed health counts as online (it may never push); one
        whose last event said offline is offline.
        """
        if not self.settings.get("url"):
            return False
        space_id = self.settings.get("space_id")
        last = lock_health_online(int(space_id)) if space_id is not None else None
        return last is not False

    def _url(self) -> str:
        url = str(self.settings.get("url", ""))
        if not url.startswith(("https://", "http://")):
            raise LockError("vendor_error", "url not configured")
        return url

    def _secret(self) -> str:
        secret = self.secrets.get("secret", "")
        if not secret:
            raise LockError("auth_failed", "secret not configured (see secret_env)")
        return secret


def _result(response: httpx.Response) -> UnlockResult:
    status = response.status_code
    answer = _json(response)
    if 200 <= status < 300:
        said = str(answer.get("status", "accepted")).lower()
        outcome = Outcome.CONFIRMED if said == "unlocked" else Outcome.ACCEPTED
        return UnlockResult(outcome, {"http_status": status, "status": said})
    if status in (502, 504):
        # A gateway in front of the controller gave up waiting: it may have acted.
        return UnlockResult(Outcome.UNKNOWN, {"http_status": status})
    raise _error(status, answer)


def _error(status: int, answer: dict[str, Any]) -> LockError:
    named = NAMED_ERRORS.get(str(answer.get("error", "")))
    detail = f"HTTP {status}"
    if named:
        return LockError(named[0], detail, retryable=named[1])
    if status in (401, 403):
        return LockError("auth_failed", detail)
    if status == 429:
        return LockError("rate_limited", detail, retryable=True)
    if status == 503:
        return LockError("offline", detail, retryable=True)
    return LockError("vendor_error", detail)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
