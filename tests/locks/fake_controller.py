"""A local door controller that takes our webhooks and checks them like a stranger would.

The verification here is written from the Standard Webhooks spec, independently of
officepass.locks.drivers.webhook.signing: decode the whsec_ secret, HMAC-SHA256 over
"{id}.{timestamp}.{raw body}", compare each "v1," signature in constant time, 5 min tolerance.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.locks.fake_http import FakeHttpServer


def spec_verify(secret: str, headers: dict[str, str], raw: bytes) -> bool:
    key = base64.b64decode(secret.split("_", 1)[1])
    msg_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    if not (msg_id and stamp.isdigit()) or abs(time.time() - int(stamp)) > 300:
        return False
    to_sign = msg_id.encode() + b"." + stamp.encode() + b"." + raw
    expected = base64.b64encode(hmac.new(key, to_sign, hashlib.sha256).digest())
    for sig in headers.get("webhook-signature", "").split():
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return True
    return False


@dataclass
class Delivery:
    headers: dict[str, str]
    raw: bytes
    verified: bool

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.raw))


@dataclass
class FakeController(FakeHttpServer):
    secret: str
    # (HTTP status, JSON answer or None for an empty body), or "hang"
    answer: Any = (200, {"status": "unlocked"})
    deliveries: list[Delivery] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"{self.base_url}/doors/unlock"


class _Handler(BaseHTTPRequestHandler):
    fake: FakeController

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {name.lower(): value for name, value in self.headers.items()}
        verified = spec_verify(self.fake.secret, headers, raw)
        self.fake.deliveries.append(Delivery(headers, raw, verified))
        if not verified:
            return self._send(401, {"error": "bad signature"})
        if self.fake.answer == "hang":
            self.fake.release.wait(10)
            return None
        status, payload = self.fake.answer
        return self._send(status, payload)

    def _send(self, status: int, payload: dict[str, Any] | None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


FakeController.handler = _Handler
