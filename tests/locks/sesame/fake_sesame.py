"""A local SESAME Web API: `x-api-key`, the per-device AES-CMAC `sign`, the JSON shapes.

The CMAC is computed here by hand from RFC 4493 over AES-128 (only the block cipher comes from
`cryptography`), so a mistake in the driver's signing cannot hide in a shared helper. A sign is
accepted for any second within `skew` of this machine's clock (the real cloud checks it is
recent). `mode`: "ok", an HTTP status (403, 429, 500, 502), or "hang"; `offline` makes the
status answer `wm2State: false` and commands 500, as the cloud does when WiFi is gone.
"""

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from tests.locks.fake_http import FakeHttpServer
from tests.locks.fake_json import JsonHandler

RB = 0x87


def _aes(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305 (one block)
    return encryptor.update(block) + encryptor.finalize()


def _shift(block: bytes) -> bytes:
    number = (int.from_bytes(block, "big") << 1) & ((1 << 128) - 1)
    return number.to_bytes(16, "big")


def rfc4493_cmac(key: bytes, message: bytes) -> bytes:
    l_block = _aes(key, bytes(16))
    k1 = _shift(l_block)
    if l_block[0] & 0x80:
        k1 = k1[:-1] + bytes([k1[-1] ^ RB])
    k2 = _shift(k1)
    if k1[0] & 0x80:
        k2 = k2[:-1] + bytes([k2[-1] ^ RB])
    blocks = [message[i : i + 16] for i in range(0, len(message), 16)] or [b""]
    last = blocks[-1]
    if len(last) == 16 and message:
        last = bytes(a ^ b for a, b in zip(last, k1, strict=True))
    else:
        padded = last + b"\x80" + bytes(15 - len(last))
        last = bytes(a ^ b for a, b in zip(padded, k2, strict=True))
    state = bytes(16)
    for block in [*blocks[:-1], last]:
        state = _aes(key, bytes(a ^ b for a, b in zip(state, block, strict=True)))
    return state


@dataclass
class Call:
    method: str
    path: str
    body: Any
    authorized: bool
    history: str = ""


@dataclass
class FakeSesame(FakeHttpServer):
    api_key: str
    secrets: dict[str, str]  # device uuid → 32 hex digits
    mode: Any = "ok"
    offline: bool = False
    state: str = "locked"
    battery: int = 87
    skew: int = 30
    calls: list[Call] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return self.base_url

    def commands(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST"]


class _Handler(JsonHandler):
    fake: FakeSesame

    def do_GET(self) -> None:
        self._serve(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self._serve(json.loads(self.rfile.read(length) or b"null"))

    def _serve(self, body: Any) -> None:
        fake = self.fake
        parts = self.path.strip("/").split("/")  # api / sesame2 / uuid [/ cmd]
        device = parts[2] if len(parts) >= 3 and parts[:2] == ["api", "sesame2"] else ""
        key_ok = self.headers.get("x-api-key", "") == fake.api_key
        call = Call(self.command, self.path, body, key_ok)
        fake.calls.append(call)
        if not key_ok:
            return self._send(403, {"message": "Forbidden"})
        if device not in fake.secrets:
            return self._send(404, {"message": "Not Found"})
        if fake.mode == "hang":
            fake.release.wait(10)
            return None
        if isinstance(fake.mode, int):
            return self._send(fake.mode, {"message": "scripted"})
        if self.command == "GET":
            return self._send(200, self._status())
        return self._command(device, body or {}, call)

    def _command(self, device: str, body: dict[str, Any], call: Call) -> None:
        fake = self.fake
        if not self._signed(device, str(body.get("sign", ""))):
            call.authorized = False
            return self._send(403, {"message": "invalid sign"})
        try:
            call.history = base64.b64decode(str(body.get("history", "")), validate=True).decode()
        except ValueError:
            return self._send(400, {"message": "history must be base64"})
        if body.get("cmd") not in (82, 83, 88):
            return self._send(400, {"message": "unknown cmd"})
        if fake.offline:
            return self._send(500, {"message": "Internal server error"})
        fake.state = "unlocked" if body["cmd"] == 83 else "locked"
        return self._send(200, None)

    def _signed(self, device: str, given: str) -> bool:
        key = bytes.fromhex(self.fake.secrets[device])
        now = int(time.time())
        for second in range(now - self.fake.skew, now + self.fake.skew + 1):
            message = second.to_bytes(4, "little")[1:4]
            if rfc4493_cmac(key, message).hex() == given.lower():
                return True
        return False

    def _status(self) -> dict[str, Any]:
        fake = self.fake
        return {
            "batteryPercentage": fake.battery,
            "batteryVoltage": 5.9,
            "position": 11,
            "CHSesame2Status": fake.state,
            "timestamp": int(time.time()),
            "wm2State": not fake.offline,
        }


FakeSesame.handler = _Handler
