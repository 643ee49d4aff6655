"""Server-sent events of availability changes (docs/architecture.md, decision 8).

Every change is written to the change log (`AvailabilityChange`) in the changing
transaction, so a check-in anywhere reaches every viewer, and a stream resumes from
`Last-Event-ID`. Ends after STREAM_MAX_SECONDS and lets EventSource reconnect.

Two ways of serving, one event format:
- under ASGI (uvicorn; how streams are served in production, docs/deployment.md) an open
  stream is a coroutine waiting on a queue: the process's hub (officepass/ops/fanout.py)
  reads the log once per change for all its streams, woken through Redis pub/sub when
  REDIS_URL is set (polling every STREAM_POLL_SECONDS without it);
- under WSGI (config/wsgi.py, Django's test client) each stream polls the log itself and
  holds a thread.

`make run` and production serve everything under ASGI (config/asgi.py): the view is async and
a stream holds no thread.
"""

import asyncio
import random
import time
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse

from officepass.ops.fanout import format_batch, hub, latest_change_id, load_batch, read_changes
from officepass.ops.metrics import STREAMS

POLL_SECONDS = settings.STREAM_POLL_SECONDS
MAX_SECONDS = settings.STREAM_MAX_SECONDS
HEARTBEAT_SECONDS = 15.0
# Served under ASGI without a thread of their own (config/asgi.py).
STREAM_PATHS = frozenset({"/api/v1/availability/stream"})


def _given_id(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or ""
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _office_ids(request: HttpRequest) -> set[int]:
    return {int(v) for v in request.GET.getlist("office_id") if v.isdigit() and len(v) < 19}


def events(last_id: int, office_ids: set[int], max_seconds: float = MAX_SECONDS) -> Iterator[str]:
    """The WSGI stream: polls the change log every POLL_SECONDS."""
    from officepass.ops.fanout import snapshots

    yield f"retry: 2000\n: officepass availability from {last_id}\n\n"
    started = quiet_since = time.monotonic()
    while time.monotonic() - started < max_seconds:
        rows = read_changes(last_id, limit=1000, office_ids=office_ids)
        if rows:
            last_id = rows[-1][0]
            yield format_batch(rows, snapshots(row[1] for row in rows), office_ids)
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        time.sleep(POLL_SECONDS)


def first_beat() -> float:
    """A stream's first keep-alive comes after a random half to whole HEARTBEAT_SECONDS, then
    every HEARTBEAT_SECONDS of quiet: streams opened together (a page of office cards, every
    EventSource reconnecting after a restart, `make bench`'s 1,000) would otherwise all beat
    at the same instant, a burst of writes that held up every request on the worker (issue
    18: the check-in p99 with 1,000 streams open)."""
    return HEARTBEAT_SECONDS * random.uniform(0.5, 1.0)  # noqa: S311 (spreading, not secrets)


async def aevents(
    last_id: int | None, office_ids: set[int], max_seconds: float = MAX_SECONDS
) -> AsyncIterator[str]:
    """The ASGI stream: catches up from `last_id`, then takes what the process's hub sends."""
    stream_hub = await hub()
    await stream_hub.catch_up()
    sub, position = stream_hub.subscribe(office_ids)
    STREAMS.inc()
    try:
        sent = position if last_id is None else last_id
        yield f"retry: 2000\n: officepass availability from {sent}\n\n"
        while sent < position:
            rows, texts = await stream_hub.run_sync(load_batch, sent, position)
            if not rows:
                break
            sent = rows[-1][0]
            if chunk := format_batch(rows, texts, office_ids):
                yield chunk
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_seconds
        quiet = first_beat()
        while (remaining := deadline - loop.time()) > 0:
            try:
                upto, chunk = await asyncio.wait_for(sub.queue.get(), timeout=min(quiet, remaining))
            except TimeoutError:
                if remaining > quiet:
                    yield ": keep-alive\n\n"
                quiet = HEARTBEAT_SECONDS
                continue
            if upto > sent:
                sent = upto
                yield chunk
    finally:
        stream_hub.unsubscribe(sub)
        STREAMS.dec()


async def availability_stream(request: HttpRequest) -> StreamingHttpResponse:
    given, office_ids = _given_id(request), _office_ids(request)
    content: Iterator[str] | AsyncIterator[str]
    if isinstance(request, ASGIRequest):
        content = aevents(given, office_ids)
    else:
        start = given if given is not None else await sync_to_async(latest_change_id)()
        content = events(start, office_ids)
    response = StreamingHttpResponse(content, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
