"""Availability changes fanned out to every process's open event streams.

The change log (`AvailabilityChange`, written in the changing transaction) stays the truth:
it orders events, gives their ids and lets a stream resume from `Last-Event-ID`. Redis only
carries a nudge: after each commit that wrote a change, the writing process (web or worker)
publishes the change id on STREAM_CHANNEL. Each ASGI process runs one `Hub`: one Redis
subscription and one change-log reader shared by all of its open streams. On a nudge (or
every STREAM_RESYNC_SECONDS, in case a nudge was lost) the hub reads the new log rows once,
builds the space snapshots once and hands the formatted events to every stream's queue.
Without REDIS_URL (a laptop on SQLite) the hub polls the log every STREAM_POLL_SECONDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import redis
from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Max

log = logging.getLogger("officepass.fanout")
_client: redis.Redis | None = None


def redis_client() -> redis.Redis | None:
    """The process's Redis client for publishing (None without REDIS_URL)."""
    global _client
    if not settings.REDIS_URL:
        return None
    if _client is None:
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1.0, socket_connect_timeout=1.0
        )
    return _client


_quiet_until = 0.0
# After a failed publish, skip publishing this long: a Redis outage must not add its connect
# timeout to every check-in (the hubs' resync delivers the changes meanwhile).
BACKOFF_SECONDS = 5.0


def publish(change_id: int, office_id: int | None = None) -> None:
    """Nudge every process's hub (`"<change id> <office id>"`, so that a hub none of whose
    streams watch the office need not read); a lost nudge costs at most one resync period."""
    global _quiet_until
    client = redis_client()
    if client is None or time.monotonic() < _quiet_until:
        return
    message = str(change_id) if office_id is None else f"{change_id} {office_id}"
    try:
        client.publish(settings.STREAM_CHANNEL, message)
    except (redis.RedisError, OSError) as exc:
        _quiet_until = time.monotonic() + BACKOFF_SECONDS
        log.warning("availability nudge not published", extra={"error": str(exc)})


def on_change_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and settings.REDIS_URL:
        # robust: whatever happens to the nudge, the committed request still answers.
        transaction.on_commit(lambda: publish(instance.pk, instance.office_id), robust=True)


# ---------------------------------------------------------------- reading the log (sync)

Row = tuple[int, int, int]  # change id, space id, office id


def latest_change_id() -> int:
    from officepass.stays.models import AvailabilityChange

    return AvailabilityChange.objects.aggregate(m=Max("id"))["m"] or 0


def read_changes(
    after: int, upto: int | None = None, limit: int = 5000, office_ids: set[int] | None = None
) -> list[Row]:
    from officepass.stays.models import AvailabilityChange

    rows = AvailabilityChange.objects.filter(id__gt=after).order_by("id")
    if office_ids:
        rows = rows.filter(office_id__in=office_ids)
    if upto is not None:
        rows = rows.filter(id__lte=upto)
    return list(rows.values_list("id", "space_id", "office_id")[:limit])


def snapshots(space_ids: Iterable[int]) -> dict[int, str]:
    """Space id → its availability as the event's JSON text."""
    from officepass.stays.selectors import spaces_snapshot

    return {
        space["id"]: json.dumps(space, ensure_ascii=False)
        for space in spaces_snapshot(sorted(set(space_ids)))
    }


def format_batch(rows: list[Row], texts: dict[int, str], office_ids: set[int]) -> str:
    """The events of one batch for one stream, in the format of api/streams.py."""
    if office_ids:
        rows = [row for row in rows if row[2] in office_ids]
    if not rows:
        return ""
    last_id = rows[-1][0]
    spaces = sorted({row[1] for row in rows})
    return "".join(
        f"id: {last_id}\nevent: space\ndata: {texts[s]}\n\n" for s in spaces if s in texts
    )


def load_batch(
    after: int, upto: int | None = None, offices: frozenset[int] | None = None
) -> tuple[list[Row], dict[int, str]]:
    """The changes after `after` (up to `upto`), and the snapshots of their spaces: of every
    space, or with `offices` only of those offices' (no stream shows the others)."""
    close_old_connections()
    rows = read_changes(after, upto)
    wanted = [row[1] for row in rows if offices is None or row[2] in offices]
    return rows, (snapshots(wanted) if wanted else {})


# ---------------------------------------------------------------- the per-process hub (async)


@dataclass(eq=False)
class Subscriber:
    office_ids: set[int]
    queue: asyncio.Queue[tuple[int, str]] = field(default_factory=asyncio.Queue)


