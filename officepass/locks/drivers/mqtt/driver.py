"""MQTT door locks (Home Assistant lock schema or Tasmota relay), see docs/locks-mqtt.md.

An unlock is one QoS 1 publish with an MQTT v5 Message Expiry Interval that ends no later
than `not_after` (a command queued at the broker for a sleeping device cannot fire late) and
our request id as a user property (or in a JSON payload) so the device can drop a redelivery.
We then wait, at most `confirm_timeout` and never past `not_after`, for the state topic to
say unlocked. Health is not asked on the hot path: `lock_listener` records what the devices'
availability topics (and last wills) say, and `is_online` reads that record.
"""

import json
import logging
import math
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.utils.translation import gettext_lazy as _
from paho.mqtt.client import MQTTMessage
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from officepass.core import clock
from officepass.core.errors import DomainError
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
from officepass.locks.drivers.mqtt import connection as conns
from officepass.locks.drivers.mqtt.config import Broker, LockTopics, lock_topics
from officepass.locks.health import lock_health_online
from officepass.locks.models import LockHealth
from officepass.offices.models import Space

log = logging.getLogger(__name__)

# Request ids this process has published: asked again, we answer without sending again.
_SENT_MAX = 10_000
_sent: OrderedDict[UUID, UnlockResult | LockError] = OrderedDict()
_sent_lock = threading.Lock()


def _remember(request_id: UUID, result: UnlockResult | LockError) -> None:
    with _sent_lock:
        _sent[request_id] = result
        while len(_sent) > _SENT_MAX:
            _sent.popitem(last=False)


def _already_sent(request_id: UUID) -> UnlockResult | LockError | None:
    with _sent_lock:
        return _sent.get(request_id)


def message_request_id(message: MQTTMessage) -> str | None:
    """The request id a device echoed (user property or JSON field), if any."""
    props = getattr(message, "properties", None)
    for key, value in getattr(props, "UserProperty", None) or []:
        if key == "request_id":
            return str(value)
    body = _json(message.payload)
    return str(body["request_id"]) if body and "request_id" in body else None


def message_state(message: MQTTMessage) -> str:
    """The state in a plain ("UNLOCKED") or JSON ({"state": "UNLOCKED"}) payload."""
    body = _json(message.payload)
    if body is not None:
        return str(body.get("state", ""))
    return message.payload.decode("utf-8", "replace").strip()


def _json(payload: bytes | bytearray) -> dict[str, Any] | None:
    if not payload.lstrip().startswith(b"{"):
        return None
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


