"""API authentication: bearer tokens, or the web session cookie (with CSRF on writes)."""

from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from officepass.accounts.models import User
from officepass.accounts.services import token_revoke, user_for_token, user_signed_out
from officepass.core.audit import AuditAction
from officepass.core.errors import DomainError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
            request.bearer_token = token  # type: ignore[attr-defined]
        return user


class Session(SessionAuth):
    """The member web app's cookie; ninja checks CSRF for unsafe methods, and a failed check
    is the stable `csrf_failed` (403) instead of a bare HTTP error."""

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # no session: `not_authenticated` (401), nothing for CSRF to protect
        try:
            return super().__call__(request)
        except HttpError as exc:
            if exc.status_code == 403:
                raise DomainError("csrf_failed") from None
            raise


AUTH = [BearerToken(), Session()]


def sign_out(request: HttpRequest, user: User) -> None:
    """A bearer-authenticated call revokes the token it presented (audited); a session-
    authenticated one (CSRF checked by `Session`) ends the session."""
    raw = getattr(request, "bearer_token", None)
    if raw is not None:
        token_revoke(user=user, raw=raw)
    else:
        logout(request)
        user_signed_out(user=user, action=AuditAction.AUTH_SIGNED_OUT)
