"""The ASGI application: pages, API and event streams from one server (docs/architecture.md,
decision 13).

Event streams are Django's ASGI handler: an open stream is only a coroutine waiting on the
process hub's queue (officepass/api/streams.py, officepass/ops/fanout.py). They skip Django's
per-request `ThreadSensitiveContext`, so their few sync steps (the request signals, the
middleware around an async view) run on the process's one shared sync thread.

Every other request — pages, API — is Django's WSGI handler on a fixed pool of WEB_THREADS
threads, as under a threaded WSGI server: the middleware and the view run in one thread, the
thread and its database connection serve request after request. Through Django's ASGI
handler the same sync view cost a new thread per request (its `ThreadSensitiveContext`) and
three hand-overs between that thread and the event loop (the sync middleware, the async
handler inside them, the sync view): 4.8 ms of web CPU a check-in against 3.4 ms on a2wsgi's
pool (issue 18, docs/architecture.md). officepass/ops/wsgi_threads.py then cut a2wsgi's five
or six hand-overs a request to two (4.9 → 4.3 ms of worker CPU a check-in over HTTP; 1.28 →
0.74 ms a `/healthz`); a2wsgi still takes large or chunked bodies. WEB_ADAPTER=a2wsgi puts
a2wsgi back for everything (to compare, or if ours misbehaves). API calls without a cookie
take a shorter middleware chain (officepass/api/lane.py; API_LANE=false turns it off).
"""

import os
from typing import Any

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application

from officepass.ops.wsgi_threads import WSGIOnThreads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from officepass.api.lane import LanedHandler  # noqa: E402  (needs Django set up)

_threads = int(os.environ.get("WEB_THREADS") or 16)
_handler = LanedHandler()  # Django's WSGI handler; bearer API calls on the short chain
if os.environ.get("WEB_ADAPTER", "") == "a2wsgi":
    wsgi_application: Any = WSGIMiddleware(_handler, workers=_threads)  # type: ignore[arg-type]
else:
    wsgi_application = WSGIOnThreads(_handler, workers=_threads)

from officepass.api.streams import STREAM_PATHS  # noqa: E402  (needs Django set up)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope.get("path") in STREAM_PATHS:
        await django_application.handle(scope, receive, send)
    elif scope["type"] == "http":
        await wsgi_application(scope, receive, send)
    else:
        await django_application(scope, receive, send)
