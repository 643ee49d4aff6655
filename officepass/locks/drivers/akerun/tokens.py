"""Akerun OAuth 2.0 (authorization code): the operator's onboarding and token refresh.

``GET {api}/oauth/authorize?client_id&redirect_uri&response_type=code`` sends the operator to
Akerun; the callback's ``code`` is exchanged at ``POST {api}/oauth/token`` (form-encoded
``grant_type=authorization_code``, ``code``, ``redirect_uri``, ``client_id``,
``client_secret``) for ``{"access_token", "refresh_token", "expires_in", …}``; a new pair comes
from ``grant_type=refresh_token``. The vendor only accepts https redirect URIs.

Tokens are stored encrypted (`LockCloudAccount`). A refresh is network I/O outside any
transaction; only one process refreshes an account at a time (a guarded UPDATE of the
account's `refreshing_until`, committed before the call: any database, any number of
processes), the others wait for its result, because the vendor rotates refresh tokens on use.
"""

import base64
import hashlib
import os
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.locks.drivers.base import ErrorCode, LockError
from officepass.locks.models import LockCloudAccount

VENDOR = "akerun"
EARLY = timedelta(minutes=5)  # refresh this long before the vendor's expiry
REFRESH_WAIT_SECONDS = 15.0  # the token call's own timeout is 10 s
REFRESH_CLAIM_SECONDS = 30  # a process that died while refreshing lets go after this


def _fernet() -> Fernet:
    material = (settings.LOCK_TOKEN_KEY or settings.SECRET_KEY).encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(material).digest()))


def seal(token: str) -> str:
    return _fernet().encrypt(token.encode()).decode() if token else ""


def unseal(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode()).decode() if sealed else ""
    except InvalidToken:
        return ""  # the key changed: the operator connects the account again


def client() -> tuple[str, str]:
    client_id = os.environ.get(settings.AKERUN_CLIENT_ID_ENV, "")
    secret = os.environ.get(settings.AKERUN_CLIENT_SECRET_ENV, "")
    if not client_id or not secret:
        raise LockError(ErrorCode.AUTH_FAILED, "AKERUN_CLIENT_ID / AKERUN_CLIENT_SECRET not set")
    return client_id, secret


def authorize_url(*, redirect_uri: str, state: str) -> str:
    client_id, _secret = client()
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "state": state,
    }
    return f"{settings.AKERUN_API_URL}/oauth/authorize?{urlencode(query)}"


def _token_call(form: dict[str, str]) -> dict[str, Any]:
    client_id, secret = client()
    form = {**form, "client_id": client_id, "client_secret": secret}
    try:
        response = httpx.post(f"{settings.AKERUN_API_URL}/oauth/token", data=form, timeout=10)
    except httpx.HTTPError as exc:
        raise LockError(ErrorCode.OFFLINE, f"token: {type(exc).__name__}", retryable=True) from None
    if response.status_code in (400, 401):
        raise LockError(ErrorCode.AUTH_FAILED, f"token endpoint HTTP {response.status_code}")
    if response.status_code != 200:
        raise LockError(ErrorCode.VENDOR_ERROR, f"token endpoint HTTP {response.status_code}")
    payload = response.json()
    if not payload.get("access_token"):
        raise LockError(ErrorCode.AUTH_FAILED, "no access_token")
    return dict(payload)


def _store(account: LockCloudAccount, payload: dict[str, Any]) -> None:
    expires = clock.now() + timedelta(seconds=int(payload.get("expires_in", 3600)))
    account.access_token = seal(str(payload["access_token"]))
    account.refresh_token = seal(str(payload.get("refresh_token", "")))
    account.expires_at = expires
    account.save(update_fields=["access_token", "refresh_token", "expires_at"])


def account_connect(
    *, actor: Any, name: str, code: str, redirect_uri: str, operator_id: int | None
) -> LockCloudAccount:
    """Exchange the callback's code for tokens and keep them (encrypted), audited."""
    payload = _token_call(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    )
    with transaction.atomic():
        account, _created = LockCloudAccount.objects.get_or_create(
            vendor=VENDOR,
            name=name,
            defaults={"operator_id": operator_id, "connected_at": clock.now()},
        )
        _store(account, payload)
        audit(
            actor=actor,
            action=AuditAction.LOCK_CLOUD_ACCOUNT_CONNECTED,
            target=account,
            vendor=VENDOR,
        )
    return account


def access_token(name: str) -> str:
    """A live access token for the named account, refreshed when it is about to expire."""
    account = LockCloudAccount.objects.filter(vendor=VENDOR, name=name).first()
    if account is None or not account.refresh_token:
        raise LockError(ErrorCode.AUTH_FAILED, f"Akerun account {name!r} is not connected")
    fresh = account.expires_at and account.expires_at - EARLY > clock.now()
    token = unseal(account.access_token) if fresh else ""
    return token or refresh(account)


def _claim_refresh(account: LockCloudAccount) -> bool:
    now = clock.now()
    free = Q(refreshing_until__isnull=True) | Q(refreshing_until__lte=now)
    until = now + timedelta(seconds=REFRESH_CLAIM_SECONDS)
    return bool(LockCloudAccount.objects.filter(free, pk=account.pk).update(refreshing_until=until))


def refresh(account: LockCloudAccount) -> str:
    """One process refreshes; the others wait for the token it stores."""
    before = account.access_token
    if not _claim_refresh(account):
        return _wait_for_refresh(account, before)
    try:
        # The newest refresh token: another process may have rotated it since we read ours.
        account.refresh_from_db(fields=["access_token", "refresh_token", "expires_at"])
        if (
            account.access_token != before
            and account.expires_at
            and (account.expires_at - EARLY > clock.now())
        ):
            return unseal(account.access_token)  # refreshed by another process meanwhile
        payload = _token_call(
            {"grant_type": "refresh_token", "refresh_token": unseal(account.refresh_token)}
        )
        with transaction.atomic():
            _store(account, payload)
            audit(
                actor=None,
                action=AuditAction.LOCK_CLOUD_TOKEN_REFRESHED,
                target=account,
                vendor=VENDOR,
            )
        return str(payload["access_token"])
    finally:
        LockCloudAccount.objects.filter(pk=account.pk).update(refreshing_until=None)


def _wait_for_refresh(account: LockCloudAccount, before: str) -> str:
    deadline = time.monotonic() + REFRESH_WAIT_SECONDS
    while time.monotonic() < deadline:
        account.refresh_from_db(fields=["access_token", "expires_at", "refreshing_until"])
        if account.access_token != before:
            return unseal(account.access_token)
        if account.refreshing_until is None:
            break  # the refreshing process let go without a new token: it failed
        time.sleep(0.05)
    raise LockError(ErrorCode.AUTH_FAILED, "token refresh by another process did not finish")


def expire(name: str) -> None:
    """The API said 401: the access token is dead; the next call refreshes."""
    LockCloudAccount.objects.filter(vendor=VENDOR, name=name).update(expires_at=clock.now())
