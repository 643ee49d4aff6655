"""VAPID keys (RFC 8292) from settings: a P-256 private key as base64url of its 32 raw bytes.

Without `VAPID_PRIVATE_KEY` push is unavailable and every notice goes by e-mail; the account
page says so. `manage.py vapid_keys` prints a new pair.
"""

import base64
import time
from functools import lru_cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid02

# A VAPID token lives at most 24 h (RFC 8292 §2); ours are remade after 12 h.
TOKEN_SECONDS = 12 * 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_pair() -> tuple[str, str]:
    """(private, public): base64url raw scalar and base64url uncompressed point."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(private), public_key_of(key)


def public_key_of(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def configured() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY)


@lru_cache(maxsize=4)
def _private_key(raw: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(b64url_decode(raw), "big"), ec.SECP256R1())


def application_server_key() -> str:
    """The public key the browser subscribes with (empty when push is unavailable)."""
    if not configured():
        return ""
    return public_key_of(_private_key(settings.VAPID_PRIVATE_KEY))


_headers: dict[str, tuple[float, dict[str, str]]] = {}


def authorization(endpoint: str) -> dict[str, str]:
    """The `Authorization: vapid t=…, k=…` header for the endpoint's push service, signed
    once per origin and reused until it is half-way to expiry."""
    parts = urlsplit(endpoint)
    audience = f"{parts.scheme}://{parts.netloc}"
    now = time.time()
    cached = _headers.get(audience)
    if cached is not None and now < cached[0] <= now + TOKEN_SECONDS:
        return cached[1]
    signer = Vapid02(private_key=_private_key(settings.VAPID_PRIVATE_KEY))
    claims = {
        "sub": settings.VAPID_SUBJECT,
        "aud": audience,
        "exp": int(now) + 2 * TOKEN_SECONDS,
    }
    headers = {k: v for k, v in signer.sign(claims).items() if k.lower() == "authorization"}
    _headers[audience] = (now + TOKEN_SECONDS, headers)
    return headers
