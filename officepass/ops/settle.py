"""A server worker's last step before its first request (gunicorn's `post_worker_init`,
officepass/ops/gunicorn_conf.py).

It loads the URLconf — every view, the API and its schemas — now rather than during the
first request, then moves everything loaded so far out of the cyclic garbage collector's
reach (`gc.freeze`, as the Python documentation suggests for servers): Django, the
libraries and the app are some 150,000 long-lived objects that a full collection would
otherwise walk each time, a pause of tens of milliseconds for every request in flight on
that worker (issue 18: the check-in's p99 at half load). Objects made later are collected
as before; nothing frozen was garbage (a collection runs first).
"""

import gc

from django.urls import get_resolver


def settle() -> int:
    """Load the URLconf, collect, freeze; the number of objects now frozen."""
    get_resolver().url_patterns  # noqa: B018  (imports every view)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
