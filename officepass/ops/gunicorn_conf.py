"""gunicorn settings for officepass (`gunicorn -c python:officepass.ops.gunicorn_conf ...`).

Only what every deployment needs: each worker's last step before its first request
(officepass/ops/settle.py: the URLconf loaded, startup's objects frozen out of the garbage
collector's full passes) and the Prometheus multiprocess clean-up when a worker exits.
Everything else stays on the command line. `make run` (the Procfile) and production start
the same ASGI server (docs/architecture.md, decision 13): `gunicorn config.asgi:application
--worker-class uvicorn_worker.UvicornWorker -c python:officepass.ops.gunicorn_conf`, so pages, API
and event streams share one server and an open stream is a coroutine, not a thread.
"""

from typing import Any

from officepass.ops.metrics import child_exit

__all__ = ["child_exit", "post_worker_init"]


def post_worker_init(worker: Any) -> None:
    from officepass.ops.settle import settle

    worker.log.info("worker settled: %d objects frozen", settle())
