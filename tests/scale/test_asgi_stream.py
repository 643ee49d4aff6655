"""The ASGI stream: catch-up from Last-Event-ID through the log, then what the hub sends."""

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import OperationalError, connections

from officepass.api.streams import aevents
from officepass.ops import fanout
from officepass.stays.services import stay_check_in
from tests import factories as f
from tests.scale import servers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_hubs():
    """Each test's event loop gets its own hub; their database connections are closed after."""
    yield
    for stream_hub in list(fanout._hubs.values()):
        stream_hub.executor.submit(connections.close_all).result()
        stream_hub.executor.shutdown()
    fanout._hubs.clear()


def as_busy_timeout(action: Callable[[], Any]) -> Any:
    """SQLite's in-memory test database is one cache shared by threads, where a writer meeting
    the stream's reader gets "table is locked" at once instead of waiting (a file database in
    WAL mode, as `make run` uses, lets a reader and a writer pass). Wait as a busy timeout
    would: the refused write rolled back whole, so it is simply done again."""
    for _ in range(500):
        try:
            return action()
        except OperationalError as exc:
            if "is locked" not in str(exc):
                raise
            time.sleep(0.01)
    return action()


def spaces_in(chunks: list[str]) -> list[tuple[int, int, int]]:
    """(event id, space id, in_use) of every space event."""
    out = []
    for chunk in chunks:
        for event in chunk.split("\n\n"):
            if "event: space" in event:
                event_id = int(event.split("id: ", 1)[1].split("\n", 1)[0])
                data = json.loads(event.split("data: ", 1)[1])
                out.append((event_id, data["id"], data["in_use"]))
    return out


async def follow(last_id, office_ids, then=None, seconds=1.5, until=None):
    """The stream's chunks; `then` runs (in a thread) once the first two are out. With
    `until`, it ends as soon as that many space events have come (`seconds` is then only a
    bound for a stream that never delivers them), so a busy machine only makes it slower."""
    chunks = []
    async with contextlib.aclosing(aevents(last_id, office_ids, max_seconds=seconds)) as events:
        async for chunk in events:
            chunks.append(chunk)
            if then is not None and len(chunks) == 2:
                await asyncio.sleep(0.2)
                await asyncio.to_thread(then)
            if until is not None and len(spaces_in(chunks)) >= until:
                break
    return chunks


@time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=True)
def test_the_asgi_stream_resumes_from_the_log_then_follows_new_changes_of_its_offices(settings):
    settings.STREAM_POLL_SECONDS = 0.05
    space = f.space(quota=3)
    other = f.space(f.office("Elsewhere"))
    first, second, third = (f.member(f"m{i}@example.com") for i in range(3))
    stay_check_in(member=first, code=f.code_for(space), minutes=120)

    def later() -> None:
        as_busy_timeout(lambda: stay_check_in(member=second, code=f.code_for(other), minutes=120))
        as_busy_timeout(lambda: stay_check_in(member=third, code=f.code_for(space), minutes=120))

    seen = spaces_in(asyncio.run(follow(0, {space.office_id}, then=later, seconds=60, until=2)))
    assert [(s, n) for _, s, n in seen] == [(space.pk, 1), (space.pk, 2)]
    assert seen[0][0] < seen[1][0]


@time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=True)
def test_the_asgi_stream_without_an_id_starts_now_and_skips_the_past(settings):
    settings.STREAM_POLL_SECONDS = 0.05
    space = f.space(quota=3)
    stay_check_in(member=f.member(), code=f.code_for(space), minutes=120)
    chunks = asyncio.run(follow(None, set(), seconds=0.4))
    assert chunks[0].startswith("retry: 2000\n")
    assert spaces_in(chunks) == []


@time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=True)
def test_an_idle_hub_reads_nothing_and_the_next_stream_catches_up(settings):
    """With no stream open the hub skips the log (no query per change); the next stream
    without an id starts at the log's end, one with Last-Event-ID gets what it missed."""
    settings.STREAM_POLL_SECONDS = 0.05
    space = f.space(quota=3)
    members = [f.member(f"idle{i}@example.com") for i in range(2)]
    code = f.code_for(space)

    async def scenario():
        await follow(None, set(), seconds=0.2)  # starts this loop's hub, then leaves it idle
        stream_hub = await fanout.hub()
        before = stream_hub.position
        reads = []
        original = fanout.load_batch

        def counting(*args):
            reads.append(args)
            return original(*args)

        fanout.load_batch = counting
        try:
            for member in members:
                await asyncio.to_thread(
                    as_busy_timeout,
                    lambda m=member: stay_check_in(member=m, code=code, minutes=120),
                )
            await asyncio.sleep(0.3)  # several hub rounds with nobody listening
            idle_reads = len(reads)
            assert stream_hub.behind and stream_hub.position == before
            fresh = await follow(None, set(), seconds=0.3)
            resumed = await follow(before, {space.office_id}, seconds=0.3)
        finally:
            fanout.load_batch = original
        return idle_reads, fresh, resumed

    idle_reads, fresh, resumed = asyncio.run(scenario())
    assert idle_reads == 0
    assert spaces_in(fresh) == []
    # a catch-up sends each changed space once, as it is now
    assert [(s, n) for _, s, n in spaces_in(resumed)] == [(space.pk, 2)]


