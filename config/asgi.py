"""The ASGI application: pages, API and event streams from one server (docs/architecture.md,
decision 13).

Django runs each ASGI request in a `ThreadSensitiveContext`, which gives the request a thread
of its own for its sync parts (request signals, sync middleware, sync views) and keeps that
thread until the response ends. For an event stream that is minutes of an idle thread per
open page. Streams therefore skip the per-request context: their few sync steps (the
request signals, the middleware around an async view) run on the process's one shared sync
thread, and the open stream is only a coroutine waiting on the hub's queue
(officepass/api/streams.py, officepass/ops/fanout.py).
"""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from officepass.api.streams import STREAM_PATHS  # noqa: E402  (needs Django set up)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope.get("path") in STREAM_PATHS:
        await django_application.handle(scope, receive, send)
    else:
        await django_application(scope, receive, send)
