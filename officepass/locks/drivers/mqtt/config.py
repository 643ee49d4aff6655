"""Where a space's MQTT lock lives: topics and payloads from its settings, the broker from ours.

Two profiles. ``lock`` follows the Home Assistant MQTT lock schema (``UNLOCK`` on the command
topic, ``UNLOCKED`` / ``JAMMED`` on the state topic, ``online`` / ``offline`` availability);
``relay`` is a Tasmota relay pulsing a door strike (``ON`` to ``cmnd/<device>/POWER``,
confirmed by ``stat/<device>/POWER`` ``ON``, last will on ``tele/<device>/LWT``). Every topic
and payload can be given explicitly in the space settings; the rest derive from
``device_id``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

DEFAULT_PREFIX = "officepass/locks"
PROFILES = ("lock", "relay")


@dataclass(frozen=True)
class Broker:
    """How to reach the broker. The password is kept out of repr so it never reaches a log."""

    host: str
    port: int
    username: str = ""
    password: str = ""
    tls: bool = False

    def __repr__(self) -> str:
        return f"Broker({self.host}:{self.port}, tls={self.tls})"

    @classmethod
    def from_settings(cls, secrets: Mapping[str, str] | None = None) -> "Broker":
        secrets = secrets or {}
        return cls(
            host=str(getattr(settings, "MQTT_HOST", "127.0.0.1")),
            port=int(getattr(settings, "MQTT_PORT", 1883)),
            username=secrets.get("username", ""),
            password=secrets.get("password", ""),
            tls=bool(getattr(settings, "MQTT_TLS", False)),
        )


@dataclass(frozen=True)
class LockTopics:
    """One door's topics and payloads, resolved from the space's lock settings."""

    device_id: str
    profile: str
    command_topic: str
    state_topic: str
    availability_topic: str
    payload_unlock: str
    state_unlocked: str
    state_locked: str
    state_jammed: str
    payload_available: str
    payload_not_available: str
    payload_format: str  # "plain" (+ MQTT v5 user properties) or "json"
    pulse_topic: str  # relay only: where PulseTime goes, "" when not used
    pulse_time: int | None
    confirm_timeout: float

    def is_available(self, payload: str) -> bool | None:
        """True / False for the availability payloads (any case: Tasmota says "Online")."""
        text = payload.strip().lower()
        if text == self.payload_available.lower():
            return True
        if text == self.payload_not_available.lower():
            return False
        return None

    def state_name(self, state: str) -> str:
        """Our health vocabulary (locked, unlocked, jammed, unknown) for a device state."""
        text = state.strip().upper()
        names = {
            self.state_unlocked.upper(): "unlocked",
            self.state_locked.upper(): "locked",
        }
        if self.state_jammed:
            names[self.state_jammed.upper()] = "jammed"
        return names.get(text, "unknown")


def _defaults(device_id: str, profile: str, prefix: str) -> dict[str, Any]:
    if profile == "relay":
        return {
            "command_topic": f"cmnd/{device_id}/POWER",
            "state_topic": f"stat/{device_id}/POWER",
            "availability_topic": f"tele/{device_id}/LWT",
            "payload_unlock": "ON",
            "state_unlocked": "ON",
            "state_locked": "OFF",
            "state_jammed": "",
            "payload_available": "Online",
            "payload_not_available": "Offline",
            "pulse_topic": f"cmnd/{device_id}/PulseTime1",
        }
    base = f"{prefix}/{device_id}"
    return {
        "command_topic": f"{base}/set",
        "state_topic": f"{base}/state",
        "availability_topic": f"{base}/availability",
        "payload_unlock": "UNLOCK",
        "state_unlocked": "UNLOCKED",
        "state_locked": "LOCKED",
        "state_jammed": "JAMMED",
        "payload_available": "online",
        "payload_not_available": "offline",
        "pulse_topic": "",
    }


def lock_topics(lock_settings: Mapping[str, Any]) -> LockTopics:
    """Resolve a space's settings; raise ValueError when they cannot name a door."""
    profile = str(lock_settings.get("profile", "lock"))
    if profile not in PROFILES:
        raise ValueError(f"unknown MQTT lock profile {profile!r}")
    device_id = str(lock_settings.get("device_id", ""))
    values = _defaults(device_id, profile, str(lock_settings.get("topic_prefix", DEFAULT_PREFIX)))
    values.update({k: str(v) for k, v in lock_settings.items() if k in values})
    if not device_id and not lock_settings.get("command_topic"):
        raise ValueError("an MQTT lock needs a device_id or explicit topics")
    pulse = lock_settings.get("pulse_time")
    timeout = lock_settings.get("confirm_timeout", getattr(settings, "MQTT_CONFIRM_TIMEOUT", 2.0))
    return LockTopics(
        device_id=device_id,
        profile=profile,
        payload_format=str(lock_settings.get("payload_format", "plain")),
        pulse_time=int(pulse) if pulse is not None and profile == "relay" else None,
        confirm_timeout=float(timeout),
        **values,
    )
