"""Sign-in and API tokens: tokens are random, stored as SHA-256, expiring and revocable."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction

from officepass.accounts.models import ApiToken, LoginFailure, User
from officepass.core import clock
from officepass.core.audit import audit
from officepass.core.errors import DomainError

TOKEN_PREFIX = "op_"  # noqa: S105 (a prefix, not a secret)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _too_many_failures(email: str) -> bool:
    since = clock.now() - timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)
    failures = LoginFailure.objects.filter(email=email, created_at__gte=since).count()
    return failures >= settings.LOGIN_MAX_FAILURES


def user_authenticate(*, email: str, password: str) -> User:
    """Check the password, throttled per e-mail (API tokens and web sign-in alike)."""
    email = (email or "").strip().lower()
    if _too_many_failures(email):
        raise DomainError("too_many_attempts")
    user = authenticate(username=email, password=password)
    if not isinstance(user, User):
        LoginFailure.objects.create(email=email, created_at=clock.now())
        raise DomainError("invalid_credentials")
    return user


def token_create_for_login(*, email: str, password: str) -> tuple[str, ApiToken]:
    """Check the password (throttled per e-mail) and issue a new bearer token."""
    user = user_authenticate(email=email, password=password)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=hash_token(raw),
            prefix=raw[:10],
            created_at=now,
            expires_at=now + timedelta(days=settings.TOKEN_TTL_DAYS),
        )
        audit(actor=user, action="auth.token_created", target=token)
    return raw, token


def user_for_token(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user", "user__plan", "user__company")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user


def token_revoke(*, user: User, raw: str) -> bool:
    with transaction.atomic():
        token = ApiToken.objects.filter(user=user, key_hash=hash_token(raw)).first()
        if token is None or token.revoked_at is not None:
            return False
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        audit(actor=user, action="auth.token_revoked", target=token)
    return True
