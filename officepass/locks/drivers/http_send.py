"""Send one HTTP request to a door at most once, and never after its deadline.

Shared by the HTTP drivers (webhook, switchbot). What matters for a door is whether the request
may have left us: we learn it from httpcore's trace hook, which fires just before the request
headers are written. Before that point a failure is provably harmless (retryable); after it the
door may have opened, so the caller reports `unknown` and never re-sends.
"""

import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx

from officepass.core import clock
from officepass.locks.drivers.base import LockError, Outcome, UnlockResult
from officepass.locks.drivers.shared_cache import cache_add, cache_delete

log = logging.getLogger(__name__)

# A claim lives as long as anyone could still ask for the same command (commands expire in
# seconds); a day is generous and keeps the cache small.
CLAIM_SECONDS = 24 * 3600
MEMO_SIZE = 10_000


class NoAnswer(Exception):
    """The request started to leave us but no answer came back: it may have reached the door."""


class _DeadlinePassed(Exception):
    pass


def seconds_left(not_after: datetime) -> float:
    return (not_after - clock.now()).total_seconds()


def send_before(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    content: bytes | None = None,
    not_after: datetime,
    timeout: float,
) -> httpx.Response:
    """Send once unless `not_after` has passed by the time the first byte would go out.

    The HTTP timeout is the smaller of `timeout` and the seconds left, so a slow connect cannot
    push the send past the deadline. No redirects (a moved door URL is a configuration error)
    and no retries. Raises LockError (expired / offline) when nothing left us, NoAnswer when
    something did but no response came back.
    """
    left = seconds_left(not_after)
    if left <= 0:
        raise LockError("expired", "deadline passed before sending")
    started = False

    def trace(event: str, info: dict[str, Any]) -> None:
        nonlocal started
        if event.endswith("send_request_headers.started"):
            if clock.now() >= not_after:
                raise _DeadlinePassed
            started = True

    limit = httpx.Timeout(max(min(timeout, left), 0.001))
    transport = httpx.HTTPTransport(retries=0)
    with httpx.Client(timeout=limit, follow_redirects=False, transport=transport) as client:
        request = client.build_request(method, url, headers=headers, content=content)
        request.extensions = {**request.extensions, "trace": trace}
        try:
            return client.send(request)
        except _DeadlinePassed:
            raise LockError("expired", "deadline passed while connecting") from None
        except httpx.HTTPError as exc:
            if started:
                raise NoAnswer(type(exc).__name__) from None
            raise LockError("offline", f"not sent: {type(exc).__name__}", retryable=True) from None


class SendOnce:
    """Acts on each request id once: a per-process memo of results, and a claim in the cache.

    The cache claim (an atomic `add`) stops a second process from sending a command another one
    already sent when the cache is shared (Redis in production). A failure that provably never
    left us releases the claim so the command may be tried again. With the cache down the
    command is sent: `lock_command_send` has already claimed it in the database.
    """

    def __init__(self) -> None:
        self._memo: OrderedDict[UUID, UnlockResult | LockError] = OrderedDict()

    def run(self, request_id: UUID, send: Callable[[], UnlockResult]) -> UnlockResult:
        if request_id in self._memo:
            return self._replay(self._memo[request_id])
        key = f"locks:sent:{request_id}"
        # None: the cache is down; the database's attempted_at claim still sends it once.
        if cache_add(key, 1, timeout=CLAIM_SECONDS) is False:
            log.warning("unlock %s already sent by another worker: not re-sent", request_id)
            return UnlockResult(Outcome.UNKNOWN, {"duplicate": True})
        try:
            result = send()
        except LockError as exc:
            if exc.retryable:
                cache_delete(key)
            else:
                self._remember(request_id, exc)
            raise
        self._remember(request_id, result)
        return result

    @staticmethod
    def _replay(previous: UnlockResult | LockError) -> UnlockResult:
        if isinstance(previous, LockError):
            raise previous
        return previous

    def _remember(self, request_id: UUID, outcome: UnlockResult | LockError) -> None:
        self._memo[request_id] = outcome
        while len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)


once = SendOnce()
