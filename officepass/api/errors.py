"""Every error is `{"code", "message"}`, localized by Accept-Language or the member's choice."""

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from officepass.core.errors import DomainError

log = logging.getLogger(__name__)


def _language(request: HttpRequest) -> str:
    header = request.headers.get("Accept-Language")
    if header:
        return translation.get_language_from_request(request)
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    return getattr(user, "language", None) or translation.get_language() or "ja"


def error_body(request: HttpRequest, exc: DomainError) -> dict[str, Any]:
    with translation.override(_language(request)):
        return {"code": exc.code, "message": str(exc.message), **exc.extra}


def install(api: NinjaAPI) -> None:
    def reply(request: HttpRequest, exc: Any) -> HttpResponse:
        response = api.create_response(request, error_body(request, exc), status=exc.status)
        if (wait := exc.extra.get("retry_after_seconds")) is not None:
            response["Retry-After"] = str(int(wait))
        return response

    api.add_exception_handler(DomainError, reply)

    def invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        details = [
            {"loc": [str(p) for p in e.get("loc", [])], "msg": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        return reply(request, DomainError("invalid_input", errors=details))

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        return reply(request, DomainError("not_authenticated"))

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return reply(request, DomainError("not_found"))

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        code = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}.get(
            exc.status_code, "invalid_input"
        )
        return reply(request, DomainError(code))

    def database_down(request: HttpRequest, exc: Any) -> HttpResponse:
        # The database restarted or is unreachable: the transaction was rolled back, so the
        # client gets a clear, retryable 503 (with Idempotency-Key a retry is safe).
        log.warning("database unavailable: %s", exc)
        return reply(request, DomainError("service_unavailable", retry_after_seconds=2))

    api.add_exception_handler(OperationalError, database_down)
    api.add_exception_handler(InterfaceError, database_down)
    api.add_exception_handler(NinjaValidationError, invalid)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(HttpError, http_error)
