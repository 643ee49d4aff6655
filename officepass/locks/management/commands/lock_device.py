"""`python manage.py lock_device --device-id X --mode normal`: a pretend MQTT door.

For tests, benchmarks and trying the wiring without hardware; it never touches the database.
It stops by itself after --max-seconds, and on SIGTERM / SIGINT.
"""

import os
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from officepass.locks.drivers.mqtt.config import Broker, lock_topics
from officepass.locks.drivers.mqtt.device import MODES, DeviceOptions, DeviceSimulator


class Command(BaseCommand):
    help = "Simulate an MQTT door lock (Home Assistant lock or Tasmota relay)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--device-id", required=True)
        parser.add_argument("--mode", choices=MODES, default="normal")
        parser.add_argument("--profile", choices=("lock", "relay"), default="lock")
        parser.add_argument("--topic-prefix", default="officepass/locks")
        parser.add_argument(
            "--delay-ms", type=int, default=500, help="slow: answer delay; offline: drop delay"
        )
        parser.add_argument("--relock-ms", type=int, default=300)
        parser.add_argument(
            "--session-expiry", type=int, default=0, help="> 0: persistent session (seconds)"
        )
        parser.add_argument("--max-seconds", type=float, default=300.0)
        parser.add_argument(
            "--username-env", default="", help="environment variable holding the broker login"
        )
        parser.add_argument("--password-env", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        topics = lock_topics(
            {
                "device_id": opts["device_id"],
                "profile": opts["profile"],
                "topic_prefix": opts["topic_prefix"],
            }
        )
        secrets = {
            "username": os.environ.get(opts["username_env"], "") if opts["username_env"] else "",
            "password": os.environ.get(opts["password_env"], "") if opts["password_env"] else "",
        }
        options = DeviceOptions(
            mode=opts["mode"],
            delay_ms=opts["delay_ms"],
            relock_ms=opts["relock_ms"],
            session_expiry=opts["session_expiry"],
        )
        device = DeviceSimulator(Broker.from_settings(secrets), topics, options, out=self.stdout)
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
        signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
        device.start()
        stopping.wait(opts["max_seconds"])
        device.stop()
