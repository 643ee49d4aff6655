"""Where a check-in's web CPU goes (`make bench-profile`; run from the repository root).

Creates the PostgreSQL database BENCH_DB_NAME + `_profile`, migrates it, seeds 1,000 offices
(4,000 seats) and 2 × N + 200 members with benchmarks/seed.py, then sends check-ins (each a
distinct member into a free seat) through config/wsgi.py's handler in this process, as the
server's thread does: 200 to warm up, N timed (CPU ms per check-in, process time, so other
processes barely count), N under cProfile with a CPU-time clock. Prints the functions where
the CPU goes, by own and by cumulative time; `--out FILE` keeps the stats. The request log
lines go to stderr, as in production.

    .venv/bin/python benchmarks/profile_checkin.py [--count 1000] [--top 40] 2>/dev/null

`--server` measures the same check-ins sent over HTTP to the server as the Procfile starts it
(gunicorn + `--workers` uvicorn workers, default 1, ASGI), from an aiohttp client in this
process at `--concurrency` (default 2): the workers' CPU per check-in, which adds the
server's own work (HTTP, the event loop, the hand-overs to Django's thread, the request log)
to the in-process figure. With `--py-spy` (py-spy on PATH or in the virtualenv), samples the
first worker meanwhile and prints where its time goes by function, own and inclusive.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Its own database beside make bench's: benchmarks.common reads the name when imported.
os.environ["BENCH_DB_NAME"] = os.environ.get("BENCH_DB_NAME", "officepass_bench") + "_profile"

from benchmarks.common import DATABASE_URL, DB_NAME, PG, PYTHON, token_for  # noqa: E402
from benchmarks.procs import run_checked, seed  # noqa: E402


def prepare(members: int, secret: str, codes: Path) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    run_checked([PYTHON, "manage.py", "migrate", "--noinput"], 180, "migrate")
    seed("offices", "--start", "0", "--count", "1000", "--codes", str(codes))
    seed("members", "--count", str(members), "--secret", secret)
    seed("analyze")


def environ_for(body: bytes, token: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/stays",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def summarize_py_spy(raw: Path, top: int) -> None:
    from benchmarks.scaleout import pyspy_tables

    total, own, inclusive = pyspy_tables(raw, by_module=False)
    print(f"\npy-spy: {total} samples of the worker")
    for title, table in (("own", own), ("inclusive", inclusive)):
        print(f"\n  {title}")
        for frame, count in sorted(table.items(), key=lambda kv: -kv[1])[:top]:
            print(f"  {100 * count / total:5.1f}%  {frame[:150]}")


def serve_and_measure(args: argparse.Namespace, seats: list[str], secret: str, warm: int) -> None:
    import shutil
    import subprocess

    import aiohttp

    from benchmarks.common import BIN, OUT, PORT_WEB
    from benchmarks.procs import children_of, start, stop, wait_answering

    argv = [
        str(BIN / "gunicorn"), "config.asgi:application",
        "--worker-class", "uvicorn_worker.UvicornWorker",
        "-c", "python:officepass.ops.gunicorn_conf",
        "--bind", f"127.0.0.1:{PORT_WEB}", "--workers", str(args.workers), "--keep-alive", "5",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{PORT_WEB}"
    server = start("profile-gunicorn", argv, OUT / "profile-gunicorn.log")
    try:
        url = f"{base}/api/v1/availability?office_id=1"
        wait_answering((server,), url, seconds=60, name="gunicorn", log_dir=OUT)
        workers = sorted(children_of(server.proc.pid))
        worker = workers[0]
        statuses: dict[int, int] = {}

        async def send(first: int, last: int) -> None:
            queue = iter(range(first, last))
            async with aiohttp.ClientSession(base) as client:

                async def loop() -> None:
                    for i in queue:
                        body = {"code": seats[i], "minutes": 120}
                        headers = {"Authorization": f"Bearer {token_for(secret, i)}"}
                        async with client.post("/api/v1/stays", json=body, headers=headers) as r:
                            await r.read()
                            statuses[r.status] = statuses.get(r.status, 0) + 1

                await asyncio.gather(*(loop() for _ in range(args.concurrency)))

        import asyncio

        asyncio.run(send(0, warm))
        spy = None
        raw = OUT / "profile-py-spy.txt"
        if args.py_spy:
            tool = shutil.which("py-spy") or str(BIN / "py-spy")
            spy = subprocess.Popen(
                [tool, "record", "--pid", str(worker), "--format", "raw", "--rate", "500",
                 "--nonblocking", "--output", str(raw)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1)  # py-spy attaches
        cpu0, wall0 = [cpu_seconds(w) for w in workers], time.perf_counter()
        asyncio.run(send(warm, warm + args.count))
        wall = time.perf_counter() - wall0
        each = [cpu_seconds(w) - c for w, c in zip(workers, cpu0, strict=True)]
        cpu = sum(each)
        if spy is not None:
            spy.send_signal(2)  # py-spy writes its output on SIGINT
            spy.wait(timeout=60)
        if set(statuses) != {201}:
            raise SystemExit(f"not every check-in went in: {statuses}")
        print(
            f"{args.count} check-ins over HTTP (gunicorn + {args.workers} uvicorn worker(s), "
            f"concurrency {args.concurrency}): workers {cpu * 1000 / args.count:.3f} ms CPU "
            f"each, {args.count / wall:.0f}/s; each worker's share of a core: "
            + ", ".join(f"{100 * c / wall:.0f}%" for c in each)
        )
        if spy is not None and raw.exists():
            summarize_py_spy(raw, args.top)
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", default="")
    parser.add_argument("--server", action="store_true", help="over HTTP, to the real server")
    parser.add_argument("--py-spy", action="store_true", help="with --server: sample it")
    parser.add_argument("--workers", type=int, default=1, help="with --server")
    parser.add_argument("--concurrency", type=int, default=2, help="with --server")
    args = parser.parse_args()
    out_dir = ROOT / "benchmarks" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    codes_file = out_dir / "profile-codes.json"
    warm = 200
    secret = secrets.token_hex(8)
    prepare(2 * args.count + warm, secret, codes_file)

    if args.server:
        codes = [c["code"] for c in json.loads(codes_file.read_text())]
        seats = [code for code in codes for _ in range(2)]
        serve_and_measure(args, seats, secret, warm)
        return
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from config.wsgi import application as handler  # as the server runs it (the API's lane)

    # Two seats per space: each code takes two check-ins.
    codes = [c["code"] for c in json.loads(codes_file.read_text())]
    seats = [code for code in codes for _ in range(2)]
    if len(seats) < 2 * args.count + warm:
        raise SystemExit(f"only {len(seats)} free seats for {2 * args.count + warm} check-ins")
    statuses: dict[str, int] = {}

    def start_response(status: str, headers: Any, exc_info: Any = None, /) -> Any:
        statuses[status] = statuses.get(status, 0) + 1
        return None

    def check_in(i: int) -> None:
        body = json.dumps({"code": seats[i], "minutes": 120}).encode()
        for _ in handler(environ_for(body, token_for(secret, i)), start_response):
            pass

    for i in range(warm):
        check_in(i)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(warm, warm + args.count):
        check_in(i)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(
        f"{args.count} check-ins: {cpu * 1000 / args.count:.3f} ms CPU, "
        f"{wall * 1000 / args.count:.3f} ms wall each (one thread, database round trips in wall)"
    )
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for i in range(warm + args.count, warm + 2 * args.count):
        check_in(i)
    profiler.disable()
    if set(statuses) != {"201 Created"}:  # a refused check-in would profile another path
        raise SystemExit(f"not every check-in went in: {statuses}")
    stats = pstats.Stats(profiler)
    if args.out:
        stats.dump_stats(args.out)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
