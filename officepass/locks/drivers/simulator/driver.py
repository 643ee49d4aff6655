"""A lock that lives in memory, for the demo and tests. Behaviour comes from space settings:

``{"mode": "normal" | "offline" | "jammed" | "silent"}``; ``"credentials": true`` makes it a
credential lock too (a jammed bolt still takes PINs: the backup PIN's demo).
"""

from datetime import datetime
from uuid import UUID

from django.utils.translation import gettext_lazy as _

from officepass.core import clock
from officepass.locks.drivers.base import (
    CredentialResult,
    CredentialWindow,
    LockDriver,
    LockError,
    Outcome,
    SettingField,
    UnlockResult,
)

# request ids already acted on, so a duplicate never opens the door twice
_seen: dict[UUID, UnlockResult] = {}
# credentials the simulated lock holds: ref → window; and every credential call by request id
_held: dict[str, CredentialWindow] = {}
_credential_calls: dict[UUID, int] = {}


class SimulatorDriver(LockDriver):
    name = "simulator"
    settings_fields = (
        SettingField(
            "mode", _("Mode"), "choice", choices=("normal", "offline", "jammed", "silent")
        ),
        SettingField("credentials", _("Also a PIN lock (backup PIN demo)"), "bool"),
    )

    def unlock(self, *, request_id: UUID, not_after: datetime) -> UnlockResult:
        if request_id in _seen:
            return _seen[request_id]
        if clock.now() >= not_after:
            raise LockError("expired", "deadline passed before sending", retryable=False)
        mode = self.settings.get("mode", "normal")
        if mode == "offline":
            raise LockError("offline", "simulated device is offline", retryable=True)
        if mode == "jammed":
            raise LockError("jammed", "simulated bolt is jammed")
        outcome = Outcome.UNKNOWN if mode == "silent" else Outcome.CONFIRMED
        result = UnlockResult(outcome, {"simulated": True, "mode": mode})
        _seen[request_id] = result
        return result

    def is_online(self) -> bool:
        return self.settings.get("mode", "normal") != "offline"

    def supports_credentials(self) -> bool:
        return bool(self.settings.get("credentials"))

    def _credential_call(self, request_id: UUID) -> str:
        _credential_calls[request_id] = _credential_calls.get(request_id, 0) + 1
        mode = str(self.settings.get("mode", "normal"))
        if mode == "offline":
            raise LockError("offline", "simulated cloud is unreachable", retryable=True)
        return mode

    def credential_issue(self, *, request_id: UUID, window: CredentialWindow) -> CredentialResult:
        mode = self._credential_call(request_id)
        ref = f"sim-{request_id.hex[:12]}"
        _held[ref] = window
        outcome = Outcome.UNKNOWN if mode == "silent" else Outcome.ACCEPTED
        return CredentialResult(outcome, ref=ref, pin=window.pin)

    def credential_update(
        self, *, request_id: UUID, ref: str, window: CredentialWindow
    ) -> CredentialResult:
        mode = self._credential_call(request_id)
        if ref not in _held:
            raise LockError("vendor_error", "no such credential")
        _held[ref] = window
        return CredentialResult(Outcome.UNKNOWN if mode == "silent" else Outcome.ACCEPTED, ref=ref)

    def credential_revoke(self, *, request_id: UUID, ref: str) -> CredentialResult:
        mode = self._credential_call(request_id)
        _held.pop(ref, None)
        return CredentialResult(Outcome.UNKNOWN if mode == "silent" else Outcome.ACCEPTED, ref=ref)
