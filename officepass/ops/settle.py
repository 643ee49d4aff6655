"""A server worker's last step before its first request (gunicorn's `post_worker_init`,
officepass/ops/gunicorn_conf.py).

It loads the URLconf — every view, the API and its schemas — now rather than during the
first request, then moves everything loaded so far out of the cyclic garbage collector's
reach (`gc.freeze`, as the Python documentation suggests for servers): Django, the
libraries and the app are some 150,000 long-lived objects that a full collection would
otherwise walk each time, a pause of tens of milliseconds for every request in flight on
that worker (issue 18: the check-in's p99 at half load). Objects made later are collected
as before; nothing frozen was garbage (a collection runs first).

It then makes the young generation's threshold 10,000 objects instead of 700. A request in
flight holds a few thousand objects; with 700, the young passes caught them alive many times a
request (16 threads in flight) and moved them to the old generation, which then filled up and
was walked whole: full passes of 51-85 ms of CPU during the bench's check-ins (2026-12-03,
measured by `time.thread_time()` in a gc callback), with the GIL held, so every request on
that worker waited. With 10,000 there was no full pass in the check-in phases of two runs,
young passes of at most 8 ms, and 2-3 % more peak memory per worker.
"""

import gc

from django.urls import get_resolver

# gc.set_threshold: young generation, then the passes of each generation before the next is
# collected (Python's own defaults are 700, 10, 10).
GC_THRESHOLDS = (10_000, 10, 10)


def settle() -> int:
    """Load the URLconf, collect, freeze, raise the young generation's threshold; the number of
    objects now frozen."""
    get_resolver().url_patterns  # noqa: B018  (imports every view)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return gc.get_freeze_count()