class MqttDriver(LockDriver):
    name = "mqtt"
    settings_fields = (
        SettingField("device_id", _("Device ID"), required=True),
        SettingField("profile", _("Profile"), "choice", choices=("lock", "relay")),
        SettingField("topic_prefix", _("Topic prefix")),
        SettingField("pulse_time", _("Relay pulse (Tasmota PulseTime)"), "number"),
        SettingField("confirm_timeout", _("Wait for the door's answer (seconds)"), "number"),
    )
    capabilities = frozenset(
        {Capability.CONFIRMS_UNLOCK, Capability.REPORTS_HEALTH, Capability.PUSH_EVENTS}
    )

    def __init__(
        self,
        settings: Mapping[str, Any],
        secrets: Mapping[str, str] | None = None,
        *,
        space_id: int | None = None,
    ) -> None:
        super().__init__(settings, secrets)
        try:
            self.topics: LockTopics = lock_topics(settings)
        except ValueError as exc:
            # As for an unknown driver: the space's lock cannot be used until it is fixed.
            raise DomainError("lock_unavailable", lock_error=str(exc)) from None
        self.broker = Broker.from_settings(self.secrets)
        self.space_id = space_id or settings.get("space_id")

    # -- unlock -----------------------------------------------------------------------------

    def unlock(self, *, request_id: UUID, not_after: datetime) -> UnlockResult:
        earlier = _already_sent(request_id)
        if isinstance(earlier, LockError):
            raise earlier  # the device refused this request: the same answer again
        if earlier is not None:
            return UnlockResult(earlier.outcome, {**earlier.detail, "resent": False})
        self._expiry(not_after)  # fail fast, before connecting, when it is already too late
        conn = self._connection()
        topics = self.topics
        subscribe_within = min(conns.CONNECT_TIMEOUT, self._seconds_left(not_after))
        if not conn.ensure_subscribed(topics.state_topic, timeout=subscribe_within):
            raise LockError(
                ErrorCode.OFFLINE, "could not subscribe to the state topic", retryable=True
            )
        with conn.watch(topics.state_topic) as inbox:
            expiry = self._expiry(not_after)
            sent_at = time.monotonic()
            info = self._publish(conn, request_id, not_after, expiry)
            wait_until = sent_at + min(topics.confirm_timeout, self._seconds_left(not_after))
            acked = self._wait_acked(conn, info, wait_until)
            _remember(request_id, UnlockResult(Outcome.UNKNOWN, {"acked": acked}))
            try:
                result = self._await_state(inbox, request_id, wait_until, sent_at)
            except LockError as refused:
                _remember(request_id, refused)
                raise
        detail = {"topic": topics.command_topic, "acked": acked, "expiry_s": expiry, **result}
        outcome = Outcome.CONFIRMED if result.get("state") == "unlocked" else Outcome.UNKNOWN
        final = UnlockResult(outcome, detail)
        _remember(request_id, final)
        return final

    def _connection(self) -> conns.MqttConnection:
        try:
            return conns.shared_connection(self.broker)
        except conns.BrokerRefused as exc:
            raise LockError(ErrorCode.AUTH_FAILED, f"broker refused the login: {exc}") from None
        except conns.BrokerUnavailable as exc:
            raise LockError(ErrorCode.OFFLINE, str(exc), retryable=True) from None

    @staticmethod
    def _seconds_left(not_after: datetime) -> float:
        return max(0.0, (not_after - clock.now()).total_seconds())

    def _expiry(self, not_after: datetime) -> int:
        # Whole seconds, rounded down, less one more: Mosquitto counts expiry on a whole-second
        # clock, so a message may outlive its interval by up to a second. The broker must drop
        # the command before not_after, so under two seconds left it is not sent at all.
        expiry = math.floor(self._seconds_left(not_after)) - 1
        if expiry < 1:
            raise LockError(ErrorCode.EXPIRED, "under 2 s before not_after: not sent")
        return expiry

    def _publish(
        self, conn: conns.MqttConnection, request_id: UUID, not_after: datetime, expiry: int
    ) -> Any:
        topics = self.topics
        props = Properties(PacketTypes.PUBLISH)
        props.MessageExpiryInterval = expiry
        props.UserProperty = [("request_id", str(request_id)), ("not_after", not_after.isoformat())]
        payload = topics.payload_unlock
        if topics.payload_format == "json":
            payload = json.dumps(
                {
                    "action": payload,
                    "request_id": str(request_id),
                    "not_after": not_after.isoformat(),
                }
            )
        if topics.pulse_topic and topics.pulse_time is not None:
            conn.publish(topics.pulse_topic, str(topics.pulse_time), props)
        info = conn.publish(topics.command_topic, payload, props)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            # Not written to any socket; the discarded connection takes the queued copy with it.
            conns.discard(conn)
            raise LockError(ErrorCode.OFFLINE, "connection lost before sending", retryable=True)
        return info

    @staticmethod
    def _wait_acked(conn: conns.MqttConnection, info: Any, wait_until: float) -> bool:
        info.wait_for_publish(max(0.0, wait_until - time.monotonic()))
        if info.is_published():
            return True
        # No PUBACK: it may have reached the broker, so this is "unknown", not a failure; the
        # connection is dropped so a copy still in our queue can never go out later.
        conns.discard(conn)
        return False

    def _await_state(
        self,
        inbox: "queue.SimpleQueue[MQTTMessage]",
        request_id: UUID,
        wait_until: float,
        sent_at: float,
    ) -> dict[str, Any]:
        while (left := wait_until - time.monotonic()) > 0:
            try:
                message = inbox.get(timeout=left)
            except queue.Empty:
                break
            echoed = message_request_id(message)
            if message.retain or (echoed is not None and echoed != str(request_id)):
                continue  # an old state, or the answer to another request
            state = self.topics.state_name(message_state(message))
            if state == "jammed":
                raise LockError(ErrorCode.JAMMED, "the device reported jammed")
            if state == "unlocked":
                return {"state": state, "confirm_ms": round((time.monotonic() - sent_at) * 1000, 3)}
        return {"state": "no answer"}

    # -- health -----------------------------------------------------------------------------

    def _space_id(self) -> int | None:
        if self.space_id is not None:
            return int(self.space_id)
        spaces = Space.objects.filter(lock_driver=self.name)
        if self.topics.device_id:
            spaces = spaces.filter(lock_settings__device_id=self.topics.device_id)
        else:
            spaces = spaces.filter(lock_settings__command_topic=self.topics.command_topic)
        return spaces.values_list("pk", flat=True).first()

    def is_online(self) -> bool:
        space_id = self._space_id()
        return space_id is not None and lock_health_online(space_id) is True

    def status(self) -> LockStatus:
        space_id = self._space_id()
        health = LockHealth.objects.filter(space_id=space_id).first() if space_id else None
        if health is None:
            return LockStatus(online=False)
        seen = {"seen_at": health.seen_at.isoformat()}
        return LockStatus(online=health.online, state=health.state, detail=seen)
