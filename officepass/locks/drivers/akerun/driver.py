"""Akerun Pro / Akerun Controller (Photosynth) through Akerun API v3: a *command* lock.

Space settings: ``{"account": "<LockCloudAccount name>", "organization_id": "O-…",
"akerun_id": "A-…"}``; optional ``timeout``, ``status_timeout``, ``confirm_seconds``,
``health_ttl``. The OAuth app's id and secret are the environment variables AKERUN_CLIENT_ID and
AKERUN_CLIENT_SECRET; the account's tokens come from the console's onboarding (tokens.py). See
docs/locks-akerun.md.

What we follow (https://developers.akerun.com/, Akerun API v3): ``Authorization: Bearer``;
``POST /v3/organizations/{org}/akeruns/{id}/jobs/unlock`` → 201 (the vendor took the job);
while a job for that Akerun is still running a second one is refused (409/422): the door is
already being opened, so that answer is *accepted (in flight)*, not a failure. The access
history ``GET /v3/organizations/{org}/accesses?akerun_ids[]=…&limit=…`` confirms the unlock
(an ``unlock`` entry at or after the send). ``GET /v3/organizations/{org}/akeruns/{id}`` gives
health and battery. 429 is the documented rate limit: refused before acting, retryable.
"""

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
from django.conf import settings as django_settings
from django.utils.translation import gettext_lazy as _

from officepass.core import clock
from officepass.locks.drivers.akerun import tokens
from officepass.locks.drivers.base import (
    Capability,
    ErrorCode,
    LockDriver,
    LockError,
    LockStatus,
    Outcome,
    SettingField,
    UnlockResult,
)
from officepass.locks.drivers.http_send import NoAnswer, once, send_before

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DEFAULT_STATUS_TIMEOUT = 3.0
IN_FLIGHT = (409, 422)


class AkerunDriver(LockDriver):
    name = "akerun"
    settings_fields = (
        SettingField(
            "account", _("Akerun account (connected in Lock-cloud accounts)"), required=True
        ),
        SettingField("organization_id", _("Organization ID"), required=True),
        SettingField("akerun_id", _("Akerun ID"), required=True),
    )
    capabilities = frozenset(
        {Capability.CONFIRMS_UNLOCK, Capability.STATUS_QUERY, Capability.REPORTS_HEALTH}
    )

    def unlock(self, *, request_id: UUID, not_after: datetime) -> UnlockResult:
        return once.run(request_id, lambda: self._unlock(request_id, not_after))

    def _unlock(self, request_id: UUID, not_after: datetime) -> UnlockResult:
        sent_at = clock.now()
        path = f"{self._org()}/akeruns/{self._setting('akerun_id')}/jobs/unlock"
        for attempt in (1, 2):
            try:
                response = send_before(
                    "POST",
                    path,
                    headers={**self._auth(), "Content-Type": "application/json"},
                    content=json.dumps({}).encode(),
                    not_after=not_after,
                    timeout=float(self.settings.get("timeout", DEFAULT_TIMEOUT)),
                )
            except NoAnswer as exc:
                log.warning("akerun unlock %s: no answer (%s)", request_id, exc)
                return UnlockResult(Outcome.UNKNOWN, {"error": "timeout_after_send"})
            if response.status_code == 401 and attempt == 1:
                tokens.expire(self._setting("account"))  # refused: safe to send again
                continue
            break
        if response.status_code in IN_FLIGHT:
            return UnlockResult(Outcome.ACCEPTED, {"in_flight": True})
        _refusal(response)
        if response.status_code not in (200, 201):
            return UnlockResult(Outcome.UNKNOWN, {"http_status": response.status_code})
        return self._confirmed(sent_at)

    def _confirmed(self, sent_at: datetime) -> UnlockResult:
        """Wait (briefly) for the unlock in the access history."""
        wait_until = time.monotonic() + float(self.settings.get("confirm_seconds", 3.0))
        while True:
            if self._unlock_seen_since(sent_at):
                return UnlockResult(Outcome.CONFIRMED, {"history": True})
            if time.monotonic() >= wait_until:
                return UnlockResult(Outcome.ACCEPTED, {"history": False})
            time.sleep(0.2)

    def _unlock_seen_since(self, since: datetime) -> bool:
        akerun_id = self._setting("akerun_id")
        try:
            body = self._get(f"{self._org()}/accesses?akerun_ids[]={akerun_id}&limit=10")
        except LockError:
            return False
        for entry in body.get("accesses") or []:
            at = _parse(entry.get("accessed_at"))
            if (
                entry.get("action") == "unlock"
                and at is not None
                and at >= since.replace(microsecond=0)
            ):
                return True
        return False

    def status(self) -> LockStatus:
        try:
            body = self._get(f"{self._org()}/akeruns/{self._setting('akerun_id')}")
        except LockError as exc:
            return LockStatus(online=False, detail={"error": exc.code})
        raw = body.get("akerun")
        akerun: dict[str, Any] = raw if isinstance(raw, dict) else {}
        detail: dict[str, Any] = {
            k: akerun[k] for k in ("battery_percentage", "name") if k in akerun
        }
        return LockStatus(online=True, detail=detail)

    def is_online(self) -> bool:
        return self.cached_online(f"locks:akerun:online:{self.settings.get('akerun_id', '')}")

    def _get(self, url: str) -> dict[str, Any]:
        timeout = float(self.settings.get("status_timeout", DEFAULT_STATUS_TIMEOUT))
        for attempt in (1, 2):
            try:
                response = httpx.get(url, headers=self._auth(), timeout=timeout)
            except httpx.HTTPError as exc:
                raise LockError(ErrorCode.OFFLINE, type(exc).__name__, retryable=True) from None
            if response.status_code == 401 and attempt == 1:
                tokens.expire(self._setting("account"))
                continue
            break
        _refusal(response)
        if response.status_code != 200:
            raise LockError(ErrorCode.VENDOR_ERROR, f"HTTP {response.status_code}")
        payload = response.json()
        return payload if isinstance(payload, dict) else {}

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.access_token(self._setting('account'))}"}

    def _org(self) -> str:
        base = str(self.settings.get("api_url") or django_settings.AKERUN_API_URL).rstrip("/")
        return f"{base}/v3/organizations/{self._setting('organization_id')}"

    def _setting(self, key: str) -> str:
        value = str(self.settings.get(key, ""))
        if not value:
            raise LockError(ErrorCode.VENDOR_ERROR, f"{key} not configured")
        return value


def _refusal(response: httpx.Response) -> None:
    status = response.status_code
    if status in (401, 403):
        raise LockError(ErrorCode.AUTH_FAILED, f"HTTP {status}")
    if status == 429:
        raise LockError(ErrorCode.RATE_LIMITED, "HTTP 429", retryable=True)
    if status == 404:
        raise LockError(ErrorCode.VENDOR_ERROR, "HTTP 404: no such Akerun")
    if status == 503:
        raise LockError(ErrorCode.OFFLINE, "HTTP 503: Akerun unreachable", retryable=True)


def _parse(value: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
