"""RemoteLOCK (KKE in Japan, LockState/RemoteLock globally): a *credential* lock.

Space settings: ``{"region": "jp" | "global", "lock_id": "<device id>", "accessible_type":
"lock" | "door_group", "time_zone": "Asia/Tokyo", "remote_unlock": true, "secret_env":
{"client_id": "REMOTELOCK_CLIENT_ID", "client_secret": "REMOTELOCK_CLIENT_SECRET"}}``; optional
``api_url`` / ``auth_url`` (override the region's hosts, settings.REMOTELOCK_HOSTS),
``timeout``, ``status_timeout``, ``health_ttl``, ``pin_digits``. See docs/locks-remotelock.md.

What we follow (the vendor's API reference at https://connect.remotelock.com/api/docs and KKE's
Japanese help centre, cross-checked against public client code):
- OAuth 2.0 client credentials (oauth.py); every call carries ``Authorization: Bearer`` and
  ``Accept: application/vnd.lockstate.v1+json``.
- A stay is an access guest: ``POST /access_persons`` ``{"type": "access_guest", "attributes":
  {"name", "pin", "starts_at", "ends_at"}}`` with times in the lock's local time without an
  offset (``2026-12-01T09:00:00``) → 201 ``{"data": {"id", "type", "attributes"}}``; then
  ``POST /access_persons/{id}/accesses`` ``{"attributes": {"accessible_id",
  "accessible_type"}}`` grants the lock or door group; ``PUT /access_persons/{id}`` moves the
  window; ``DELETE /access_persons/{id}`` (204; 404 when already gone) revokes it.
- 422 on create means the PIN is taken at this account: a new PIN is tried (the vendor refused,
  nothing exists). 429 carries ``X-RateLimit-Reset``.
- Remote unlock where the device supports it: ``PUT /devices/{id}/unlock``; status from
  ``GET /devices/{id}`` (``attributes.connected``, ``state``, ``power_level``).
"""

import json
import logging
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
from django.conf import settings as django_settings
from django.utils.translation import gettext_lazy as _

from officepass.core import clock
from officepass.locks.drivers.base import (
    Capability,
    CredentialResult,
    CredentialWindow,
    ErrorCode,
    LockDriver,
    LockError,
    LockStatus,
    Outcome,
    SettingField,
    UnlockResult,
)
from officepass.locks.drivers.http_send import NoAnswer, once, send_before
from officepass.locks.drivers.pins import new_pin
from officepass.locks.drivers.remotelock import oauth

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/vnd.lockstate.v1+json"
DEFAULT_TIMEOUT = 10.0
DEFAULT_STATUS_TIMEOUT = 3.0
PIN_TRIES = 3


