"""Django's WSGI handler on a fixed pool of threads inside the ASGI server, with one hand-over
each way (issue 18).

a2wsgi (config/asgi.py's first way) runs the handler on a thread pool too, but hands every
step back to the event loop and waits for it there: reading the body, starting the response,
each body chunk and its end, five or six waits a request. Served by gunicorn + uvicorn, a
`GET /healthz` cost 1.28 ms of worker CPU against 0.32 ms for the handler alone. Here the
loop reads a small body first, the thread runs the handler with the body in hand and returns
the whole response, and the loop sends it: one hand-over to the thread, one back.

What does not fit is left to a2wsgi, unchanged: a body larger than BUFFERED_BODY_BYTES or of
unknown length (chunked), and a streamed response (a CSV export, a file), whose chunks go out
as the thread produces them.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import io
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import build_environ

# Larger bodies are read by the handler as it goes (a2wsgi), not held here first.
BUFFERED_BODY_BYTES = 256 * 1024

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]
Response = tuple[Message, bytes]


def _start(started: list[Any]) -> Message:
    """The ASGI start message for what the app gave `start_response`."""
    status, headers = started
    return {
        "type": "http.response.start",
        "status": int(status.split(" ", 1)[0]),
        "headers": [
            (name.strip().lower().encode("latin1"), value.encode("latin1"))
            for name, value in headers
        ],
    }


def _fits(scope: Scope) -> bool:
    """A body of known, small length (or none)."""
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding":
            return False
        if name == b"content-length":
            try:
                return int(value) <= BUFFERED_BODY_BYTES
            except ValueError:
                return False
    return True


class WSGIOnThreads:
    """An ASGI app serving HTTP requests with the WSGI `app` on `workers` threads; `fallback`
    takes what does not fit: by default a2wsgi over the same app and the same threads (so a
    process holds no more threads, nor database connections, than WEB_THREADS)."""

    def __init__(self, app: Any, *, workers: int, fallback: Any = None) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wsgi")
        if fallback is None:
            fallback = WSGIMiddleware(app, workers=1)  # its pool starts no thread unused
            fallback.executor = self.executor
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _fits(scope):
            await self.fallback(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left before its request was whole: nothing to answer
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        environ = cast(dict[str, Any], build_environ(scope, None))  # type: ignore[arg-type]
        environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        respond = functools.partial(context.run, self._respond, environ, loop, send)
        response = await loop.run_in_executor(self.executor, respond)
        if response is not None:
            start, body = response
            await send(start)
            await send({"type": "http.response.body", "body": body})

    def _respond(
        self, environ: dict[str, Any], loop: asyncio.AbstractEventLoop, send: Send
    ) -> Response | None:
        """On a pool thread: the whole response, or None once a streamed one has been sent."""
        started: list[Any] = []
        written: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            started[:] = [status, headers]
            return written.append

        iterable: Iterable[bytes] = self.app(environ, start_response)
        try:
            if getattr(iterable, "streaming", False):
                self._stream(iterable, started, written, loop, send)
                return None
            body = b"".join([*written, *iterable])
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        return _start(started), body

    @staticmethod
    def _stream(
        iterable: Iterable[bytes],
        started: list[Any],
        written: list[bytes],
        loop: asyncio.AbstractEventLoop,
        send: Send,
    ) -> None:
        def out(message: Message) -> None:
            asyncio.run_coroutine_threadsafe(send(message), loop).result()

        out(_start(started))
        for chunks in (written, iterable):
            for chunk in chunks:
                if chunk:
                    out({"type": "http.response.body", "body": chunk, "more_body": True})
        out({"type": "http.response.body", "body": b""})
