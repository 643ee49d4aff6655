"""A local Web Push service, written from the RFCs and independent of the code under test.

It plays both the push service and the browser's side of a subscription: it makes the
subscription keys (a P-256 key pair and a 16-byte auth secret, as a browser does), accepts
`POST /push/<token>` only with a valid VAPID token (RFC 8292: `Authorization: vapid t=<JWT>,
k=<key>`, ES256 signature checked with `cryptography`, `aud` = this origin, `exp` within 24 h),
decrypts the body per RFC 8291 / RFC 8188 (`Content-Encoding: aes128gcm`, `http_ece`) with
the subscription's private key and auth secret, and records the JSON it finds. Tokens marked
gone answer 410 Gone, as a push service does for an expired subscription.
"""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    token: str
    message: dict[str, Any]
    ttl: int
    subject: str


@dataclass
class Device:
    key: ec.EllipticCurvePrivateKey
    auth: bytes


class VapidRejected(Exception):
    pass


def verify_vapid(header: str, audience: str, now: float) -> str:
    """The JWT's `sub` when the header is a valid RFC 8292 VAPID authorization."""
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "vapid":
        raise VapidRejected("scheme")
    params = dict(p.strip().split("=", 1) for p in rest.split(","))
    token, key = params["t"], params["k"]
    head_b64, claims_b64, signature_b64 = token.split(".")
    head = json.loads(unb64url(head_b64))
    if head.get("alg") != "ES256":
        raise VapidRejected("alg")
    claims = json.loads(unb64url(claims_b64))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    raw = unb64url(signature_b64)
    if len(raw) != 64:
        raise VapidRejected("signature length")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise VapidRejected("signature") from None
    if claims.get("aud") != audience:
        raise VapidRejected(f"aud {claims.get('aud')!r} != {audience!r}")
    if not (now < int(claims["exp"]) <= now + 24 * 3600 + 60):
        raise VapidRejected("exp")
    sub = str(claims.get("sub", ""))
    if not sub.startswith(("mailto:", "https:")):
        raise VapidRejected("sub")
    return sub


class PushService:
    def __init__(self) -> None:
        self.devices: dict[str, Device] = {}
        self.received: list[Received] = []
        self.rejected: list[str] = []
        self.gone: set[str] = set()
        # token -> how many more requests answer 503 (a push service having trouble)
        self.failing: dict[str, int] = {}
        self.changed = threading.Condition()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status = service.handle(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                if status == 201:
                    self.send_header("Location", f"{self.path}/m/{time.monotonic_ns()}")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def subscribe(self) -> dict[str, Any]:
        """What a browser's PushManager.subscribe() gives the page (PushSubscription.toJSON)."""
        token = b64url(os.urandom(12))
        key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.devices[token] = Device(key, auth)
        point = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "keys": {"p256dh": b64url(point), "auth": b64url(auth)},
        }

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        token = path.rsplit("/", 1)[-1]
        lowered = {k.lower(): v for k, v in headers.items()}
        if token not in self.devices:
            return 404
        try:
            subject = verify_vapid(lowered.get("authorization", ""), self.origin, time.time())
        except (VapidRejected, KeyError, ValueError) as exc:
            with self.changed:
                self.rejected.append(f"vapid: {exc}")
                self.changed.notify_all()
            return 401
        if token in self.gone:
            return 410
        if self.failing.get(token, 0) > 0:
            self.failing[token] -= 1
            return 503
        if lowered.get("content-encoding") != "aes128gcm" or "ttl" not in lowered:
            self.rejected.append("encoding/ttl")
            return 400
        device = self.devices[token]
        plain = http_ece.decrypt(
            body, private_key=device.key, auth_secret=device.auth, version="aes128gcm"
        )
        with self.changed:
            self.received.append(Received(token, json.loads(plain), int(lowered["ttl"]), subject))
            self.changed.notify_all()
        return 201

    def for_token(self, endpoint: str) -> list[Received]:
        token = endpoint.rsplit("/", 1)[-1]
        return [r for r in self.received if r.token == token]

    def wait_until(self, predicate: Any, timeout: float = 10.0) -> bool:
        """Wait for the receiver's state to satisfy `predicate` (woken on each message)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True
