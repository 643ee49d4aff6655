"""API authentication: bearer tokens, or the web session cookie (with CSRF on writes)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from officepass.accounts.services import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """The member web app's cookie; ninja checks CSRF for unsafe methods."""


AUTH = [BearerToken(), Session()]
