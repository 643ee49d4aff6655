"""The vendor's daily call limit (10,000 per token), counted on our side before each call.

Past the limit SwitchBot answers a bare 401 "Unauthorized", indistinguishable from a bad token,
so we refuse locally with `rate_limited` instead. The count lives in Django's cache, keyed by a
hash of the token (never the token itself) and the UTC day; with a shared cache (Redis) it is
one count for every process. Status polls stop `reserve` calls early so unlocks keep a margin.
"""

import hashlib

from django.core.cache import cache

from officepass.core import clock

DAILY_LIMIT = 10_000


def _key(token: str) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    return f"locks:switchbot:calls:{digest}:{clock.now().date().isoformat()}"


def take_call(token: str, *, limit: int = DAILY_LIMIT, reserve: int = 0) -> bool:
    """Count one call; False (and nothing counted) if it would pass `limit - reserve`."""
    key = _key(token)
    cache.add(key, 0, timeout=2 * 24 * 3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.add(key, 1, timeout=2 * 24 * 3600)
        count = 1
    if count > limit - reserve:
        cache.decr(key)
        return False
    return True


def calls_today(token: str) -> int:
    return int(cache.get(_key(token), 0))
