"""A lock that lives in memory, for the demo and tests. Behaviour comes from space settings:

``{"mode": "normal" | "offline" | "jammed" | "silent"}``.
"""

from datetime import datetime
from uuid import UUID

from officepass.core import clock
from officepass.locks.drivers.base import LockDriver, LockError, Outcome, UnlockResult

# request ids already acted on, so a duplicate never opens the door twice
_seen: dict[UUID, UnlockResult] = {}


class SimulatorDriver(LockDriver):
    name = "simulator"

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
