"""Prometheus metrics (prometheus-client), served at /metrics.

Several processes (gunicorn workers, uvicorn workers) each count in their own files under
PROMETHEUS_MULTIPROC_DIR when it is set, and /metrics adds them up (the client's
multiprocess mode); without it, each process reports its own counts.
"""

import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as mp

REQUESTS = Counter(
    "officepass_http_requests_total", "HTTP requests by route", ["route", "method", "status"]
)
LATENCY = Histogram(
    "officepass_http_request_duration_seconds",
    "Time to build the response, by route",
    ["route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
CHECKINS = Counter("officepass_checkins_total", "POST /api/v1/stays answers", ["status"])
UNLOCKS = Counter("officepass_unlocks_total", "unlock requests answered", ["status"])
STREAMS = Gauge(
    "officepass_streams_open", "open availability event streams", multiprocess_mode="livesum"
)
FANOUT_BATCHES = Counter(
    "officepass_stream_batches_total", "change-log batches sent to a process's open streams"
)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def observe(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route, method).observe(seconds)
    if method == "POST":
        if route == "api/v1/stays":
            CHECKINS.labels(str(status)).inc()
        elif route.endswith("/unlock"):
            UNLOCKS.labels(str(status)).inc()


def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if token and request.headers.get("Authorization", "") != f"Bearer {token}":
        return HttpResponse(status=401)
    if multiprocess_dir():
        registry = CollectorRegistry()
        mp.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def child_exit(server: object, worker: object) -> None:
    """gunicorn hook (officepass/ops/gunicorn_conf.py): drop a dead worker's live gauges."""
    if multiprocess_dir():
        mp.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