class RemoteLockDriver(LockDriver):
    name = "remotelock"
    settings_fields = (
        SettingField("region", _("Region"), "choice", required=True, choices=("jp", "global")),
        SettingField("lock_id", _("Lock or door group ID"), required=True),
        SettingField("accessible_type", _("Grant to"), "choice", choices=("lock", "door_group")),
        SettingField("time_zone", _("The lock's time zone"), help="Asia/Tokyo"),
        SettingField("remote_unlock", _("Remote unlock supported"), "bool"),
        SettingField("client_id", _("Client ID: environment variable name"), "env", required=True),
        SettingField(
            "client_secret", _("Client secret: environment variable name"), "env", required=True
        ),
    )
    capabilities = frozenset(
        {Capability.CREDENTIALS, Capability.STATUS_QUERY, Capability.REPORTS_HEALTH}
    )

    # -- credentials ---------------------------------------------------------------------------

    def credential_issue(self, *, request_id: UUID, window: CredentialWindow) -> CredentialResult:
        pin = window.pin
        for _try in range(PIN_TRIES):
            body = {"type": "access_guest", "attributes": self._guest(window, pin)}
            response = self._mutate("POST", "/access_persons", body)
            if response is None:
                return CredentialResult(Outcome.UNKNOWN, detail={"error": "timeout_after_send"})
            if response.status_code != 422:
                break
            pin = new_pin(len(pin))
        assert response is not None  # the loop ran at least once
        data = self._data(response, ok=(201, 200))
        if data is None:
            return CredentialResult(Outcome.UNKNOWN, detail={"http_status": response.status_code})
        ref = str(data.get("id", ""))
        pin = str((data.get("attributes") or {}).get("pin") or pin)
        return self._grant(ref, pin)

    def _grant(self, ref: str, pin: str) -> CredentialResult:
        grant = {
            "attributes": {
                "accessible_id": self._setting("lock_id"),
                "accessible_type": self.settings.get("accessible_type", "lock"),
            }
        }
        try:
            response = self._mutate("POST", f"/access_persons/{ref}/accesses", grant)
            granted = response is not None and self._data(response, ok=(201, 200)) is not None
        except LockError:
            self._delete_quietly(ref)  # a guest without access is useless: don't leave it
            raise
        outcome = Outcome.ACCEPTED if granted else Outcome.UNKNOWN
        return CredentialResult(outcome, ref=ref, pin=pin, detail={"access_person": ref})

    def credential_update(
        self, *, request_id: UUID, ref: str, window: CredentialWindow
    ) -> CredentialResult:
        body = {"attributes": {k: v for k, v in self._guest(window, "").items() if "_at" in k}}
        response = self._mutate("PUT", f"/access_persons/{ref}", body)
        if response is None or self._data(response, ok=(200,)) is None:
            return CredentialResult(Outcome.UNKNOWN, ref=ref)
        return CredentialResult(Outcome.ACCEPTED, ref=ref, detail={"ends_at": body["attributes"]})

    def credential_revoke(self, *, request_id: UUID, ref: str) -> CredentialResult:
        response = self._mutate("DELETE", f"/access_persons/{ref}", None)
        if response is None:
            return CredentialResult(Outcome.UNKNOWN, ref=ref)
        if response.status_code == 404:  # already gone: the revoke is done
            return CredentialResult(Outcome.ACCEPTED, ref=ref, detail={"already_gone": True})
        if response.status_code in (200, 204):
            return CredentialResult(Outcome.ACCEPTED, ref=ref)
        self._data(response, ok=(200, 204))  # raises for a refusal
        return CredentialResult(Outcome.UNKNOWN, ref=ref, detail={"http": response.status_code})

    # -- unlock and health ---------------------------------------------------------------------

    def unlock(self, *, request_id: UUID, not_after: datetime) -> UnlockResult:
        if not self.settings.get("remote_unlock", True):
            raise LockError(ErrorCode.UNSUPPORTED, "this device has no remote unlock")
        return once.run(request_id, lambda: self._unlock(not_after))

    def _unlock(self, not_after: datetime) -> UnlockResult:
        path = f"/devices/{self._setting('lock_id')}/unlock"
        response = self._mutate("PUT", path, None, not_after=not_after)
        if response is None:
            return UnlockResult(Outcome.UNKNOWN, {"error": "timeout_after_send"})
        if response.status_code == 422:
            jammed = "jam" in response.text.lower()
            raise LockError(ErrorCode.JAMMED if jammed else ErrorCode.VENDOR_ERROR, "HTTP 422")
        if self._data(response, ok=(200, 201, 204)) is None:
            return UnlockResult(Outcome.UNKNOWN, {"http_status": response.status_code})
        return UnlockResult(Outcome.ACCEPTED, {"http_status": response.status_code})

    def status(self) -> LockStatus:
        try:
            attributes = self._device()
        except LockError as exc:
            return LockStatus(online=False, detail={"error": exc.code})
        state = str(attributes.get("state", "unknown")).lower()
        known = state if state in ("locked", "unlocked", "jammed") else "unknown"
        keep = ("power_level", "connected_at")
        detail: dict[str, Any] = {k: attributes[k] for k in keep if k in attributes}
        return LockStatus(online=bool(attributes.get("connected")), state=known, detail=detail)

    def is_online(self) -> bool:
        return self.cached_online(
            f"locks:remotelock:online:{self._api_url()}:{self.settings.get('lock_id', '')}"
        )

    def _device(self) -> dict[str, Any]:
        timeout = float(self.settings.get("status_timeout", DEFAULT_STATUS_TIMEOUT))
        url = f"{self._api_url()}/devices/{self._setting('lock_id')}"
        for attempt in (1, 2):
            try:
                response = httpx.get(url, headers=self._headers(), timeout=timeout)
            except httpx.HTTPError as exc:
                raise LockError(ErrorCode.OFFLINE, type(exc).__name__, retryable=True) from None
            if response.status_code == 401 and attempt == 1:
                self._forget_token()
                continue
            break
        data = self._data(response, ok=(200,))
        return dict((data or {}).get("attributes") or {})

    # -- HTTP ----------------------------------------------------------------------------------

    def _mutate(
        self, method: str, path: str, body: Any, *, not_after: datetime | None = None
    ) -> httpx.Response | None:
        """Send once (a 401 refreshes the token and sends again: the vendor refused it).
        None when the request left us and no answer came: it may have been applied."""
        content = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            headers = {**self._headers(), "Content-Type": "application/json"}
            # A credential call has no door deadline of its own: the HTTP timeout bounds it.
            deadline = not_after or clock.now() + timedelta(seconds=self._timeout() + 60)
            try:
                response = send_before(
                    method,
                    f"{self._api_url()}{path}",
                    headers=headers,
                    content=content,
                    not_after=deadline,
                    timeout=self._timeout(),
                )
            except NoAnswer as exc:
                log.warning("remotelock %s %s: no answer (%s)", method, path, exc)
                return None
            if response.status_code == 401 and attempt == 1:
                self._forget_token()
                continue
            return response
        return response

    def _data(self, response: httpx.Response, *, ok: tuple[int, ...]) -> dict[str, Any] | None:
        """`data` of a success; LockError for a refusal; None when the answer is ambiguous."""
        status = response.status_code
        if status in (401, 403):
            raise LockError(ErrorCode.AUTH_FAILED, f"HTTP {status}")
        if status == 429:
            reset = response.headers.get("X-RateLimit-Reset", "")
            raise LockError(ErrorCode.RATE_LIMITED, f"HTTP 429 reset {reset}", retryable=True)
        if status >= 500:
            return None  # the vendor may have acted before failing
        if status not in ok:
            raise LockError(ErrorCode.VENDOR_ERROR, f"HTTP {status}")
        if status == 204 or not response.content:
            return {}
        try:
            payload = response.json()
        except ValueError:
            return None
        data = payload.get("data") if isinstance(payload, dict) else None
        return data if isinstance(data, dict) else {}

    def _delete_quietly(self, ref: str) -> None:
        try:
            self._mutate("DELETE", f"/access_persons/{ref}", None)
        except LockError as exc:
            log.warning("remotelock cleanup of %s failed: %s", ref, exc.code)

    def _headers(self) -> dict[str, str]:
        token = oauth.access_token(
            self._auth_url(),
            self.secrets.get("client_id", ""),
            self.secrets.get("client_secret", ""),
            timeout=float(self.settings.get("status_timeout", DEFAULT_STATUS_TIMEOUT)),
        )
        return {"Authorization": f"Bearer {token}", "Accept": MEDIA_TYPE}

    def _forget_token(self) -> None:
        oauth.forget(self._auth_url(), self.secrets.get("client_id", ""))

    def _guest(self, window: CredentialWindow, pin: str) -> dict[str, str]:
        zone = ZoneInfo(str(self.settings.get("time_zone", "Asia/Tokyo")))
        attributes = {
            "name": window.label,
            "starts_at": _local(window.starts_at, zone),
            "ends_at": _local(window.ends_at, zone),
        }
        return {**attributes, "pin": pin} if pin else attributes

    def _hosts(self) -> dict[str, str]:
        region = str(self.settings.get("region", "jp"))
        hosts: dict[str, dict[str, str]] = django_settings.REMOTELOCK_HOSTS
        if region not in hosts:
            raise LockError(ErrorCode.VENDOR_ERROR, f"unknown region {region!r}")
        return hosts[region]

    def _api_url(self) -> str:
        return str(self.settings.get("api_url") or self._hosts()["api"]).rstrip("/")

    def _auth_url(self) -> str:
        return str(self.settings.get("auth_url") or self._hosts()["auth"]).rstrip("/")

    def _setting(self, key: str) -> str:
        value = str(self.settings.get(key, ""))
        if not value:
            raise LockError(ErrorCode.VENDOR_ERROR, f"{key} not configured")
        return value

    def _timeout(self) -> float:
        return float(self.settings.get("timeout", DEFAULT_TIMEOUT))


def _local(moment: datetime, zone: ZoneInfo) -> str:
    """The lock's wall-clock time without an offset, as the vendor expects."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")
