"""`make run`'s server (the Procfile's web line) keeps answering while 200 event streams are open.

Under the old WSGI server (2 workers × 4 threads) each stream held a thread for up to
STREAM_MAX_SECONDS: 8 open pages filled it and `/healthz` timed out. Now one ASGI server
serves pages, API and streams and an open stream holds no thread. Nothing here waits for a
time margin: the test waits for all 200 streams to be open, then for the answers, then for
the check-in's event to reach every stream, and checks no stream closed meanwhile. The
timeouts only turn a blocked server into a failure instead of a hang.
"""

import asyncio
import os
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.scale import makerun

STREAMS = 200
BLOCKED = 60.0  # seconds only a blocked server needs


@pytest.fixture
def server(tmp_path):  # (process, base URL, a door code, the server's log)
    if os.environ.get("DATABASE_URL"):
        pytest.skip("make run's server runs on SQLite whatever the pass: tested in the SQLite pass")
    env, code = makerun.prepare(tmp_path)
    proc, base = makerun.start_web(env, tmp_path / "web.log")
    yield proc, base, code, tmp_path / "web.log"
    makerun.stop(proc)


async def arrive(event: asyncio.Event, what: str, streams: makerun.Streams) -> None:
    try:
        await asyncio.wait_for(event.wait(), BLOCKED)
    except TimeoutError:
        pytest.fail(f"{what}: {streams.opened} of {STREAMS} streams open after {BLOCKED} s")


async def scenario(proc, base, code):
    async with httpx.AsyncClient(base_url=base, timeout=BLOCKED) as client:
        signin = {"email": "runner@example.com", "password": "correct-horse-2026"}
        token = (await client.post("/api/v1/auth/token", json=signin)).json()["token"]
        idle_threads = sum(makerun.threads(pid) for pid in makerun.web_workers(proc.pid))
        streams = makerun.Streams(int(base.rsplit(":", 1)[1]), STREAMS)
        streams.open()
        try:
            await arrive(streams.all_open, "the streams did not open", streams)
            health = await client.get("/healthz")
            stay = await client.post(
                "/api/v1/stays",
                json={"code": code, "minutes": 120},
                headers={"Authorization": f"Bearer {token}"},
            )
            await arrive(streams.changed, "the check-in did not reach every stream", streams)
            busy_threads = sum(makerun.threads(pid) for pid in makerun.web_workers(proc.pid))
            closed = streams.closed
        finally:
            await streams.close()
    return health, stay, closed, idle_threads, busy_threads


def test_it_answers_healthz_and_a_check_in_while_200_streams_stay_open(server):
    proc, base, code, _ = server
    health, stay, closed, idle_threads, busy_threads = asyncio.run(scenario(proc, base, code))
    assert health.status_code == 200
    assert stay.status_code == 201, stay.text
    assert closed == 0
    # an open stream is a coroutine: 200 of them add no thread each (a few for the hub).
    assert busy_threads - idle_threads < STREAMS // 10


def test_each_worker_settles_before_its_first_request(server):
    """gunicorn's post_worker_init (officepass/ops/gunicorn_conf.py) loads the URLconf and
    freezes startup's objects out of the garbage collector's full passes (ops/settle.py)."""
    proc, _, _, log = server
    workers = makerun.web_workers(proc.pid)
    deadline = time.monotonic() + BLOCKED  # the first worker may answer before the others log
    while (
        len(settled := [line for line in log.read_text().splitlines() if "worker settled:" in line])
        < len(workers)
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert len(settled) == len(workers) >= 1, settled
    for line in settled:
        frozen = int(line.split("worker settled: ", 1)[1].split()[0])
        assert frozen > 50_000, line  # Django, the libraries and every view


def _tcp_sockets(port: int, state: str) -> set[int]:
    """Inodes of the IPv4 TCP sockets in `state` (kernel code: 0A listen, 01 established)
    whose local port is `port`."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            inodes.add(int(fields[9]))
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except FileNotFoundError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


async def _held_connections(port: int, count: int) -> list[asyncio.StreamWriter]:
    """`count` connections opened at once, each answered once and kept open."""

    async def one() -> asyncio.StreamWriter:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        status = await asyncio.wait_for(reader.readline(), BLOCKED)
        assert status.startswith(b"HTTP/1.1 200"), status
        return writer

    return await asyncio.gather(*(one() for _ in range(count)))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balances on Linux")
def test_each_worker_listens_on_a_socket_of_its_own_and_new_connections_reach_every_worker(
    server,
):
    """Issue 18: gunicorn's workers shared one listening socket and each uvicorn worker accepts
    every waiting connection when it wakes, so a burst of connections went to one worker (at
    least one of three held none in 7 of 13 runs). Each worker now listens on a SO_REUSEPORT
    socket of its own (gunicorn's `reuse_port`, officepass/ops/gunicorn_conf.py) and the kernel
    spreads new connections over them."""
    proc, base, _, _ = server
    port = int(base.rsplit(":", 1)[1])
    workers = makerun.web_workers(proc.pid)
    assert len(workers) >= 2, workers
    deadline = time.monotonic() + BLOCKED  # until every worker has opened its socket
    while True:
        listening = _tcp_sockets(port, "0A")
        own = {pid: _socket_inodes(pid) & listening for pid in workers}
        if all(own.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert all(len(inodes) == 1 for inodes in own.values()), own
    assert len(set().union(*own.values())) == len(workers)  # one each, none shared
    assert not _socket_inodes(proc.pid) & listening  # the master accepts nothing

    async def scenario() -> dict[int, int]:
        writers = await _held_connections(port, 48)
        try:
            established = _tcp_sockets(port, "01")
            return {pid: len(_socket_inodes(pid) & established) for pid in workers}
        finally:
            for writer in writers:
                writer.close()

    held = asyncio.run(scenario())
    assert sum(held.values()) == 48, held
    # A worker the kernel's hash left out of all 48: (1/2)^48 with two workers.
    assert all(held.values()), held
