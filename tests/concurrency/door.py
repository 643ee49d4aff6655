"""A webhook door for the idempotency races: it looks at the database when a command arrives.

The door runs in its own server thread, so `look` queries through that thread's own database
connection, as a real controller's effect would be seen by anyone else: only what has been
committed. `hold` keeps the next command's answer back until `release` is set.
"""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.db import connection

from officepass.offices.models import Space
from tests import factories
from tests.locks.fake_http import FakeHttpServer

SECRET_ENV = "DOOR_SECRET_IDEMPOTENCY"
SECRET = "whsec_ZG9vci1jb250cm9sbGVyLWtleS0zMi1ieXRlcy1vayE="


@dataclass
class WatchingDoor(FakeHttpServer):
    look: Callable[[dict[str, Any]], Any] | None = None
    hold: bool = False
    commands: list[dict[str, Any]] = field(default_factory=list)
    looks: list[Any] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None


class _Handler(BaseHTTPRequestHandler):
    fake: WatchingDoor

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        door = self.fake
        payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        try:
            door.looks.append(door.look(payload) if door.look else None)
        finally:
            connection.close()
        door.commands.append(payload)
        hold, door.hold = door.hold, False
        door.arrived.set()
        if hold:
            door.release.wait(60)
        data = json.dumps({"status": "unlocked"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


WatchingDoor.handler = _Handler


@contextmanager
def watching_door(monkeypatch: pytest.MonkeyPatch) -> Iterator[WatchingDoor]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    door = WatchingDoor().start()
    try:
        yield door
    finally:
        door.stop()


def door_space(door: WatchingDoor, **extra: Any) -> Space:
    settings = {
        "url": f"{door.base_url}/unlock",
        "timeout": 30,
        "secret_env": {"secret": SECRET_ENV},
    }
    return factories.space(lock_driver="webhook", lock_settings=settings, **extra)
