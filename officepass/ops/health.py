"""Liveness (/healthz) and readiness (/readyz) for load balancers and orchestrators.

/healthz answers 200 while the process can serve at all (no database touched).
/readyz answers 200 only when the database answers, every migration is applied, the cache
works and, with REDIS_URL, Redis answers; otherwise 503 with the failing checks.
"""

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

_migrated = False


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_migrations() -> None:
    """No unapplied migration (remembered once true: migrations never un-apply under us)."""
    global _migrated
    if _migrated:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migration(s) not applied")
    _migrated = True


def check_cache() -> None:
    key, value = "ops:ready", uuid.uuid4().hex
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return what was stored")


def check_redis() -> None:
    from officepass.ops.fanout import redis_client

    client = redis_client()
    if client is not None and not client.ping():
        raise RuntimeError("redis did not answer PING")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
}


def readyz(request: HttpRequest) -> JsonResponse:
    checks = dict(CHECKS)
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    results: dict[str, str] = {}
    ok = True
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # every failure is a "not ready", never a 500
            ok = False
            results[name] = f"failed: {type(exc).__name__}: {exc}"[:300]
        else:
            results[name] = f"ok ({(time.perf_counter() - started) * 1000:.1f} ms)"
    return JsonResponse(
        {"status": "ready" if ok else "not ready", "checks": results}, status=200 if ok else 503
    )
