"""One structured log line and the Prometheus counts for every request, with a request id."""

import logging
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from officepass.ops.metrics import observe

log = logging.getLogger("officepass.request")
SKIP_LOG = {"healthz", "readyz", "metrics"}


def route_of(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.route if match is not None and match.route else "unmatched"


def request_id_of(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    if given and len(given) <= 128 and given.isprintable():
        return given
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Outermost middleware: times the request, answers `X-Request-ID`, logs and counts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        route = route_of(request)
        response["X-Request-ID"] = request_id
        observe(route, request.method or "", response.status_code, seconds)
        if route not in SKIP_LOG:
            user = getattr(request, "auth", None)
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": request.method,
                    "route": route,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 2),
                    "user_id": getattr(user, "pk", None),
                },
            )
        return response
