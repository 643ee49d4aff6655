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
import time

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
