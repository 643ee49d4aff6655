"""A pretend door for `manage.py lock_device`: speaks the same topics as a real one.

It never touches the database. Output lines (flushed) let a test or benchmark follow it:
``ready``, ``received <request id>``, ``executed <request id>``, ``duplicate <request id>``,
``late <request id>``, and ``executions=<n> duplicates=<n>`` when it stops.
"""

import json
import socket
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from io import TextIOBase
from typing import Any

from django.utils import timezone
from paho.mqtt import client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from officepass.locks.drivers.mqtt.config import Broker, LockTopics
from officepass.locks.drivers.mqtt.connection import no_delay, quick_ack
from officepass.locks.drivers.mqtt.driver import message_request_id

MODES = ("normal", "jammed", "silent", "offline", "slow", "duplicate")


@dataclass
class DeviceOptions:
    mode: str = "normal"
    delay_ms: int = 500  # slow: answer after this; offline: drop the connection after this
    relock_ms: int = 300  # normal: report locked again after this
    session_expiry: int = 0  # > 0: a persistent session, so the broker queues commands


class DeviceSimulator:
    def __init__(
        self,
        broker: Broker,
        topics: LockTopics,
        options: DeviceOptions,
        out: TextIOBase | Any = sys.stdout,
    ) -> None:
        self.broker, self.topics, self.options, self.out = broker, topics, options, out
        self.executed: set[str] = set()
        self.duplicates = 0
        self._lock = threading.Lock()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"officepass-device-{topics.device_id}",
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,
        )
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password or None)
        self.client.will_set(
            topics.availability_topic, topics.payload_not_available, qos=1, retain=True
        )
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.on_publish = quick_ack

    def say(self, line: str) -> None:
        with self._lock:
            self.out.write(line + "\n")
            self.out.flush()

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        if self.options.session_expiry:
            props.SessionExpiryInterval = self.options.session_expiry
        self.client.connect(
            self.broker.host,
            self.broker.port,
            keepalive=10,
            clean_start=not self.options.session_expiry,
            properties=props,
        )
        no_delay(self.client)
        self.client.loop_start()

    def stop(self) -> None:
        if self.options.mode != "offline":
            # A clean stop still says offline, as a real device's last will would.
            self._publish(self.topics.availability_topic, self.topics.payload_not_available, True)
        self.client.disconnect()
        self.client.loop_stop()
        self.say(f"executions={len(self.executed)} duplicates={self.duplicates}")

    def _publish(self, topic: str, payload: str, retain: bool, request_id: str = "") -> None:
        if not self.client.is_connected():
            return  # a relock timer firing after we stopped
        props = Properties(PacketTypes.PUBLISH)
        if request_id:
            props.UserProperty = [("request_id", request_id)]
        self.client.publish(topic, payload, qos=1, retain=retain, properties=props)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any,
                    properties: Any) -> None:  # fmt: skip
        if reason.is_failure:
            self.say(f"refused {reason}")
            return
        topics = self.topics
        wanted = [topics.command_topic] + ([topics.pulse_topic] if topics.pulse_topic else [])
        client.subscribe([(topic, 1) for topic in wanted])

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any,
                      properties: Any) -> None:  # fmt: skip
        # "ready" only once the broker holds our subscription: commands sent from now on
        # reach us (or wait in our session, if it is persistent).
        topics = self.topics
        if self.options.mode == "offline":
            # Never say online; drop the TCP connection without DISCONNECT so the broker
            # publishes our last will, as when a device loses power.
            dropper = threading.Timer(self.options.delay_ms / 1000, self._drop)
            dropper.daemon = True
            dropper.start()
            self.say("ready")
            return
        self._publish(topics.availability_topic, topics.payload_available, True)
        self._publish(topics.state_topic, topics.state_locked, True)
        self.say("ready")

    def _drop(self) -> None:
        sock = self.client.socket()
        if isinstance(sock, socket.socket):
            sock.shutdown(socket.SHUT_RDWR)
        self.say("dropped")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if message.topic == self.topics.pulse_topic:
            # PulseTime: a real Tasmota stores it and turns the relay off again after it.
            self.say(f"pulse {message.payload.decode('utf-8', 'replace')}")
            return
        deliveries = 2 if self.options.mode == "duplicate" else 1
        for _ in range(deliveries):
            self._handle(message)

    def _handle(self, message: mqtt.MQTTMessage) -> None:
        request_id = message_request_id(message) or f"anon-{message.mid}-{time.monotonic()}"
        self.say(f"received {request_id}")
        if self._is_late(message):
            self.say(f"late {request_id}")
            return
        with self._lock:
            if request_id in self.executed:
                self.duplicates += 1
                fresh = False
            else:
                self.executed.add(request_id)
                fresh = True
        if not fresh:
            self.say(f"duplicate {request_id}")
            return
        self.say(f"executed {request_id}")
        self._answer(request_id)

    def _is_late(self, message: mqtt.MQTTMessage) -> bool:
        props = getattr(message, "properties", None)
        values = dict(getattr(props, "UserProperty", None) or [])
        if "not_after" not in values and message.payload.startswith(b"{"):
            values = json.loads(message.payload)
        not_after = values.get("not_after")
        return bool(not_after) and timezone.now() >= datetime.fromisoformat(str(not_after))

    def _answer(self, request_id: str) -> None:
        mode, topics = self.options.mode, self.topics
        if mode == "silent":
            return
        if mode == "jammed":
            self._publish(topics.state_topic, topics.state_jammed or "JAMMED", True, request_id)
            return
        delay = self.options.delay_ms / 1000 if mode == "slow" else 0.0
        opener = threading.Timer(delay, self._open, args=(request_id,))
        opener.daemon = True
        opener.start()

    def _open(self, request_id: str) -> None:
        self._publish(self.topics.state_topic, self.topics.state_unlocked, True, request_id)
        relock = threading.Timer(
            self.options.relock_ms / 1000,
            self._publish,
            args=(self.topics.state_topic, self.topics.state_locked, True),
        )
        relock.daemon = True
        relock.start()