@time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=True)
def test_the_hub_reads_the_spaces_only_of_offices_a_stream_watches(settings, monkeypatch):
    """Issue 18: with office pages open, a check-in elsewhere costs the hub a read of the log,
    not a read of that space; the watched office's changes still arrive."""
    settings.STREAM_POLL_SECONDS = 0.05
    space = f.space(quota=3)
    other = f.space(f.office("Elsewhere"))
    zeroth, first, second = (f.member(f"w{i}@example.com") for i in range(3))
    stay_check_in(member=zeroth, code=f.code_for(space), minutes=120)  # the catch-up's event
    asked: list[int] = []
    real = fanout.snapshots
    monkeypatch.setattr(fanout, "snapshots", lambda ids: real(asked.extend(ids) or ids))

    def later() -> None:
        as_busy_timeout(lambda: stay_check_in(member=first, code=f.code_for(other), minutes=120))
        as_busy_timeout(lambda: stay_check_in(member=second, code=f.code_for(space), minutes=120))

    seen = spaces_in(asyncio.run(follow(0, {space.office_id}, then=later, seconds=60, until=2)))
    assert [(s, n) for _, s, n in seen] == [(space.pk, 1), (space.pk, 2)]
    assert space.pk in asked and other.pk not in asked


def test_a_batch_goes_only_to_the_streams_of_its_offices_and_to_those_watching_all():
    """Issue 18: with 1,000 office pages open a batch costs what its offices' streams cost, not
    a pass over every open stream."""

    async def scenario():
        stream_hub = fanout.Hub()
        mine, other, everything = (
            stream_hub.subscribe({1})[0],
            stream_hub.subscribe({2, 3})[0],
            stream_hub.subscribe(set())[0],
        )
        assert stream_hub.watched() is None  # one stream watches everything
        stream_hub.broadcast([(10, 100, 1)], {100: '{"id": 100}'})
        got = [sub.queue.qsize() for sub in (mine, other, everything)]
        stream_hub.unsubscribe(everything)
        stream_hub.unsubscribe(other)
        watched = stream_hub.watched()
        stream_hub.unsubscribe(mine)
        return got, watched, stream_hub.by_office

    got, watched, left = asyncio.run(scenario())
    assert got == [1, 0, 1]
    assert watched == frozenset({1}) and left == {}


def test_a_burst_of_nudges_is_one_read_of_the_log_per_window(settings, monkeypatch):
    """Issue 18: at hundreds of check-ins a second every nudge woke each process's hub for a
    read of the log and of the spaces; within STREAM_COALESCE_SECONDS they are one read (the
    first nudge after a quiet spell is read at once)."""
    settings.REDIS_URL = ""
    settings.STREAM_POLL_SECONDS = 3600
    settings.STREAM_COALESCE_SECONDS = 3600
    reads: list[int] = []

    def counting(after, upto=None, offices=None):
        reads.append(after)
        return [], {}

    monkeypatch.setattr(fanout, "load_batch", counting)

    async def scenario():
        stream_hub = fanout.Hub()
        stream_hub.subscribe({1})
        reader = asyncio.create_task(stream_hub.reader())
        try:
            stream_hub.wake.set()
            while not reads:  # the first nudge is read at once
                await asyncio.sleep(0.01)
            for _ in range(30):  # then a busy spell: a nudge every few milliseconds
                stream_hub.wake.set()
                await asyncio.sleep(0.005)
            return len(reads)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            stream_hub.executor.shutdown()

    assert asyncio.run(scenario()) == 1


def test_a_nudge_wakes_the_hub_only_for_offices_its_streams_watch():
    """Issue 18: with 1,000 office pages open over 10,000 offices, each process's hub read the
    log for every check-in anywhere; a nudge names its office, and one that concerns no
    stream of the process is left for the next read."""
    stream_hub = fanout.Hub()
    assert stream_hub.concerns(b"7 1") is False  # no stream at all
    mine = stream_hub.subscribe({1, 2})[0]
    assert stream_hub.concerns(b"7 1") and stream_hub.concerns("8 2")
    assert not stream_hub.concerns(b"9 3")
    assert stream_hub.concerns(b"9") and stream_hub.concerns(b"9 x")  # no office named: read
    everything = stream_hub.subscribe(set())[0]
    assert stream_hub.concerns(b"9 3")
    stream_hub.unsubscribe(everything)
    stream_hub.unsubscribe(mine)
    assert not stream_hub.concerns(b"7 1")
    stream_hub.executor.shutdown()


