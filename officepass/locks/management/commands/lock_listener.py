"""`python manage.py lock_listener`: record what every MQTT lock says about its health.

Subscribes to the availability and state topics of all spaces with lock_driver "mqtt" and
writes LockHealth; re-reads the spaces every --refresh seconds. Stops on SIGTERM / SIGINT or
after --max-seconds.
"""

import os
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from officepass.locks.drivers.mqtt.config import Broker
from officepass.locks.drivers.mqtt.listener import LockListener


class Command(BaseCommand):
    help = "Record MQTT lock availability and state as lock health."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--max-seconds", type=float, default=0, help="0: until stopped")
        parser.add_argument(
            "--refresh", type=float, default=60.0, help="seconds between space reloads"
        )
        parser.add_argument("--username-env", default="MQTT_USERNAME")
        parser.add_argument("--password-env", default="MQTT_PASSWORD")

    def handle(self, *args: Any, max_seconds: float, refresh: float, **opts: Any) -> None:
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
        signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
        login = {
            "username": os.environ.get(opts["username_env"], ""),
            "password": os.environ.get(opts["password_env"], ""),
        }
        listener = LockListener(Broker.from_settings(login))
        listener.start()
        self.stdout.write(f"officepass lock listener: {len(listener.routes)} topics")
        try:
            handled = listener.run(
                should_stop=stopping.is_set, max_seconds=max_seconds, refresh_seconds=refresh
            )
        finally:
            listener.close()
        self.stdout.write(f"officepass lock listener stopped ({handled} messages)")
