"""SESAME 5 / SESAME 4 / SESAME 3 (CANDY HOUSE) through the SESAME Web API: a *command* lock.

Space settings: ``{"device_uuid": "…", "secret_env": {"api_key": "SESAME_API_KEY",
"secret": "SESAME_SECRET_HQ"}}``; optional ``base_url``, ``timeout``, ``status_timeout``,
``health_ttl``. The lock needs a WiFi Module 2 or Hub 3 and the Web API turned on in the app.
See docs/locks-sesame.md.

What we follow (CANDY HOUSE's Web API document, https://doc.candyhouse.co/ja/SesameAPI, and
its published sample code): every call carries ``x-api-key``; ``GET /api/sesame2/{uuid}``
answers ``{"batteryPercentage", "batteryVoltage", "position", "CHSesame2Status", "timestamp",
"wm2State"}``; ``POST /api/sesame2/{uuid}/cmd`` with ``{"cmd": 83, "history": base64(label),
"sign": AES-CMAC(secret, timestamp)}`` unlocks (82 locks, 88 toggles). An HTTP 500 is what the
cloud answers when the lock's WiFi module is unreachable. The history label names the stay
("op-stay 42"), never the member.

The cloud has no idempotency key, so each request id is sent at most once (`once`); a command
that left us and got no answer is `unknown` and never re-sent.
"""

import json
import logging
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from django.utils.translation import gettext_lazy as _

from officepass.core import clock
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
from officepass.locks.drivers.sesame.signing import history, sign
from officepass.locks.models import LockCommand

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://app.candyhouse.co"
DEFAULT_TIMEOUT = 10.0
DEFAULT_STATUS_TIMEOUT = 3.0
UNLOCK = 83
STATES = {"locked": "locked", "unlocked": "unlocked"}


class SesameDriver(LockDriver):
    name = "sesame"
    settings_fields = (
        SettingField("device_uuid", _("Device UUID"), required=True),
        SettingField("api_key", _("API key: environment variable name"), "env", required=True),
        SettingField("secret", _("Device secret: environment variable name"), "env", required=True),
    )
    capabilities = frozenset({Capability.STATUS_QUERY, Capability.REPORTS_HEALTH})

    def unlock(self, *, request_id: UUID, not_after: datetime) -> UnlockResult:
        return once.run(request_id, lambda: self._unlock(request_id, not_after))

    def _unlock(self, request_id: UUID, not_after: datetime) -> UnlockResult:
        api_key, secret = self._credentials()
        body = {
            "cmd": UNLOCK,
            "history": history(_label(request_id)),
            "sign": sign(secret, int(clock.now().timestamp())),
        }
        try:
            response = send_before(
                "POST",
                f"{self._device_url()}/cmd",
                headers={"x-api-key": api_key, "Content-Type": "application/json"},
                content=json.dumps(body).encode(),
                not_after=not_after,
                timeout=float(self.settings.get("timeout", DEFAULT_TIMEOUT)),
            )
        except NoAnswer as exc:
            log.warning("sesame unlock %s: no answer (%s)", request_id, exc)
            return UnlockResult(Outcome.UNKNOWN, {"error": "timeout_after_send"})
        return _result(response)

    def status(self) -> LockStatus:
        try:
            body = self._fetch_status()
        except LockError as exc:
            return LockStatus(online=False, detail={"error": exc.code})
        state = STATES.get(str(body.get("CHSesame2Status", "")).lower(), "unknown")
        keep = ("batteryPercentage", "batteryVoltage", "position")
        detail: dict[str, Any] = {k: body[k] for k in keep if k in body}
        return LockStatus(online=bool(body.get("wm2State", True)), state=state, detail=detail)

    def is_online(self) -> bool:
        return self.cached_online(f"locks:sesame:online:{self.settings.get('device_uuid', '')}")

    def _fetch_status(self) -> dict[str, Any]:
        api_key, _secret = self._credentials()
        timeout = float(self.settings.get("status_timeout", DEFAULT_STATUS_TIMEOUT))
        try:
            response = httpx.get(
                self._device_url(), headers={"x-api-key": api_key}, timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise LockError(ErrorCode.OFFLINE, type(exc).__name__, retryable=True) from None
        _refusal(response)
        try:
            payload = response.json()
        except ValueError:
            raise LockError(ErrorCode.VENDOR_ERROR, "unreadable status") from None
        return payload if isinstance(payload, dict) else {}

    def _credentials(self) -> tuple[str, str]:
        api_key, secret = self.secrets.get("api_key", ""), self.secrets.get("secret", "")
        if not api_key or len(secret) != 32:
            raise LockError(ErrorCode.AUTH_FAILED, "api_key / 32-hex-digit secret not set")
        return api_key, secret

    def _device_url(self) -> str:
        base = str(self.settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        device = str(self.settings.get("device_uuid", ""))
        if not device:
            raise LockError(ErrorCode.VENDOR_ERROR, "device_uuid not configured")
        return f"{base}/api/sesame2/{device}"


def _label(request_id: UUID) -> str:
    """The stay the command is for, by id; a command without a stay says "officepass"."""
    stay_id = (
        LockCommand.objects.filter(request_id=request_id).values_list("stay_id", flat=True).first()
    )
    return f"op-stay {stay_id}" if stay_id else "officepass"


def _refusal(response: httpx.Response) -> None:
    """Raise for an answer that says the command was not carried out."""
    status = response.status_code
    if status in (401, 403):
        raise LockError(ErrorCode.AUTH_FAILED, f"HTTP {status}")
    if status == 429:
        raise LockError(ErrorCode.RATE_LIMITED, "HTTP 429", retryable=True)
    if status == 500:  # the cloud cannot reach the lock's WiFi module
        raise LockError(ErrorCode.OFFLINE, "HTTP 500: lock unreachable", retryable=True)
    if status >= 400 and status < 500:
        raise LockError(ErrorCode.VENDOR_ERROR, f"HTTP {status}")


def _result(response: httpx.Response) -> UnlockResult:
    _refusal(response)
    if response.status_code != 200:  # 502/503/504: a gateway lost it, it may have acted
        return UnlockResult(Outcome.UNKNOWN, {"http_status": response.status_code})
    return UnlockResult(Outcome.ACCEPTED, {"http_status": 200})