@pytest.fixture
def redis_channel(settings):
    if reason := servers.missing_redis():
        pytest.skip(reason)
    settings.REDIS_URL = servers.REDIS_URL
    settings.STREAM_CHANNEL = f"officepass:test-nudges:{time.monotonic_ns()}"
    fanout._client = None
    yield settings.STREAM_CHANNEL
    fanout._client = None


@time_machine.travel(datetime(2026, 11, 24, 1, tzinfo=UTC), tick=True)
def test_a_check_in_nudges_with_its_office_and_only_the_watching_hub_wakes(redis_channel):
    """Through the real Redis: the check-in's nudge carries its office, a hub whose streams
    watch another office is not woken by it, and one whose stream watches it is."""
    import redis

    watched, elsewhere = f.space(quota=3), f.space(f.office("Elsewhere"))
    listen = redis.Redis.from_url(servers.REDIS_URL).pubsub()
    listen.subscribe(redis_channel)
    assert listen.get_message(timeout=10)["type"] == "subscribe"
    stay_check_in(member=f.member("n1@example.com"), code=f.code_for(elsewhere), minutes=120)
    message = listen.get_message(ignore_subscribe_messages=True, timeout=10)
    listen.close()
    change_id, office_id = message["data"].split()
    assert int(office_id) == elsewhere.office_id and int(change_id) > 0

    async def scenario():
        stream_hub = fanout.Hub()
        stream_hub.subscribe({watched.office_id})
        wakes: list[int] = []
        nudges: list[bytes] = []
        real_set, real_concerns = stream_hub.wake.set, stream_hub.concerns
        stream_hub.wake.set = lambda: (wakes.append(len(nudges)), real_set())[1]
        stream_hub.concerns = lambda nudge: (nudges.append(nudge), real_concerns(nudge))[1]
        listener = asyncio.create_task(stream_hub.listener())
        try:
            while not wakes:  # subscribed: the listener wakes the reader once to catch up
                await asyncio.sleep(0.01)
            await asyncio.to_thread(fanout.publish, 100, elsewhere.office_id)
            await asyncio.to_thread(fanout.publish, 101, watched.office_id)
            while len(nudges) < 2:  # both handled, in the order Redis delivers them
                await asyncio.sleep(0.01)
            return nudges, wakes[1:]
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            stream_hub.executor.shutdown()

    nudges, wakes = asyncio.run(scenario())
    assert nudges == [f"100 {elsewhere.office_id}".encode(), f"101 {watched.office_id}".encode()]
    assert wakes == [2]  # woken by the second nudge only


def test_streams_opened_together_do_not_beat_together(monkeypatch):
    """Issue 18: 1,000 streams opened within a second all sent their keep-alive at the same
    instant, a burst that held up the worker's requests; the first beat comes after a random
    half to whole HEARTBEAT_SECONDS, the next ones every HEARTBEAT_SECONDS."""
    from officepass.api import streams

    beats = [streams.first_beat() for _ in range(200)]
    assert all(streams.HEARTBEAT_SECONDS / 2 <= b <= streams.HEARTBEAT_SECONDS for b in beats)
    assert len(set(beats)) > 150

    monkeypatch.setattr(streams, "HEARTBEAT_SECONDS", 0.05)
    firsts = iter([0.01, 3600.0])  # the first stream's first beat soon, the second's never
    monkeypatch.setattr(streams, "first_beat", lambda: next(firsts))

    async def scenario():
        early = aevents(None, {1}, max_seconds=3600)
        late = aevents(None, {2}, max_seconds=3600)
        async with contextlib.aclosing(early), contextlib.aclosing(late):
            assert (await anext(early)).startswith("retry:")
            assert (await anext(late)).startswith("retry:")
            first = asyncio.ensure_future(anext(early))
            await asyncio.sleep(0)  # the early stream draws its first beat, then waits
            pending = asyncio.ensure_future(anext(late))
            # two beats of the early stream: its first, then one HEARTBEAT_SECONDS later
            got = [await asyncio.wait_for(first, 60), await asyncio.wait_for(anext(early), 60)]
            late_beat = pending.done()
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await pending
            return got, late_beat

    got, late_beat = asyncio.run(scenario())
    assert got == [": keep-alive\n\n"] * 2
    assert late_beat is False
