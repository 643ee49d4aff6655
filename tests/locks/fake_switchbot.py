"""A local SwitchBot OpenAPI v1.1 cloud: real sockets, the vendor's checks and JSON shapes.

It verifies `sign` the way the README describes (HMAC-SHA256 over token + t + nonce with the
secret, base64, upper case) and matches header names case-sensitively as the real gateway does
over HTTP/1.1. Told what to answer through `mode`: "ok", a vendor statusCode (151, 152, 160,
161, 171, 190), an HTTP status (429, 500, 502), or "hang".
"""

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.locks.fake_http import FakeHttpServer

MESSAGES = {
    151: "device type error",
    152: "device not found",
    160: "command is not supported",
    161: "device offline",
    171: "hub offline",
    190: "Device internal error due to device states not synchronized with server",
}


def vendor_sign(token: str, secret: str, t: str, nonce: str) -> str:
    """Written from the README, independently of the driver's signing module."""
    mac = hmac.new(bytes(secret, "utf-8"), bytes(f"{token}{t}{nonce}", "utf-8"), hashlib.sha256)
    return str(base64.b64encode(mac.digest()), "utf-8").upper()


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    authorized: bool


@dataclass
class FakeSwitchBot(FakeHttpServer):
    token: str
    secret: str
    mode: Any = "ok"
    lock_state: str = "locked"
    answer_state: bool = False  # answer the unlock with the new lockState
    calls: list[Call] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return self.base_url

    def commands(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST"]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSwitchBot

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self._serve(json.loads(self.rfile.read(length) or b"null"))

    def _serve(self, body: dict[str, Any] | None) -> None:
        fake = self.fake
        authorized = self._signature_ok()
        headers = {name: value for name, value in self.headers.items()}
        fake.calls.append(Call(self.command, self.path, headers, body, authorized))
        if not authorized:
            return self._send(401, {"message": "Unauthorized"})
        if fake.mode == "hang":
            fake.release.wait(10)
            return None
        if isinstance(fake.mode, int) and fake.mode >= 400:
            return self._send(fake.mode, {"message": "error"})
        if isinstance(fake.mode, int):
            return self._send(
                200, {"statusCode": fake.mode, "body": {}, "message": MESSAGES[fake.mode]}
            )
        if self.command == "POST":
            return self._command(body or {})
        return self._send(200, {"statusCode": 100, "body": self._status(), "message": "success"})

    def _command(self, body: dict[str, Any]) -> None:
        fake = self.fake
        if body.get("command") not in ("lock", "unlock") or body.get("commandType") != "command":
            return self._send(200, {"statusCode": 160, "body": {}, "message": MESSAGES[160]})
        fake.lock_state = "unlocked" if body["command"] == "unlock" else "locked"
        answer = {"lockState": fake.lock_state} if fake.answer_state else {}
        return self._send(200, {"statusCode": 100, "body": answer, "message": "success"})

    def _status(self) -> dict[str, Any]:
        device_id = self.path.split("/")[3]
        return {
            "deviceId": device_id,
            "deviceType": "Smart Lock",
            "hubDeviceId": "HUB000000001",
            "battery": 100,
            "version": "V4.2",
            "lockState": self.fake.lock_state,
            "doorState": "closed",
            "calibrate": True,
        }

    def _signature_ok(self) -> bool:
        names = set(self.headers.keys())  # as sent: the real gateway is case-sensitive here
        if not {"sign", "t", "nonce"} <= names:
            return False
        token = self.headers.get("Authorization", "")
        t, nonce, sign = self.headers["t"], self.headers["nonce"], self.headers["sign"]
        if len(t) != 13 or not t.isdigit():
            return False
        expected = vendor_sign(self.fake.token, self.fake.secret, t, nonce)
        token_ok = hmac.compare_digest(token.encode(), self.fake.token.encode())
        # The vendor's own sample code sends both cases; the upper-cased form is the documented one.
        return token_ok and hmac.compare_digest(sign.upper().encode(), expected.encode())

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


FakeSwitchBot.handler = _Handler
