"""Server-sent events of availability changes (ARCHITECTURE 8).

Each open stream follows the change log written by every process's transactions, so a
check-in anywhere reaches every viewer within one poll interval (0.5 s by default).
Resumes from `Last-Event-ID`; ends after STREAM_MAX_SECONDS and lets EventSource reconnect.
"""

import json
import time
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, StreamingHttpResponse

from officepass.stays.models import AvailabilityChange

POLL_SECONDS = settings.STREAM_POLL_SECONDS
MAX_SECONDS = settings.STREAM_MAX_SECONDS
HEARTBEAT_SECONDS = 15.0


def _start_id(request: HttpRequest) -> int:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or ""
    if raw.isdigit():
        return int(raw)
    return AvailabilityChange.objects.aggregate(m=Max("id"))["m"] or 0


def _office_ids(request: HttpRequest) -> set[int]:
    return {int(v) for v in request.GET.getlist("office_id") if v.isdigit()}


def events(last_id: int, office_ids: set[int], max_seconds: float = MAX_SECONDS) -> Iterator[str]:
    from officepass.stays.selectors import spaces_snapshot

    yield f"retry: 2000\n: officepass availability from {last_id}\n\n"
    started = quiet_since = time.monotonic()
    while time.monotonic() - started < max_seconds:
        changes = AvailabilityChange.objects.filter(id__gt=last_id).order_by("id")
        if office_ids:
            changes = changes.filter(office_id__in=office_ids)
        rows = list(changes.values_list("id", "space_id")[:1000])
        if rows:
            last_id = rows[-1][0]
            for space in spaces_snapshot(sorted({space_id for _, space_id in rows})):
                data = json.dumps(space, ensure_ascii=False)
                yield f"id: {last_id}\nevent: space\ndata: {data}\n\n"
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        time.sleep(POLL_SECONDS)


def availability_stream(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        events(_start_id(request), _office_ids(request)), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