class Hub:
    """One per process and event loop: reads the change log once for all open streams."""

    def __init__(self) -> None:
        self.position = 0
        self.subscribers: set[Subscriber] = set()
        # Who watches what: a batch goes only to the streams of its offices and to those that
        # watch everything, so its cost does not grow with the streams open elsewhere.
        self.by_office: dict[int, set[Subscriber]] = {}
        self.everyone: set[Subscriber] = set()
        self.wake = asyncio.Event()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stream-hub")
        self.started = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        # True when changes were skipped because no stream was open (see reader, catch_up).
        self.behind = False
        # When the log was last read (loop time): reads are STREAM_COALESCE_SECONDS apart.
        self.last_read = float("-inf")

    async def run_sync(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def start(self) -> None:
        self.position = await self.run_sync(_latest_fresh)
        self.tasks.append(asyncio.create_task(self.reader()))
        if settings.REDIS_URL:
            self.tasks.append(asyncio.create_task(self.listener()))
        self.started.set()

    def period(self) -> float:
        return (
            settings.STREAM_RESYNC_SECONDS if settings.REDIS_URL else settings.STREAM_POLL_SECONDS
        )

    async def reader(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.period())
            # Coalesce: the nudges that arrive until the next read is due are one read.
            loop = asyncio.get_running_loop()
            gap = self.last_read + settings.STREAM_COALESCE_SECONDS - loop.time()
            if gap > 0:
                await asyncio.sleep(gap)
            self.wake.clear()
            if not self.subscribers:
                # Nobody to feed: reading the log for every change would cost a query per
                # check-in per process for nothing. The next stream calls catch_up first.
                self.behind = True
                continue
            self.last_read = loop.time()
            try:
                await self.advance()
            except Exception:
                log.exception("stream hub could not read the change log")
                await asyncio.sleep(1.0)

    def watched(self) -> frozenset[int] | None:
        """The offices the open streams watch; None when one watches them all."""
        return None if self.everyone else frozenset(self.by_office)

    async def advance(self) -> None:
        while True:
            # Snapshots only for what some stream shows: with office pages open, most
            # check-ins elsewhere cost the hub one read of the log, not a read of spaces.
            rows, texts = await self.run_sync(load_batch, self.position, None, self.watched())
            if not rows:
                return
            self.position = rows[-1][0]
            self.broadcast(rows, texts)
            if len(rows) < 5000:
                return

    def broadcast(self, rows: list[Row], texts: dict[int, str]) -> None:
        from officepass.ops.metrics import FANOUT_BATCHES

        FANOUT_BATCHES.inc()
        everything = ""
        targets = set(self.everyone)
        for office_id in {row[2] for row in rows}:
            targets |= self.by_office.get(office_id, set())
        for sub in targets:
            if sub.office_ids:
                chunk = format_batch(rows, texts, sub.office_ids)
            else:
                everything = everything or format_batch(rows, texts, set())
                chunk = everything
            if chunk:
                sub.queue.put_nowait((rows[-1][0], chunk))

    async def listener(self) -> None:
        import redis.asyncio as aioredis

        while True:
            client = aioredis.Redis.from_url(settings.REDIS_URL)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(settings.STREAM_CHANNEL)
                    self.wake.set()  # catch up on what was written while unsubscribed
                    while True:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=30.0
                        )
                        if message is not None and self.concerns(message["data"]):
                            self.wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("stream hub lost Redis; retrying", extra={"error": str(exc)})
                await asyncio.sleep(1.0)
            finally:
                await client.aclose()

    def concerns(self, nudge: bytes | str) -> bool:
        """Whether a nudge may change what this process's streams show: it names an office
        one of them watches, or one watches every office, or it names no office. A nudge for
        an office no stream here watches is not read now: the next read (a nudge that
        concerns them, or the resync every STREAM_RESYNC_SECONDS) reads every row since, so
        with office pages open the hub reads the log for their offices' changes, not for
        every check-in anywhere."""
        if self.everyone:
            return True
        parts = nudge.split()
        if len(parts) != 2 or not parts[1].isdigit():
            return True
        return int(parts[1]) in self.by_office

    async def catch_up(self) -> None:
        """After an idle spell, move to the log's end before a stream subscribes: what was
        skipped had no one to go to, and a stream resuming from Last-Event-ID reads it itself."""
        if self.behind:
            self.behind = False
            self.position = max(self.position, await self.run_sync(_latest_fresh))

    def subscribe(self, office_ids: set[int]) -> tuple[Subscriber, int]:
        """A new stream's queue and the log position from which the hub will feed it."""
        sub = Subscriber(office_ids)
        self.subscribers.add(sub)
        if not office_ids:
            self.everyone.add(sub)
        for office_id in office_ids:
            self.by_office.setdefault(office_id, set()).add(sub)
        return sub, self.position

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        self.everyone.discard(sub)
        for office_id in sub.office_ids:
            watchers = self.by_office.get(office_id)
            if watchers is not None:
                watchers.discard(sub)
                if not watchers:
                    del self.by_office[office_id]


def _latest_fresh() -> int:
    close_old_connections()
    return latest_change_id()


_hubs: dict[int, Hub] = {}


async def hub() -> Hub:
    """This event loop's hub, started on first use."""
    loop = asyncio.get_running_loop()
    current = _hubs.get(id(loop))
    if current is None:
        current = _hubs[id(loop)] = Hub()
        await current.start()
    await current.started.wait()
    return current
