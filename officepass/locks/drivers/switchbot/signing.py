"""SwitchBot OpenAPI v1.1 request signing, as the vendor publishes it.

sign = upper(base64(HMAC-SHA256(key=secret, msg=token + t + nonce))), t in milliseconds.
The header names `sign`, `t` and `nonce` go out in lower case: the vendor's gateway matches
them case-sensitively over HTTP/1.1 (OpenWonderLabs/SwitchBotAPI#217).
"""

import base64
import hashlib
import hmac
import time
import uuid


def sign(token: str, secret: str, t: str, nonce: str) -> str:
    digest = hmac.new(secret.encode(), (token + t + nonce).encode(), hashlib.sha256).digest()
    # The README's procedure ends with "convert the signature to upper case".
    return base64.b64encode(digest).decode().upper()


def auth_headers(token: str, secret: str) -> dict[str, str]:
    t = str(int(time.time() * 1000))
    nonce = str(uuid.uuid4())
    return {
        "Authorization": token,
        "sign": sign(token, secret, t, nonce),
        "t": t,
        "nonce": nonce,
        "Content-Type": "application/json; charset=utf8",
    }
