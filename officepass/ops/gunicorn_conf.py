"""gunicorn settings for officepass (`gunicorn -c python:officepass.ops.gunicorn_conf ...`).

Only what every deployment needs: each worker's last step before its first request
(officepass/ops/settle.py: the URLconf loaded, startup's objects frozen out of the garbage
collector's full passes) and the Prometheus multiprocess clean-up when a worker exits.
Each worker listens on a socket of its own (`reuse_port` below).
Everything else stays on the command line. `make run` (the Procfile) and production start
the same ASGI server (docs/architecture.md, decision 13): `gunicorn config.asgi:application
--worker-class uvicorn_worker.UvicornWorker -c python:officepass.ops.gunicorn_conf`, so pages, API
and event streams share one server and an open stream is a coroutine, not a thread.
"""

import os
import sys
from typing import Any

from officepass.ops.metrics import child_exit

__all__ = ["child_exit", "post_worker_init", "reuse_port"]

# Each worker listens on a socket of its own (SO_REUSEPORT; gunicorn's `reuse_port`: the
# master then opens none) and the kernel hands each new connection to one of them by a hash of
# its addresses. On the one socket the master opened for all, each uvicorn worker accepted every
# connection waiting when it woke, so a burst of new connections (a load generator opening its
# 16, a proxy its upstream keep-alives) went mostly to whichever worker ran first, and a
# kept-alive connection stays where it landed: in 7 of 13 runs of `benchmarks/profile_checkin.py
# --server --workers 3 --concurrency 16` (2026-12-03) at least one of the three workers held
# none, in 2 two held none (170 and 198 check-ins/s on one saturated worker); with a socket
# each, all three worked in all 13 runs (issue 18, docs/benchmarks.md).
# The trade-off, as with nginx's `reuseport`: connections the kernel queued on a worker's
# socket but the worker had not accepted yet are reset when that worker exits (a reload, a
# restart) unless `net.ipv4.tcp_migrate_req = 1` (Linux 5.14+) moves them to a sibling's;
# a hung worker's share waits until gunicorn's timeout replaces it (docs/deployment.md).
# Linux only (elsewhere SO_REUSEPORT does not spread connections); WEB_REUSEPORT=0 turns it off.
reuse_port = sys.platform == "linux" and os.environ.get("WEB_REUSEPORT", "1") not in ("0", "false")


def post_worker_init(worker: Any) -> None:
    from officepass.ops.settle import settle

    worker.log.info("worker settled: %d objects frozen", settle())
