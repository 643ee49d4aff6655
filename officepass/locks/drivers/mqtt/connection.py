"""One MQTT v5 connection per process and broker login, shared by every unlock.

A connection that drops is never revived: paho would re-send its unacknowledged publishes
after reconnecting, and an unlock delivered late is worse than none. The next unlock builds a
fresh connection instead, so whatever the old one still held dies with it.
"""

import itertools
import logging
import os
import queue
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from paho.mqtt import client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from officepass.locks.drivers.mqtt.config import Broker

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0
KEEPALIVE = 30
_counter = itertools.count()


def no_delay(client: mqtt.Client) -> None:
    """Turn Nagle off: a PUBACK then a PUBLISH would otherwise wait ~40 ms for a TCP ACK."""
    sock = client.socket()
    if isinstance(sock, socket.socket) and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def quick_ack(client: mqtt.Client, *args: Any) -> None:
    """Send the TCP ACK for a PUBACK at once (Linux): a broker that keeps Nagle on (Mosquitto's
    default) holds the next packet, the device's answer, until that ACK, up to ~40 ms."""
    sock = client.socket()
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None and isinstance(sock, socket.socket):
        with suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


class BrokerUnavailable(Exception):
    """No connection to the broker: nothing was sent."""


class BrokerRefused(Exception):
    """The broker answered but refused us (bad login, not authorised)."""


class MqttConnection:
    """A connected client with a loop thread; waiters get copies of messages on their topics."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._closed = False
        self._refused: str = ""
        self._subscribed: set[str] = set()
        self._pending_subs: dict[int, threading.Event] = {}
        self._watchers: dict[str, set[queue.SimpleQueue[mqtt.MQTTMessage]]] = {}
        client_id = f"officepass-{socket.gethostname()}-{self.pid}-{next(_counter)}"
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,
        )
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password or None)
        if broker.tls:
            self.client.tls_set()
        self.client.connect_timeout = CONNECT_TIMEOUT
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_publish = quick_ack

    # -- lifecycle ---------------------------------------------------------------------------

    def open(self, timeout: float = CONNECT_TIMEOUT) -> None:
        try:
            self.client.connect(self.broker.host, self.broker.port, keepalive=KEEPALIVE)
        except (OSError, ValueError) as exc:
            raise BrokerUnavailable(f"cannot reach {self.broker.host}:{self.broker.port}") from exc
        no_delay(self.client)
        self.client.loop_start()
        if not self._connected.wait(timeout):
            self.close()
            if self._refused:
                raise BrokerRefused(self._refused)
            raise BrokerUnavailable(f"no CONNACK from {self.broker.host}:{self.broker.port}")
        log.debug("mqtt connected to %s:%s", self.broker.host, self.broker.port)

    @property
    def alive(self) -> bool:
        return not self._closed and self.pid == os.getpid() and self.client.is_connected()

    def close(self) -> None:
        self._closed = True
        self._connected.clear()
        self.client.disconnect()
        self.client.loop_stop()

    # -- paho callbacks (loop thread) -----------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode,
                    properties: Any) -> None:  # fmt: skip
        if reason.is_failure:
            self._refused = str(reason)
            self._closed = True
            return
        self._connected.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode,
                       properties: Any) -> None:  # fmt: skip
        self._closed = True
        self._connected.clear()
        if not reason.is_failure:
            return
        log.warning("mqtt connection to %s:%s lost: %s", self.broker.host, self.broker.port, reason)

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: list[Any],
                      properties: Any) -> None:  # fmt: skip
        with self._lock:
            done = self._pending_subs.pop(mid, None)
        if done is not None and not any(r.is_failure for r in reasons):
            done.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            watchers = list(self._watchers.get(message.topic, ()))
        for inbox in watchers:
            inbox.put(message)

    # -- what the driver uses ---------------------------------------------------------------------

    def ensure_subscribed(self, topic: str, timeout: float) -> bool:
        """Subscribe once per connection (QoS 1) and wait for the SUBACK."""
        with self._lock:
            if topic in self._subscribed:
                return True
            done = threading.Event()
            # Held across subscribe() so the SUBACK cannot be handled before we know its mid.
            rc, mid = self.client.subscribe(topic, qos=1)
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS or mid is None:
                return False
            self._pending_subs[mid] = done
        if not done.wait(timeout):
            return False
        with self._lock:
            self._subscribed.add(topic)
        return True

    @contextmanager
    def watch(self, topic: str) -> Iterator[queue.SimpleQueue[mqtt.MQTTMessage]]:
        """Collect the messages on `topic` that arrive while the block runs."""
        inbox: queue.SimpleQueue[mqtt.MQTTMessage] = queue.SimpleQueue()
        with self._lock:
            self._watchers.setdefault(topic, set()).add(inbox)
        try:
            yield inbox
        finally:
            with self._lock:
                self._watchers[topic].discard(inbox)

    def publish(self, topic: str, payload: str, properties: Properties) -> mqtt.MQTTMessageInfo:
        return self.client.publish(topic, payload, qos=1, retain=False, properties=properties)


_connections: dict[Broker, MqttConnection] = {}
_connections_lock = threading.Lock()


def shared_connection(broker: Broker) -> MqttConnection:
    """The process's live connection to `broker`, opened (or rebuilt) on demand."""
    with _connections_lock:
        conn = _connections.get(broker)
        if conn is not None and conn.alive:
            return conn
        if conn is not None and conn.pid == os.getpid():
            conn.close()
        conn = MqttConnection(broker)
        conn.open()
        _connections[broker] = conn
        return conn


def discard(conn: MqttConnection) -> None:
    """Drop a connection we no longer trust (a publish that was never acknowledged)."""
    with _connections_lock:
        if _connections.get(conn.broker) is conn:
            del _connections[conn.broker]
    conn.close()


def close_all() -> None:
    with _connections_lock:
        conns = list(_connections.values())
        _connections.clear()
    for conn in conns:
        if conn.pid == os.getpid():
            conn.close()
