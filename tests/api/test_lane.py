"""API calls without a cookie on the short middleware chain (officepass/api/lane.py): the
same answers as the whole chain, and the whole chain whenever a cookie could matter."""

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.core import signals
from django.db import close_old_connections
from django.test import Client

from officepass.accounts.models import ApiToken
from officepass.accounts.services import token_create_for_login
from officepass.api.lane import LanedHandler, in_lane, lane_middleware
from officepass.core.models import AuditEntry
from officepass.stays.models import Stay
from tests import factories as f

pytestmark = pytest.mark.django_db
MORNING = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
# Headers that differ between any two answers.
OWN = {"X-Request-ID", "Date"}


def token(member: Any) -> str:
    return token_create_for_login(email=member.email, password=f.PASSWORD)[0]


def environ(method: str, path: str, body: bytes = b"", **headers: str) -> dict[str, Any]:
    path, _, query = path.partition("?")
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "testserver",
    }
    if body:
        env["CONTENT_TYPE"] = "application/json"
    env.update({f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()})
    return env


def answer(app: Any, env: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    started: list[Any] = []
    chunks = app(env, lambda status, headers, exc_info=None: started.append((status, headers)))
    body = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    status, headers = started[0]
    return status, [(k, v) for k, v in headers if k not in OWN], body


@pytest.fixture
def handler() -> Iterator[LanedHandler]:
    """The server's handler, called as the server calls it, but (as Django's test client does)
    without closing the database connection around each request: the test's transaction
    lives on it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield LanedHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def member(db):
    return f.member("lane@x.jp", tickets=10)


def both(handler: LanedHandler, method: str, path: str, body: bytes = b"", **headers: str):
    """The answer of the whole chain and of the lane to the same request."""
    full = answer(handler.full, environ(method, path, body, **headers))
    lane = answer(handler.lane, environ(method, path, body, **headers))
    return full, lane


def test_the_lane_is_the_chain_without_what_needs_a_cookie(settings):
    lane = lane_middleware(settings.MIDDLEWARE)
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in lane
    assert "django.middleware.csrf.CsrfViewMiddleware" not in lane
    assert "django.contrib.auth.middleware.AuthenticationMiddleware" not in lane
    kept = [path for path in lane if path != "officepass.api.lane.NoCookieUserMiddleware"]
    assert kept == [path for path in settings.MIDDLEWARE if path in kept]  # same order
    assert lane[0] == settings.MIDDLEWARE[0] == "officepass.ops.middleware.RequestLogMiddleware"
    assert (
        lane.index("officepass.api.lane.NoCookieUserMiddleware")
        == settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") - 1
    )  # where the session was (WhiteNoise before it is gone)


@pytest.mark.parametrize(
    ("env", "lane"),
    [
        ({"PATH_INFO": "/api/v1/me", "HTTP_AUTHORIZATION": "Bearer x"}, True),
        ({"PATH_INFO": "/api/v1/me", "HTTP_AUTHORIZATION": "bearer x"}, True),
        ({"PATH_INFO": "/api/v1/me", "HTTP_AUTHORIZATION": "Bearer x", "HTTP_COOKIE": ""}, True),
        (
            {"PATH_INFO": "/api/v1/me", "HTTP_AUTHORIZATION": "Bearer x", "HTTP_COOKIE": "a=b"},
            False,
        ),
        ({"PATH_INFO": "/api/v1/offices/nearby"}, True),
        ({"PATH_INFO": "/api/v1/me", "HTTP_AUTHORIZATION": "Basic eDp5"}, True),
        ({"PATH_INFO": "/me", "HTTP_AUTHORIZATION": "Bearer x"}, False),
        ({"PATH_INFO": "/static/app.css", "HTTP_AUTHORIZATION": "Bearer x"}, False),
    ],
)
def test_only_an_api_call_without_a_cookie_takes_the_lane(env, lane):
    assert in_lane(env) is lane


def test_the_lane_answers_as_the_whole_chain(handler, member):
    raw = token(member)
    bearer = f"Bearer {raw}"
    code = f.code_for(f.space())
    with time_machine.travel(MORNING, tick=False):
        cases = [
            ("GET", "/api/v1/me", b"", {}),
            ("GET", "/api/v1/me/tickets", b"", {"Accept-Language": "en"}),
            ("GET", "/api/v1/stays", b"", {"Accept-Language": "ja"}),
            ("GET", "/api/v1/offices?lat=35.68&lng=139.76", b"", {}),
            ("GET", "/api/v1/no-such-thing", b"", {}),
            ("POST", "/api/v1/stays", b"{not json", {}),
            (
                "POST",
                "/api/v1/stays",
                b'{"code": "nope", "minutes": 120}',
                {"Accept-Language": "en"},
            ),
            ("POST", "/api/v1/stays", json.dumps({"code": code, "minutes": 7}).encode(), {}),
            ("PATCH", "/api/v1/me", b"{}", {}),
        ]
        for method, path, body, headers in cases:
            full, lane = both(handler, method, path, body, Authorization=bearer, **headers)
            assert lane == full, (method, path)
            assert not full[0].startswith("5"), (method, path, full)
        # A token nobody holds, or none: 401, and (the user having been read) Vary: Cookie,
        # as the session's middleware says — with a session cookie the answer would differ.
        for headers in ({"Authorization": "Bearer op_unknown"}, {}):
            full, lane = both(handler, "GET", "/api/v1/me", **headers)
            assert lane == full and full[0].startswith("401")
            assert any(k == "Vary" and "Cookie" in v for k, v in lane[1]), lane[1]
        # The public lists, without any credentials.
        for path in (
            "/api/v1/offices/nearby?lat=35.68&lng=139.76",
            "/api/v1/offices?lat=35.68&lng=139.76",
            f"/api/v1/checkin-codes/{code}",
            "/api/v1/availability?office_id=1",
        ):
            full, lane = both(handler, "GET", path)
            assert lane == full, path
            assert not full[0].startswith("5"), (path, full)
    assert not Stay.objects.exists()  # none of these wrote anything


def test_a_check_in_and_a_sign_out_through_the_lane(handler, member):
    raw = token(member)
    code = f.code_for(f.space())
    with time_machine.travel(MORNING, tick=False):
        body = json.dumps({"code": code, "minutes": 120}).encode()
        status, headers, content = answer(
            handler, environ("POST", "/api/v1/stays", body, Authorization=f"Bearer {raw}")
        )
        assert status.startswith("201"), content
        stay = Stay.objects.get(member=member)
        assert json.loads(content)["id"] == stay.pk
        assert AuditEntry.objects.filter(target_id=str(stay.pk), actor_id=member.pk).exists()
        assert "Set-Cookie" not in dict(headers)
        status, _, _ = answer(
            handler, environ("DELETE", "/api/v1/auth/token", Authorization=f"Bearer {raw}")
        )
        assert status.startswith("204")
        assert ApiToken.objects.get().revoked_at is not None
        status, _, _ = answer(handler, environ("GET", "/api/v1/me", Authorization=f"Bearer {raw}"))
        assert status.startswith("401")  # revoking takes effect at once


def test_a_cookie_keeps_the_whole_chain_and_its_session(handler, member):
    """A signed-in web session beside a token nobody holds: the session answers (ninja tries
    the bearer, then the session). On the lane it would be a 401."""
    client = Client()
    client.force_login(member)
    cookie = "; ".join(f"{m.key}={m.value}" for m in client.cookies.values())
    env = environ("GET", "/api/v1/me", Authorization="Bearer op_unknown", Cookie=cookie)
    status, _, content = answer(handler, env)
    assert status.startswith("200"), content
    assert json.loads(content)["email"] == member.email
    assert answer(handler.lane, env)[0].startswith("401")  # what the lane would have said


def test_api_lane_false_sends_everything_through_the_whole_chain(settings):
    settings.API_LANE = False
    laned = LanedHandler()
    assert laned.lane is laned.full
