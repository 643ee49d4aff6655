"""The interface every door-lock driver implements (one folder per driver)."""

import abc
import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"  # the device reported unlocked
    ACCEPTED = "accepted"  # the vendor took the command
    UNKNOWN = "unknown"  # sent, no answer in time: never re-send


@dataclass(frozen=True)
class UnlockResult:
    outcome: Outcome
    detail: dict[str, Any] = field(default_factory=dict)


class LockError(Exception):
    """The unlock provably did not happen. `retryable` only if it never left us."""

    def __init__(self, code: str, detail: str = "", *, retryable: bool = False) -> None:
        self.code = code  # offline, jammed, rate_limited, auth_failed, vendor_error
        self.detail = detail
        self.retryable = retryable
        super().__init__(f"{code}: {detail}" if detail else code)


class LockDriver(abc.ABC):
    """One kind of door. `settings` are the space's own (device id, topic…), never secrets."""

    name: str = ""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings

    @abc.abstractmethod
    def unlock(self, *, request_id: UUID, not_after: datetime) -> UnlockResult:
        """Open the door once. Must not act after `not_after`; dedupe by `request_id`."""

    @abc.abstractmethod
    def is_online(self) -> bool:
        """Health as last known; a check-in into a space whose lock is offline is refused."""
