"""SwitchBot Lock (Lock, Lock Pro, Lock Ultra, …) through the SwitchBot OpenAPI v1.1 cloud.

Space settings: ``{"device_id": "C1D2E3F4A5B6", "secret_env": {"token": "SWITCHBOT_TOKEN_HQ",
"secret": "SWITCHBOT_SECRET_HQ"}}``; optional ``base_url``, ``timeout`` (seconds),
``status_timeout``, ``daily_limit``, ``status_reserve``, ``health_ttl``.
See docs/locks-switchbot-webhook.md.

The cloud has no idempotency key, so a re-sent command would turn the motor again: we send each
request id at most once (`once`) and, when an answer does not come, report `unknown`.
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
    LockStatus,
    Outcome,
    SettingField,
    UnlockResult,
)
from officepass.locks.drivers.http_send import NoAnswer, once, seconds_left, send_before
from officepass.locks.drivers.shared_cache import cache_get, cache_set
from officepass.locks.drivers.switchbot import budget
from officepass.locks.drivers.switchbot.signing import auth_headers

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.switch-bot.com"
# Cloud → hub → Bluetooth → motor: a few seconds is normal for an answer.
DEFAULT_TIMEOUT = 10.0
DEFAULT_STATUS_TIMEOUT = 3.0
UNLOCK_BODY = {"command": "unlock", "parameter": "default", "commandType": "command"}

# statusCode in the JSON body (HTTP 200): code → (our error, retryable, what the vendor means)
VENDOR_ERRORS: dict[int, tuple[str, bool, str]] = {
    151: ("vendor_error", False, "device type error"),
    152: ("vendor_error", False, "device not found"),
    160: ("vendor_error", False, "command is not supported"),
    161: ("offline", True, "device offline"),
    171: ("offline", True, "hub offline"),
    190: ("vendor_error", False, "device internal error or invalid request"),
}


class SwitchBotDriver(LockDriver):
    name = "switchbot"
    settings_fields = (
        SettingField("device_id", _("Device ID"), required=True),
        SettingField("token", _("Token: environment variable name"), "env", required=True),
        SettingField("secret", _("Secret: environment variable name"), "env", required=True),
        SettingField("timeout", _("Unlock timeout (seconds)"), "number"),
    )
    capabilities = frozenset({Capability.STATUS_QUERY, Capability.REPORTS_HEALTH})

    def unlock(self, *, request_id: UUID, not_after: datetime) -> UnlockResult:
        return once.run(request_id, lambda: self._unlock(request_id, not_after))

    def _unlock(self, request_id: UUID, not_after: datetime) -> UnlockResult:
        token, secret = self._credentials()
        if seconds_left(not_after) <= 0:  # before spending a call from the daily budget
            raise LockError("expired", "deadline passed before sending")
        if not budget.take_call(token, limit=self._int("daily_limit", budget.DAILY_LIMIT)):
            raise LockError("rate_limited", "daily call budget used up", retryable=True)
        try:
            response = send_before(
                "POST",
                self._url("commands"),
                headers=auth_headers(token, secret),
                content=json.dumps(UNLOCK_BODY).encode(),
                not_after=not_after,
                timeout=self._timeout(),
            )
        except NoAnswer as exc:
            # Sent, no answer: the door may be open. `unknown`, not a LockError (which would
            # claim it provably stayed shut); never re-sent.
            log.warning("switchbot unlock %s: no answer (%s)", request_id, exc)
            return UnlockResult(Outcome.UNKNOWN, {"error": "timeout_after_send"})
        return self._unlock_result(request_id, response)

    def _unlock_result(self, request_id: UUID, response: httpx.Response) -> UnlockResult:
        payload = _checked_payload(response)
        code = payload.get("statusCode")
        log.info(
            "switchbot unlock %s: HTTP %s statusCode %s", request_id, response.status_code, code
        )
        if payload.get("_unknown"):
            return UnlockResult(Outcome.UNKNOWN, {"http_status": response.status_code})
        if code != 100:
            raise _vendor_error(code, payload)
        body = payload.get("body") or {}
        outcome = Outcome.CONFIRMED if _says_unlocked(body) else Outcome.ACCEPTED
        return UnlockResult(outcome, {"status_code": 100, "message": payload.get("message", "")})

    def status(self) -> LockStatus:
        """Asks the cloud (one API call, from the status budget); offline on any failure."""
        try:
            body = self._fetch_status()
        except LockError as exc:
            return LockStatus(online=False, detail={"error": exc.code})
        state = str(body.get("lockState", "unknown")).lower()
        online = str(body.get("onlineStatus", "online")).lower() != "offline"
        known = state if state in ("locked", "unlocked", "jammed") else "unknown"
        keep: dict[str, Any] = {
            k: body[k] for k in ("battery", "doorState", "version") if k in body
        }
        return LockStatus(online=online, state=known, detail=keep)

    def is_online(self) -> bool:
        """Cached for `health_ttl` seconds per device so check-ins don't spend the daily budget."""
        key = f"locks:switchbot:online:{self.settings.get('device_id', '')}"
        online = cache_get(key)
        if online is None:  # not remembered, or the cache is down: ask the vendor
            online = self.status().online
            cache_set(key, online, timeout=self._int("health_ttl", 60))
        return bool(online)

    def _fetch_status(self) -> dict[str, Any]:
        token, secret = self._credentials()
        limit = self._int("daily_limit", budget.DAILY_LIMIT)
        if not budget.take_call(token, limit=limit, reserve=self._int("status_reserve", 1000)):
            raise LockError("rate_limited", "status budget used up", retryable=True)
        try:
            # Short: a check-in waits on this (through is_online) when the cache is cold.
            timeout = float(self.settings.get("status_timeout", DEFAULT_STATUS_TIMEOUT))
            response = httpx.get(
                self._url("status"), headers=auth_headers(token, secret), timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise LockError("offline", type(exc).__name__, retryable=True) from None
        payload = _checked_payload(response)
        if payload.get("_unknown") or payload.get("statusCode") != 100:
            raise _vendor_error(payload.get("statusCode"), payload)
        body = payload.get("body")
        return body if isinstance(body, dict) else {}

    def _credentials(self) -> tuple[str, str]:
        token, secret = self.secrets.get("token", ""), self.secrets.get("secret", "")
        if not token or not secret:
            raise LockError("auth_failed", "token or secret not configured (see secret_env)")
        return token, secret

    def _url(self, what: str) -> str:
        base = str(self.settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        device_id = str(self.settings.get("device_id", ""))
        if not device_id:
            raise LockError("vendor_error", "device_id not configured")
        return f"{base}/v1.1/devices/{device_id}/{what}"

    def _timeout(self) -> float:
        return float(self.settings.get("timeout", DEFAULT_TIMEOUT))

    def _int(self, key: str, default: int) -> int:
        return int(self.settings.get(key, default))


def _checked_payload(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a 200, or a LockError for the HTTP-level refusals.

    A payload marked `_unknown` means the vendor answered something we can't read (a gateway
    error, HTML): the command may have gone through.
    """
    status = response.status_code
    if status in (401, 403):
        raise LockError("auth_failed", f"HTTP {status}")
    if status == 429:
        raise LockError("rate_limited", "HTTP 429", retryable=True)
    if status in (502, 504):
        return {"_unknown": True}
    if status != 200:
        raise LockError("vendor_error", f"HTTP {status}")
    try:
        payload = response.json()
    except ValueError:
        return {"_unknown": True}
    return payload if isinstance(payload, dict) else {"_unknown": True}


def _vendor_error(code: object, payload: dict[str, Any]) -> LockError:
    error, retryable, meaning = VENDOR_ERRORS.get(
        code if isinstance(code, int) else -1, ("vendor_error", False, "unexpected answer")
    )
    message = str(payload.get("message", ""))[:200]
    return LockError(error, f"statusCode {code}: {meaning} ({message})", retryable=retryable)


def _says_unlocked(body: Any) -> bool:
    """Some models answer with the new state (body.lockState or body.items[].status.lockState)."""
    if not isinstance(body, dict):
        return False
    states = [body.get("lockState")]
    for item in body.get("items") or []:
        if isinstance(item, dict) and isinstance(item.get("status"), dict):
            states.append(item["status"].get("lockState"))
    return any(str(state).lower() == "unlocked" for state in states if state)
