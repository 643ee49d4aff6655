"""The interface every door-lock driver implements (one folder per driver: drivers/<name>/).

Two shapes: *command* locks open on `unlock`; *credential* locks (Capability.CREDENTIALS) also
issue a time-boxed credential for a stay's window (`credential_issue` / `_update` / `_revoke`).

A driver opens one door once per request id, never after `not_after`, and reports what it
knows: `confirmed` (the device said unlocked), `accepted` (a vendor took the command) or
`unknown` (sent, no answer in time). It raises `LockError` only when the unlock provably did
not happen; `retryable` is true only if the command never left us.
"""

import abc
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.cache import cache


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"  # the device reported unlocked
    ACCEPTED = "accepted"  # the vendor took the command
    UNKNOWN = "unknown"  # sent, no answer in time: never re-send


class Capability(enum.StrEnum):
    CONFIRMS_UNLOCK = "confirms_unlock"  # can report the door actually opened
    REPORTS_HEALTH = "reports_health"  # pushes or answers online/offline
    STATUS_QUERY = "status_query"  # can be asked for its state on demand
    PUSH_EVENTS = "push_events"  # sends events we take in (MQTT state, webhooks)
    CREDENTIALS = "credentials"  # issues time-boxed credentials (PINs, access-key URLs)


class ErrorCode(enum.StrEnum):
    OFFLINE = "offline"  # device or hub unreachable: never left us → retryable
    JAMMED = "jammed"
    RATE_LIMITED = "rate_limited"  # vendor refused before acting → retryable later
    AUTH_FAILED = "auth_failed"
    VENDOR_ERROR = "vendor_error"
    EXPIRED = "expired"  # not sent before not_after
    TIMEOUT_AFTER_SEND = "timeout_after_send"  # may have arrived: never re-send
    UNSUPPORTED = "unsupported"  # the driver cannot do this (e.g. credentials on a command lock)
    NOT_ISSUED = "not_issued"  # a revoke or update before the vendor named the credential


@dataclass(frozen=True)
class UnlockResult:
    outcome: Outcome
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LockStatus:
    online: bool
    state: str = "unknown"  # locked, unlocked, jammed, unknown
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CredentialWindow:
    """What a credential lets in: one stay's window. `label` names the stay, never a person."""

    starts_at: datetime
    ends_at: datetime
    pin: str
    label: str


@dataclass(frozen=True)
class CredentialResult:
    """What the vendor said about a credential call. `ref` is the vendor's id for it (kept even
    when the outcome is `unknown`, so a revoke can still find it); `pin` / `url` what it gave."""

    outcome: Outcome
    ref: str = ""
    pin: str = ""
    url: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


class LockError(Exception):
    """The unlock provably did not happen. `retryable` only if it never left us."""

    def __init__(self, code: str, detail: str = "", *, retryable: bool = False) -> None:
        self.code = code
        self.detail = detail
        self.retryable = retryable
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclass(frozen=True)
class SettingField:
    """One of a driver's space settings, so the console can show a form instead of JSON.

    `kind`: "text", "number", "bool", "choice" (from `choices`) or "env" (the NAME of an
    environment variable holding a secret, kept under "secret_env"; never the secret itself).
    """

    key: str
    label: Any
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    help: Any = ""


class LockDriver(abc.ABC):
    """One kind of door.

    `settings` are the space's own, non-secret values (device id, topic, …); `secrets` come
    from the environment (names given in settings), never from the database or logs.
    """

    name: str = ""
    capabilities: frozenset[Capability] = frozenset()
    # The space settings the console's form asks for (the docstring of each driver says more).
    settings_fields: tuple[SettingField, ...] = ()

    def __init__(self, settings: Mapping[str, Any], secrets: Mapping[str, str] | None = None):
        self.settings = settings
        self.secrets = secrets or {}

    @abc.abstractmethod
    def unlock(self, *, request_id: UUID, not_after: datetime) -> UnlockResult:
        """Open the door once. Must not act after `not_after`; dedupe by `request_id`."""

    @abc.abstractmethod
    def is_online(self) -> bool:
        """Health as last known; a check-in into a space whose lock is offline is refused."""

    def status(self) -> LockStatus:
        """The lock's state, if the driver can tell; by default only its health."""
        return LockStatus(online=self.is_online())

    def cached_online(self, key: str) -> bool:
        """`status().online`, kept `health_ttl` seconds (60) in the shared cache under `key`, so
        check-ins don't each spend a cloud call."""
        online = cache.get(key)
        if online is None:
            online = self.status().online
            cache.set(key, online, timeout=int(self.settings.get("health_ttl", 60)))
        return bool(online)

    # -- credentials: only drivers with Capability.CREDENTIALS override these -----------------

    def supports_credentials(self) -> bool:
        return Capability.CREDENTIALS in self.capabilities

    def credential_issue(self, *, request_id: UUID, window: CredentialWindow) -> CredentialResult:
        """Create a credential valid only in `window`. Sent at most once per request id."""
        raise LockError(ErrorCode.UNSUPPORTED, f"{self.name} issues no credentials")

    def credential_update(
        self, *, request_id: UUID, ref: str, window: CredentialWindow
    ) -> CredentialResult:
        """Move the credential's window (an extension). Sent at most once per request id."""
        raise LockError(ErrorCode.UNSUPPORTED, f"{self.name} issues no credentials")

    def credential_revoke(self, *, request_id: UUID, ref: str) -> CredentialResult:
        """Remove the credential. Idempotent by `ref`: a credential already gone is confirmed."""
        raise LockError(ErrorCode.UNSUPPORTED, f"{self.name} issues no credentials")
