"""Event-stream fan-out: hold N open streams, check in, time until every stream has the change.

    python benchmarks/sse.py JOB.json RESULT.json

With "hold" in JOB.json the process only holds the streams while another phase measures:
hold = {office_ids: [one per stream: the office it watches, as an office page does],
ready_path: written once every stream is open, stop_path: it closes them when this file
appears, max_s: or after this long}; RESULT.json then has connected, events (data lines
received) and client_cpu_s.

JOB.json: streams_host, streams_port, api_url, streams (N), rounds ([token, code, space_id]
each: one check-in per round), timeout (s per round). Streams are plain asyncio connections
(HTTP/1.1, one GET each), so the client costs little beside them.

RESULT.json: connected, open_s (time to open all), rounds: [{space_id, status, post_ms,
seen, lat_ms: [per stream, from the moment the POST was sent]}].
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import httpx


class Fanout:
    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        self.connected = 0
        self.expected: int | None = None
        self.t0 = 0.0
        self.seen: dict[int, float] = {}
        self.all_seen = asyncio.Event()
        self.writers: list[asyncio.StreamWriter] = []
        self.events = 0

    async def stream(self, index: int, opened: asyncio.Event, query: str = "") -> None:
        host, port = self.job["streams_host"], int(self.job["streams_port"])
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        self.writers.append(writer)
        request = (
            f"GET /api/v1/availability/stream{query} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Accept: text/event-stream\r\n\r\n"
        )
        writer.write(request.encode())
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"stream {index}: {status!r}")
        while await reader.readline() not in (b"\r\n", b""):
            pass
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"retry:"):
                self.connected += 1
                if self.connected == int(self.job["streams"]):
                    opened.set()
            elif line.startswith(b"data: "):
                self.events += 1
                if self.expected is not None:
                    self.saw(index, json.loads(line[6:])["id"])

    def saw(self, index: int, space_id: int) -> None:
        if space_id == self.expected and index not in self.seen:
            self.seen[index] = time.perf_counter() - self.t0
            if len(self.seen) == self.connected:
                self.all_seen.set()

    async def hold(self) -> dict[str, Any]:
        """Open one stream per office id, say so, and hold them until told to stop."""
        hold = self.job["hold"]
        office_ids = list(hold["office_ids"])
        self.job["streams"] = len(office_ids)
        tasks = await self.open_streams([f"?office_id={office_id}" for office_id in office_ids])
        Path(hold["ready_path"]).write_text(str(self.connected))
        stop_at = time.monotonic() + float(hold["max_s"])
        while time.monotonic() < stop_at and not Path(hold["stop_path"]).exists():
            await asyncio.sleep(0.1)
        return {"connected": self.connected, "events": self.events, **await self.close(tasks)}

    async def open_streams(self, queries: list[str]) -> list[asyncio.Task[None]]:
        """One stream per query string, opened 50 at a time; returns once all are open (60 s
        at most)."""
        opened = asyncio.Event()
        tasks = []
        for i, query in enumerate(queries):
            tasks.append(asyncio.create_task(self.stream(i, opened, query)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(opened.wait(), timeout=60)
        return tasks

    async def close(self, tasks: list[asyncio.Task[None]]) -> dict[str, float]:
        """Close every stream; the client's CPU seconds."""
        for writer in self.writers:
            writer.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {"client_cpu_s": usage.ru_utime + usage.ru_stime}

    async def run(self) -> dict[str, Any]:
        t = time.perf_counter()
        tasks = await self.open_streams([""] * int(self.job["streams"]))
        open_s = time.perf_counter() - t
        await asyncio.sleep(1.0)  # every stream's subscription is in place
        rounds = []
        async with httpx.AsyncClient(base_url=self.job["api_url"], timeout=10) as api:
            for token, code, space_id in self.job["rounds"]:
                self.seen, self.expected = {}, int(space_id)
                self.all_seen.clear()
                self.t0 = time.perf_counter()
                response = await api.post(
                    "/api/v1/stays",
                    json={"code": code, "minutes": 120},
                    headers={"Authorization": f"Bearer {token}"},
                )
                post_ms = (time.perf_counter() - self.t0) * 1000
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.all_seen.wait(), timeout=self.job["timeout"])
                rounds.append(
                    {
                        "space_id": space_id,
                        "status": response.status_code,
                        "post_ms": post_ms,
                        "seen": len(self.seen),
                        "lat_ms": sorted(v * 1000 for v in self.seen.values()),
                    }
                )
                self.expected = None
                await asyncio.sleep(0.5)
        closed = await self.close(tasks)
        return {"connected": self.connected, "open_s": open_s, "rounds": rounds, **closed}


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    with open(sys.argv[1]) as fh:
        job = json.load(fh)
    fanout = Fanout(job)
    result = asyncio.run(fanout.hold() if "hold" in job else fanout.run())
    with open(sys.argv[2], "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main()
