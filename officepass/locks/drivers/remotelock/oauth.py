"""RemoteLOCK's OAuth 2.0 client-credentials token, cached and refreshed.

`POST {auth}/oauth/token` with `grant_type=client_credentials`, `client_id`, `client_secret`
(form-encoded) answers `{"access_token", "token_type": "bearer", "expires_in", …}`. The token
lives in Django's cache (shared by every process with Redis) under a hash of the client id,
until a minute before it expires, or until the API answers 401 (`forget`).
"""

import hashlib

import httpx
from django.core.cache import cache

from officepass.locks.drivers.base import ErrorCode, LockError

# Refresh this many seconds before the vendor's expiry, so a token never dies mid-request.
EARLY_SECONDS = 60


def _key(auth_url: str, client_id: str) -> str:
    digest = hashlib.sha256(f"{auth_url}|{client_id}".encode()).hexdigest()[:16]
    return f"locks:remotelock:token:{digest}"


def access_token(auth_url: str, client_id: str, client_secret: str, *, timeout: float) -> str:
    """A valid bearer token: the cached one, or a new one from the token endpoint."""
    if not client_id or not client_secret:
        raise LockError(ErrorCode.AUTH_FAILED, "client_id / client_secret not set (secret_env)")
    key = _key(auth_url, client_id)
    token = cache.get(key)
    if token:
        return str(token)
    form = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
    }
    try:
        response = httpx.post(f"{auth_url}/oauth/token", data=form, timeout=timeout)
    except httpx.HTTPError as exc:  # nothing reached the door: safe to try again
        raise LockError(ErrorCode.OFFLINE, f"token: {type(exc).__name__}", retryable=True) from None
    if response.status_code in (400, 401, 403):
        raise LockError(ErrorCode.AUTH_FAILED, f"token endpoint HTTP {response.status_code}")
    if response.status_code != 200:
        raise LockError(
            ErrorCode.VENDOR_ERROR, f"token endpoint HTTP {response.status_code}", retryable=True
        )
    payload = response.json()
    token = str(payload.get("access_token", ""))
    if not token:
        raise LockError(ErrorCode.AUTH_FAILED, "token endpoint gave no access_token")
    lifetime = int(payload.get("expires_in", 7200)) - EARLY_SECONDS
    cache.set(key, token, timeout=max(lifetime, 1))
    return token


def forget(auth_url: str, client_id: str) -> None:
    """The API said 401: the token expired or was revoked early; the next call fetches one."""
    cache.delete(_key(auth_url, client_id))
