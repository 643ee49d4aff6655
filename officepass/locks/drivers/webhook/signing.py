"""Standard Webhooks (v1, symmetric) signatures: for what we send and what controllers push.

signed content = f"{webhook-id}.{webhook-timestamp}.{body}", signature = "v1," +
base64(HMAC-SHA256(key, signed content)); the key is the base64 part of "whsec_<base64>".
The signature header may list several space-separated signatures (key rotation).
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from officepass.core import clock
from officepass.locks.drivers.shared_cache import cache_add

SECRET_PREFIX = "whsec_"  # noqa: S105 (a format prefix, not a secret)
TOLERANCE = timedelta(minutes=5)


class InvalidSignature(Exception):
    """A pushed event that must be dropped; the message says why (never the secret)."""


def secret_key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSignature("secret is not whsec_ + base64") from None
    if not key:
        raise InvalidSignature("secret is empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, msg_id: str, body: bytes) -> dict[str, str]:
    timestamp = int(clock.now().timestamp())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "Content-Type": "application/json",
    }


def verify_signature(
    headers: Mapping[str, str], body: bytes, secret: str, *, tolerance: timedelta = TOLERANCE
) -> str:
    """Check a pushed event (Standard Webhooks); returns its webhook-id, raises InvalidSignature.

    `headers` may be Django's `request.headers` or any mapping (names compared in lower case);
    `body` must be the raw bytes received, not re-serialized JSON. Callers should also drop a
    webhook-id they have already processed (see `first_delivery`).
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    if not (msg_id and stamp and signatures):
        raise InvalidSignature("missing webhook-id, webhook-timestamp or webhook-signature")
    timestamp = _fresh_timestamp(stamp, tolerance)
    expected = base64.b64decode(sign(secret, msg_id, timestamp, body).removeprefix("v1,"))
    for candidate in signatures.split(" "):
        version, _, encoded = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(_decoded(encoded), expected):
            return msg_id
    raise InvalidSignature("no matching signature")


def signed_time(headers: Mapping[str, str]) -> datetime:
    """The webhook-timestamp of a message `verify_signature` accepted: when it was sent."""
    lowered = {name.lower(): value for name, value in headers.items()}
    return datetime.fromtimestamp(int(lowered["webhook-timestamp"]), tz=UTC)


def first_delivery(msg_id: str, *, tolerance: timedelta = TOLERANCE) -> bool | None:
    """True the first time a webhook-id is seen (within twice the tolerance): replay guard.

    None when the cache is down: whether it is a replay cannot be told."""
    return cache_add(f"locks:webhook:seen:{msg_id}", 1, timeout=2 * tolerance.total_seconds())


def _decoded(encoded: str) -> bytes:
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return b""


def _fresh_timestamp(stamp: str, tolerance: timedelta) -> int:
    if not stamp.isdigit():
        raise InvalidSignature("webhook-timestamp is not an integer")
    age = clock.now().timestamp() - int(stamp)
    if abs(age) > tolerance.total_seconds():
        raise InvalidSignature("webhook-timestamp outside the tolerance")
    return int(stamp)
