"""officepass/ops/wsgi_threads.py (issue 18): Django's WSGI handler on pool threads inside the
ASGI server, one hand-over each way. It must answer what the handler answers, hand over a body
sent in pieces whole, stream a streamed response as it is produced, and leave large or
chunked bodies to a2wsgi."""

import asyncio
import json
import threading
from collections.abc import Sequence
from typing import Any

import pytest
from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

from officepass.ops import wsgi_threads
from officepass.ops.wsgi_threads import WSGIOnThreads


def scope(method: str, path: str, headers: Sequence[tuple[bytes, bytes]] = ()) -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def call(app: Any, request: dict[str, Any], pieces: list[bytes]) -> list[dict[str, Any]]:
    """Send the body in `pieces` (one ASGI message each); the messages the app sent back."""
    incoming = [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
        for i, piece in enumerate(pieces or [b""])
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await asyncio.Event().wait()  # the client stays; never reached by a whole request
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(app(request, receive, send), 30)
    return sent


class Counting:
    """a2wsgi's middleware, counting the requests it was given."""

    def __init__(self, app: Any) -> None:
        self.inner = WSGIMiddleware(app, workers=2)
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        await self.inner(scope, receive, send)


def echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A WSGI app answering with what it read and its thread's name."""
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Seen", str(len(body)))])
    return [json.dumps({"body": body.decode(), "thread": threading.current_thread().name}).encode()]


def test_a_body_sent_in_pieces_reaches_the_app_whole_on_a_pool_thread():
    fallback = Counting(echo)
    app = WSGIOnThreads(echo, workers=2, fallback=fallback)
    request = scope("POST", "/echo", [(b"content-length", b"11")])
    sent = asyncio.run(call(app, request, [b"hello", b" ", b"world"]))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200 and (b"x-seen", b"11") in sent[0]["headers"]
    answer = json.loads(sent[1]["body"])
    assert answer["body"] == "hello world" and answer["thread"].startswith("wsgi")
    assert fallback.calls == 0


@pytest.mark.parametrize(
    "headers",
    [
        [(b"content-length", str(wsgi_threads.BUFFERED_BODY_BYTES + 1).encode())],
        [(b"transfer-encoding", b"chunked")],
        [(b"content-length", b"nonsense")],
    ],
)
def test_a_large_or_unknown_length_body_is_left_to_a2wsgi(headers):
    fallback = Counting(echo)
    app = WSGIOnThreads(echo, workers=2, fallback=fallback)
    body = b"x" * (wsgi_threads.BUFFERED_BODY_BYTES + 1)
    sent = asyncio.run(call(app, scope("POST", "/echo", headers), [body[:1000], body[1000:]]))
    assert fallback.calls == 1
    assert sent[0]["status"] == 200


def test_a_streamed_response_goes_out_as_it_is_produced():
    """The second chunk is produced only after the first has reached the client: a buffered
    answer would wait forever (the test's timeout turns that into a failure)."""
    first_out = threading.Event()

    class Streamed:
        streaming = True
        closed = False

        def __iter__(self):
            yield b"first,"
            assert first_out.wait(10), "the first chunk was held back"
            yield b"second"

        def close(self) -> None:
            Streamed.closed = True

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/csv")])
        return Streamed()

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message.get("body") == b"first,":
            first_out.set()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    handler = WSGIOnThreads(app, workers=2, fallback=Counting(app))
    asyncio.run(asyncio.wait_for(handler(scope("GET", "/export.csv"), receive, send), 30))
    assert b"".join(m.get("body", b"") for m in sent) == b"first,second"
    assert sent[0]["type"] == "http.response.start" and sent[-1] == {
        "type": "http.response.body",
        "body": b"",
    }
    assert Streamed.closed


def test_a_client_gone_before_its_body_is_whole_is_not_answered():
    called = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        called.append(environ)
        start_response("200 OK", [])
        return [b""]

    messages = [
        {"type": "http.request", "body": b"part", "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    handler = WSGIOnThreads(app, workers=2, fallback=Counting(app))
    request = scope("POST", "/echo", [(b"content-length", b"100")])
    asyncio.run(asyncio.wait_for(handler(request, receive, send), 30))
    assert called == [] and sent == []


@pytest.mark.django_db(transaction=True)
def test_django_answers_through_it_as_through_a2wsgi():
    """The API's own answers, byte for byte the same both ways: a JSON error for a bad
    sign-in (the body read by Django), and the health check."""
    django_app = get_wsgi_application()
    ours = WSGIOnThreads(django_app, workers=2, fallback=Counting(django_app))
    theirs = WSGIMiddleware(django_app, workers=2)
    signin = json.dumps({"email": "nobody@example.com", "password": "wrong"}).encode()
    cases = [
        (scope("GET", "/healthz"), [b""]),
        (
            scope(
                "POST",
                "/api/v1/auth/token",
                [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(signin))],
            ),
            [signin[:7], signin[7:]],
        ),
    ]
    for request, pieces in cases:
        a = asyncio.run(call(ours, dict(request), pieces))
        b = asyncio.run(call(theirs, dict(request), pieces))
        assert a[0]["status"] == b[0]["status"]
        body_a = b"".join(m.get("body", b"") for m in a)
        body_b = b"".join(m.get("body", b"") for m in b)
        assert body_a == body_b
        drop = {b"x-request-id", b"date"}
        assert sorted(h for h in a[0]["headers"] if h[0] not in drop) == sorted(
            h for h in b[0]["headers"] if h[0] not in drop
        )
    assert json.loads(body_a)["code"] in {"invalid_credentials", "login_blocked"}


def test_a2wsgi_takes_large_bodies_on_the_same_threads():
    """One pool per process: the threads (each with its database connection) stay
    WEB_THREADS, whichever way a request is served."""
    app = WSGIOnThreads(echo, workers=2)
    body = b"y" * (wsgi_threads.BUFFERED_BODY_BYTES + 5)
    headers = [(b"content-length", str(len(body)).encode())]
    sent = asyncio.run(call(app, scope("POST", "/echo", headers), [body]))
    answer = json.loads(b"".join(m.get("body", b"") for m in sent))
    assert len(answer["body"]) == len(body) and answer["thread"].startswith("wsgi")
    assert app.fallback.executor is app.executor
