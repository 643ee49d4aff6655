"""The vendor's daily call limit (10,000 per token), counted on our side before each call.

Past the limit SwitchBot answers a bare 401 "Unauthorized", indistinguishable from a bad token,
so we refuse locally with `rate_limited` instead. The count lives in Django's cache, keyed by a
hash of the token (never the token itself) and the UTC day; with a shared cache (Redis) it is
one count for every process. Status polls stop `reserve` calls early so unlocks keep a margin.
When the cache cannot be reached the call is let through uncounted (the vendor keeps its own
limit): refusing every unlock because Redis is down would be worse.
"""

import hashlib

from officepass.core import clock
from officepass.locks.drivers.shared_cache import cache_count, cache_get, cache_uncount

DAILY_LIMIT = 10_000
KEEP_SECONDS = 2 * 24 * 3600


def _key(token: str) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()[:16]
    return f"locks:switchbot:calls:{digest}:{clock.now().date().isoformat()}"


def take_call(token: str, *, limit: int = DAILY_LIMIT, reserve: int = 0) -> bool:
    """Count one call; False (and nothing counted) if it would pass `limit - reserve`."""
    key = _key(token)
    count = cache_count(key, timeout=KEEP_SECONDS)
    if count is None:
        return True
    if count > limit - reserve:
        cache_uncount(key)
        return False
    return True


def calls_today(token: str) -> int:
    return int(cache_get(_key(token)) or 0)
