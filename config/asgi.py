"""The ASGI application: pages, API and event streams from one server (docs/architecture.md,
decision 13).

Event streams are Django's ASGI handler: an open stream is only a coroutine waiting on the
process hub's queue (officepass/api/streams.py, officepass/ops/fanout.py). They skip Django's
per-request `ThreadSensitiveContext`, so their few sync steps (the request signals, the
middleware around an async view) run on the process's one shared sync thread.

Every other request — pages, API — is Django's WSGI handler on a fixed pool of WEB_THREADS
threads (a2wsgi), as under a threaded WSGI server: the middleware and the view run in one
thread, the thread and its database connection serve request after request. Through Django's
ASGI handler the same sync view cost a new thread per request (its `ThreadSensitiveContext`)
and three hand-overs between that thread and the event loop (the sync middleware, the async
handler inside them, the sync view): 4.8 ms of web CPU a check-in against 3.4 ms this way
(issue 18, docs/architecture.md).
"""

import os
from typing import Any

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()
wsgi_application = WSGIMiddleware(
    get_wsgi_application(),  # type: ignore[arg-type]
    workers=int(os.environ.get("WEB_THREADS") or 16),
)

from officepass.api.streams import STREAM_PATHS  # noqa: E402  (needs Django set up)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope.get("path") in STREAM_PATHS:
        await django_application.handle(scope, receive, send)
    elif scope["type"] == "http":
        await wsgi_application(scope, receive, send)  # type: ignore[arg-type]
    else:
        await django_application(scope, receive, send)
