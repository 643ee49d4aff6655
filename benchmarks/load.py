"""One load-generator process (asyncio + aiohttp), driven by benchmarks/run.py.

aiohttp, not httpx: on this machine httpx spent 1.8 ms of client CPU per request and aiohttp
0.11 ms (`POST` with a JSON body to a trivial ASGI app, 16 connections), and the client shares
the two cores with the servers it measures (issue 18: the load client took 2.5 ms a check-in).

    python benchmarks/load.py JOB.json RESULT.json

JOB.json:
    base_url     "http://127.0.0.1:PORT"
    mode         "closed" (fixed concurrency, as fast as the server answers) or
                 "open" (paced: one request every 1/rate s, latency counted from the
                 scheduled send time, so queueing in the client or server is not hidden)
    kind         "checkin" (items are [token, code]; each item is used once: POST /api/v1/stays),
                 "post" (items are [path, json body]; each used once; job "headers" sent)
                 or "get" (items are paths; cycled; job "headers" sent)
    items        the work list
    start_at     wall-clock time (time.time()) to start, so several processes start together
    duration     seconds to keep issuing requests
    concurrency  closed mode: in-flight requests; open mode: cap on in-flight requests
    rate         open mode: requests per second for this process
    offset       open mode: fraction of one period to shift the schedule (spreads processes)
    timeout      per-request timeout, seconds

RESULT.json: latencies (ms), outcome counts ("201", "409 space_full", "exc ConnectTimeout"),
first/last times, how many items were left, client CPU seconds and worst send lag.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections import Counter
from typing import Any

import aiohttp


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Runner:
    def __init__(self, job: dict[str, Any]) -> None:
        self.job = job
        self.kind: str = job["kind"]
        self.items: list[Any] = job["items"]
        self.next_item = 0
        self.latencies: list[float] = []
        self.outcomes: Counter[str] = Counter()
        self.send_lag_max = 0.0
        self.dropped = 0
        self.in_flight = 0
        self.last_done = 0.0

    def take(self) -> Any | None:
        if self.kind == "get":
            item = self.items[self.next_item % len(self.items)]
        elif self.next_item >= len(self.items):
            return None
        else:
            item = self.items[self.next_item]
        self.next_item += 1
        return item

    async def one(self, client: aiohttp.ClientSession, item: Any, t_ref: float) -> None:
        """Send one request; latency is measured from t_ref (perf_counter)."""
        key = "?"
        try:
            if self.kind == "checkin":
                token, code = item
                request = client.post(
                    "/api/v1/stays",
                    json={"code": code, "minutes": 120},
                    headers={"Authorization": f"Bearer {token}"},
                )
            elif self.kind == "post":
                path, body = item
                request = client.post(path, json=body, headers=self.job.get("headers"))
            else:
                request = client.get(item, headers=self.job.get("headers"))
            async with request as response:
                body = await response.read()
            key = str(response.status)
            if response.status >= 400:
                try:
                    key += " " + str(json.loads(body).get("code"))
                except ValueError:
                    key += " (not json)"
        except (aiohttp.ClientError, TimeoutError) as exc:
            key = f"exc {type(exc).__name__}"
        done = time.perf_counter()
        self.latencies.append((done - t_ref) * 1000.0)
        self.outcomes[key] += 1
        self.last_done = time.time()

    async def closed(self, client: aiohttp.ClientSession, stop_at: float) -> None:
        async def loop() -> None:
            while time.time() < stop_at:
                item = self.take()
                if item is None:
                    return
                await self.one(client, item, time.perf_counter())

        await asyncio.gather(*(loop() for _ in range(self.job["concurrency"])))

    async def open(self, client: aiohttp.ClientSession, start: float, stop_at: float) -> None:
        rate = float(self.job["rate"])
        period = 1.0 / rate
        cap = int(self.job["concurrency"])
        # Map wall clock to perf_counter once; schedule on perf_counter.
        p0 = time.perf_counter() + (start - time.time()) + period * float(self.job.get("offset", 0))
        n_total = int((stop_at - start) * rate)
        tasks: set[asyncio.Task[None]] = set()
        for i in range(n_total):
            scheduled = p0 + i * period
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            self.send_lag_max = max(self.send_lag_max, time.perf_counter() - scheduled)
            if len(tasks) >= cap:
                self.dropped += 1
                continue
            item = self.take()
            if item is None:
                break
            task = asyncio.create_task(self.one(client, item, scheduled))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)

    async def run(self) -> dict[str, Any]:
        job = self.job
        connector = aiohttp.TCPConnector(limit=int(job["concurrency"]))
        timeout = aiohttp.ClientTimeout(total=float(job.get("timeout", 10.0)))
        async with aiohttp.ClientSession(
            job["base_url"], connector=connector, timeout=timeout
        ) as client:
            start = float(job["start_at"])
            if start > time.time():
                await asyncio.sleep(start - time.time())
            start = max(start, time.time())
            stop_at = start + float(job["duration"])
            cpu0 = _cpu_seconds()
            if job["mode"] == "closed":
                await self.closed(client, stop_at)
            else:
                await self.open(client, start, stop_at)
            cpu = _cpu_seconds() - cpu0
        return {
            "start": start,
            "end": self.last_done or time.time(),
            "latencies_ms": self.latencies,
            "outcomes": dict(self.outcomes),
            "used": self.next_item,
            "ran_out": self.kind != "get" and self.next_item >= len(self.items),
            "dropped": self.dropped,
            "send_lag_max_ms": self.send_lag_max * 1000.0,
            "client_cpu_s": cpu,
        }


def main() -> None:
    job_path, result_path = sys.argv[1], sys.argv[2]
    with open(job_path) as fh:
        job = json.load(fh)
    result = asyncio.run(Runner(job).run())
    with open(result_path, "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main()
