"""Takes in what MQTT locks say about themselves and records it as LockHealth.

Availability (``online`` / ``offline``, the latter usually the device's last will, retained)
decides `online`; state messages (locked, unlocked, jammed) update `state`. paho's thread only
queues messages; the caller's thread writes to the database.
"""

import logging
import queue
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections
from paho.mqtt import client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from officepass.locks.drivers.mqtt.config import Broker, LockTopics, lock_topics
from officepass.locks.drivers.mqtt.driver import message_state
from officepass.locks.health import lock_health_report
from officepass.offices.models import Space

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    space_id: int
    kind: str  # "availability" or "state"
    topics: LockTopics


def mqtt_routes() -> dict[str, list[Route]]:
    """Topic → the spaces it speaks for, for every space whose lock driver is mqtt."""
    routes: dict[str, list[Route]] = {}
    for space_id, lock_settings in Space.objects.filter(lock_driver="mqtt").values_list(
        "pk", "lock_settings"
    ):
        try:
            topics = lock_topics(lock_settings or {})
        except ValueError as exc:
            log.warning("space %s: bad MQTT lock settings: %s", space_id, exc)
            continue
        for kind, topic in (
            ("availability", topics.availability_topic),
            ("state", topics.state_topic),
        ):
            routes.setdefault(topic, []).append(Route(space_id, kind, topics))
    return routes


class LockListener:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.routes: dict[str, list[Route]] = {}
        self.online: dict[int, bool] = {}
        self.inbox: queue.SimpleQueue[mqtt.MQTTMessage] = queue.SimpleQueue()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            # Unique on the broker: a second client with our id would take our session over.
            client_id=f"officepass-listener-{socket.gethostname()}-{uuid.uuid4().hex[:12]}",
            protocol=mqtt.MQTTv5,
        )
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password or None)
        # Subscribing only, so paho's automatic reconnect is safe here (nothing to re-send).
        self.client.on_connect = self._on_connect
        self.client.on_message = lambda client, userdata, message: self.inbox.put(message)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:  # fmt: skip
        if not reason.is_failure:
            self._subscribe(list(self.routes))

    def _subscribe(self, topics: list[str]) -> None:
        if topics and self.client.is_connected():
            self.client.subscribe([(topic, 1) for topic in topics])

    def refresh(self) -> int:
        """Re-read the spaces; subscribe to topics that are new. Returns how many topics."""
        routes = mqtt_routes()
        new = [topic for topic in routes if topic not in self.routes]
        self.routes = routes
        self._subscribe(new)
        return len(routes)

    def start(self) -> None:
        self.refresh()
        # Asynchronous, retried: a listener started before the broker simply waits for it.
        self.client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self.client.loop_start()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def handle(self, message: mqtt.MQTTMessage) -> None:
        payload = message.payload.decode("utf-8", "replace")
        for route in self.routes.get(message.topic, []):
            if route.kind == "availability":
                online = route.topics.is_available(payload)
                if online is None:
                    continue
                self.online[route.space_id] = online
                lock_health_report(space_id=route.space_id, online=online)
                continue
            state = route.topics.state_name(message_state(message))
            # A live state message means the device is up; a retained one may be old news.
            online = self.online.get(route.space_id, not message.retain)
            lock_health_report(space_id=route.space_id, online=online, state=state)

    def run(
        self,
        *,
        should_stop: Callable[[], bool],
        max_seconds: float = 0,
        refresh_seconds: float = 60,
    ) -> int:
        """Handle messages until `should_stop()` or `max_seconds` (0: no limit)."""
        started = last_refresh = time.monotonic()
        handled = 0
        while not should_stop():
            now = time.monotonic()
            if max_seconds and now - started >= max_seconds:
                break
            if now - last_refresh >= refresh_seconds:
                close_old_connections()
                self.refresh()
                last_refresh = now
            try:
                message = self.inbox.get(timeout=0.05)
            except queue.Empty:
                continue
            self.handle(message)
            handled += 1
        return handled
