"""Check-in and /healthz latency on `make run`'s server with 0 and with 200 open event streams.

    .venv/bin/python -m benchmarks.streams [--streams 200] [--rounds 30]

Starts the Procfile's web line on a fresh SQLite file (as `make run` does, without Redis),
measures ROUNDS sequential `GET /healthz` and ROUNDS check-ins (each followed by its
checkout, not timed) with no stream open, then opens STREAMS streams, waits until every one
has its first bytes, and measures the same again. Prints median / p95 / max in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from tests.scale import makerun


async def timed(
    client: httpx.AsyncClient, method: str, url: str, **kw: object
) -> tuple[float, dict]:
    started = time.perf_counter()
    response = await client.request(method, url, **kw)  # type: ignore[arg-type]
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code >= 300:
        raise RuntimeError(f"{response.status_code} {response.text[:200]}")
    return elapsed, response.json()


async def measure(client: httpx.AsyncClient, code: str, rounds: int) -> dict[str, list[float]]:
    health, checkin = [], []
    for _ in range(rounds):
        health.append((await timed(client, "GET", "/healthz"))[0])
        ms, stay = await timed(client, "POST", "/api/v1/stays", json={"code": code, "minutes": 120})
        checkin.append(ms)
        await client.post(f"/api/v1/stays/{stay['id']}/checkout", json={})
    return {"/healthz": health, "check-in": checkin}


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(len(ordered) * 0.95) - 1)]
    return f"{statistics.median(ordered):8.1f} {p95:8.1f} {ordered[-1]:8.1f}"


async def run(base: str, code: str, count: int, rounds: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        signin = {"email": "runner@example.com", "password": "correct-horse-2026"}
        token = (await client.post("/api/v1/auth/token", json=signin)).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        await measure(client, code, 3)  # warm both workers' imports and connections
        idle = await measure(client, code, rounds)
        streams = makerun.Streams(int(base.rsplit(":", 1)[1]), count)
        started = time.perf_counter()
        streams.open()
        await streams.all_open.wait()
        opened = time.perf_counter() - started
        busy = await measure(client, code, rounds)
        closed = streams.closed
        await streams.close()
    print(f"{count} streams opened in {opened:.1f} s; closed during the run: {closed}")
    print(f"{'what':24} {'median':>8} {'p95':>8} {'max':>8}  (ms, {rounds} each)")
    for name in idle:
        print(f"{name + ', 0 streams':24} {summary(idle[name])}")
        print(f"{name + f', {count} streams':24} {summary(busy[name])}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="officepass-streams-") as tmp:
        env, code = makerun.prepare(Path(tmp))
        proc, base = makerun.start_web(env, Path(tmp) / "web.log")
        try:
            asyncio.run(run(base, code, args.streams, args.rounds))
        finally:
            makerun.stop(proc)


if __name__ == "__main__":
    main()
