"""API calls without a cookie on a shorter middleware chain (issue 18).

A request under /api/ that sends no cookie — a bearer-token client, or anyone reading the
public lists — has no use for six of the fifteen middleware: there is no session to load, no
CSRF cookie to check or set (every view under /api/ is `csrf_exempt`; ninja checks CSRF
itself, for session callers only), no session user, no allauth flow, no member-app language
(it skips /api/ anyway), no flash messages and no static file. Such a request takes
`lane_middleware(MIDDLEWARE)`: the others, in the same order, with `NoCookieUserMiddleware`
where the session was (API_LANE=false in the environment sends every request through the
whole chain). Everything else — the view, the errors, the headers, the request log — is the
same: tests/api/test_lane.py sends the same requests through both chains and compares the
answers byte for byte, and the test client takes the lane too (tests/conftest.py), so the
whole API suite runs on it. It saves about 0.3 ms of web CPU a request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

API_PREFIX = "/api/"


def in_lane(environ: dict[str, Any]) -> bool:
    """An API request without a cookie (an empty Cookie header is none)."""
    return not environ.get("HTTP_COOKIE") and environ.get("PATH_INFO", "").startswith(API_PREFIX)


class NoCookieUserMiddleware:
    """What the session and authentication middleware give a request without a cookie: an
    anonymous `request.user` (a bearer token then names the user). As with a session,
    reading it makes the answer vary by cookie (`Vary: Cookie`): with one it could differ."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        read: list[bool] = []

        def anonymous() -> AnonymousUser:
            read.append(True)
            return AnonymousUser()

        request.user = SimpleLazyObject(anonymous)  # type: ignore[assignment]
        response = self.get_response(request)
        if read:
            patch_vary_headers(response, ("Cookie",))
        return response


@contextmanager
def _middleware(paths: list[str]) -> Iterator[None]:
    # Django's handler reads its chain from settings.MIDDLEWARE; this runs once per process,
    # while the application is built, before any request.
    full = settings.MIDDLEWARE
    settings.MIDDLEWARE = paths
    try:
        yield
    finally:
        settings.MIDDLEWARE = full


class _LaneHandler(WSGIHandler):
    def __init__(self, whole: list[str]) -> None:
        self.whole = whole
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        with _middleware(lane_middleware(self.whole)):
            super().load_middleware(is_async)


def lane_handler(middleware: list[str]) -> WSGIHandler:
    """A handler on the lane of `middleware` (the test client's way to the lane). Its
    middleware read their settings when it is built, as Django's own handler's do."""
    return _LaneHandler(list(middleware))


class LanedHandler:
    """Django's WSGI handler, and a second one on the lane for `in_lane` requests."""

    def __init__(self) -> None:
        self.full = WSGIHandler()
        self.lane = _LaneHandler(settings.MIDDLEWARE) if settings.API_LANE else self.full

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        handler = self.lane if in_lane(environ) else self.full
        return handler(environ, start_response)


def lane_middleware(full: list[str]) -> list[str]:
    """The lane's chain: `full` without what needs a cookie, the session's stand-in in its place."""
    session = "django.contrib.sessions.middleware.SessionMiddleware"
    return [
        "officepass.api.lane.NoCookieUserMiddleware" if path == session else path
        for path in full
        if path not in NEEDS_A_COOKIE
    ]


NEEDS_A_COOKIE = frozenset(
    {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "allauth.account.middleware.AccountMiddleware",
        "officepass.web.middleware.MemberLanguageMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    }
)
