"""The shared cache as the lock drivers use it: an outage (Redis down) degrades, never raises.

Each helper answers None when the cache cannot be reached, and the caller falls back to
what the database guarantees: a command is sent once because `lock_command_send` marks it
attempted with a guarded UPDATE first; health is asked of the vendor instead of remembered;
an unreachable budget counter lets the call through (the vendor keeps its own limit).
"""

import logging
from typing import Any

import redis
from django.core.cache import cache

log = logging.getLogger(__name__)
OUTAGE = (redis.RedisError, OSError)


def _warn(what: str, exc: Exception) -> None:
    log.warning("shared cache unavailable (%s): %s", what, type(exc).__name__)


def cache_add(key: str, value: Any, timeout: float) -> bool | None:
    try:
        return bool(cache.add(key, value, timeout=timeout))
    except OUTAGE as exc:
        _warn("add", exc)
        return None


def cache_get(key: str) -> Any | None:
    try:
        return cache.get(key)
    except OUTAGE as exc:
        _warn("get", exc)
        return None


def cache_set(key: str, value: Any, timeout: float) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except OUTAGE as exc:
        _warn("set", exc)


def cache_delete(key: str) -> None:
    try:
        cache.delete(key)
    except OUTAGE as exc:
        _warn("delete", exc)


def cache_count(key: str, *, timeout: float) -> int | None:
    """Add one to a counter and return it (None on an outage)."""
    try:
        cache.add(key, 0, timeout=timeout)
        try:
            return int(cache.incr(key))
        except ValueError:  # evicted between add and incr
            cache.add(key, 1, timeout=timeout)
            return 1
    except OUTAGE as exc:
        _warn("incr", exc)
        return None


def cache_uncount(key: str) -> None:
    """Take back one counted (a refused call)."""
    try:
        cache.decr(key)
    except (ValueError, *OUTAGE) as exc:
        _warn("decr", exc)
