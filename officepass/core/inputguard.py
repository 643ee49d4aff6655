"""Input no view should see: NUL bytes anywhere, bodies over the size limit.

PostgreSQL cannot store a NUL character in a text column (psycopg raises before the query
runs), so a NUL in any field, filter or header reached the database as a 500. One
middleware refuses it before any view, for the API, the member app, the console and the
admin alike: `invalid_input` (400). Oversized bodies (Django's RequestDataTooBig) and too
many fields answer `request_too_large` (413). Both are raised as Django's BadRequest so the
project's one `handler400` (officepass/core/inputguard.py `bad_request`) shapes the answer:
`{code, message}` JSON under /api/, an HTML page elsewhere.
"""

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from officepass.core.errors import DomainError

NUL = "\x00"
API_PREFIX = "/api/"
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


class InvalidInput(BadRequest):
    """A NUL character in the path, a header, a query or form field, or a JSON string; or a
    form body that cannot be parsed (multipart without a boundary)."""


def _has_nul(values: Iterable[str]) -> bool:
    """A NUL in a text, or in what a text decodes to as JSON (`"\\u0000"` holds no NUL byte
    but a JSON form field, such as the console's lock settings, stores one in jsonb)."""
    return any(NUL in v or ("\\u0000" in v and _json_text_has_nul(v)) for v in values)


def _json_text_has_nul(text: str | bytes) -> bool:
    try:
        return _json_has_nul(json.loads(text))
    except ValueError:
        return False  # not JSON: the view refuses it with its own error
    except RecursionError:
        return True  # too deep to look through: refused rather than stored unseen


def _json_has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return _has_nul(value) or any(_json_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_json_has_nul(v) for v in value)
    return False


def _fields_have_nul(fields: QueryDict) -> bool:
    return _has_nul(fields) or _has_nul(v for _, vs in fields.lists() for v in vs)


def _body_has_nul(request: HttpRequest) -> bool:
    if request.content_type in FORMS and not request.path.startswith(API_PREFIX):
        # Pages read forms field by field (files streamed to disk); the API reads raw bodies
        # (JSON, signed webhooks), which a parsed multipart body could no longer give them.
        try:
            fields, files = request.POST, request.FILES
        except MultiPartParserError as exc:
            raise InvalidInput("malformed multipart body") from exc
        names = [f.name or "" for _, uploads in files.lists() for f in uploads]
        return _fields_have_nul(fields) or _has_nul(names)
    body = request.body  # raises RequestDataTooBig over DATA_UPLOAD_MAX_MEMORY_SIZE
    if b"\x00" in body:
        return True
    return b"\\u0000" in body and _json_text_has_nul(body)


def has_nul(request: HttpRequest) -> bool:
    headers = (v for k, v in request.META.items() if k.startswith("HTTP_") and isinstance(v, str))
    return (
        NUL in request.path
        or _has_nul(headers)
        or _fields_have_nul(request.GET)
        or (request.method not in ("GET", "HEAD", "OPTIONS") and _body_has_nul(request))
    )


class InputGuardMiddleware:
    """Refuses a request with a NUL character or an oversized body before any view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            raise InvalidInput("NUL character in the request")
        return self.get_response(request)


def refusal_for(exception: Exception | None) -> DomainError:
    if isinstance(exception, TOO_LARGE):
        return DomainError("request_too_large")
    return DomainError("invalid_input")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The project's handler400: every BadRequest and SuspiciousOperation ends here."""
    error = refusal_for(exception)
    if request.path.startswith(API_PREFIX):
        body = {"code": error.code, "message": str(error.message)}
        return JsonResponse(body, status=error.status)
    return render(request, "core/bad_request.html", {"error": error}, status=error.status)
