"""Phases of the scale-out measurements: event-stream fan-out and unlock through MQTT."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.common import (
    OUT,
    PYTHON,
    STREAM_MEMBERS,
    STREAMS,
    log,
)
from benchmarks.machine import CpuMeter
from benchmarks.measure import Ctx, pct
from benchmarks.procs import finish, postgres_pids, run_checked, start

SSE_ROUNDS = 5


def sse_codes(ctx: Ctx) -> list[dict[str, Any]]:
    """The spaces the fan-out rounds check into (kept out of the check-in phases)."""
    return ctx.codes[-SSE_ROUNDS:]


def sse_phase(ctx: Ctx, streams_pids: set[int]) -> None:
    """STREAMS open streams on the web server; each round one check-in on the same server."""
    job = {
        "streams_host": "127.0.0.1",
        "streams_port": ctx.port,
        "api_url": ctx.base_url,
        "streams": STREAMS,
        "rounds": [
            [ctx.token(STREAM_MEMBERS + i), c["code"], c["space"]]
            for i, c in enumerate(sse_codes(ctx))
        ],
        "timeout": 10.0,
    }
    job_path, result_path = OUT / "jobs" / "sse.json", OUT / "jobs" / "sse.out.json"
    job_path.parent.mkdir(parents=True, exist_ok=True)
    job_path.write_text(json.dumps(job))
    result_path.unlink(missing_ok=True)
    meter = CpuMeter(lambda: {"streams": set(streams_pids), "postgres": postgres_pids()})
    client = start("load sse", [PYTHON, "benchmarks/sse.py", str(job_path), str(result_path)],
                   OUT / "load.log")  # fmt: skip
    try:
        client.proc.wait(timeout=120 + SSE_ROUNDS * 12)
    except subprocess.TimeoutExpired:
        log("sse client overran; stopping it")
    finish(client)
    if not result_path.exists():
        raise RuntimeError(f"sse client failed; see {OUT / 'load.log'}")
    result = json.loads(result_path.read_text())
    result["cpu"] = meter.done(result["client_cpu_s"])
    result["streams"] = STREAMS
    ctx.sse = result
    ctx.commands.append(
        f".venv/bin/python benchmarks/sse.py JOB RESULT  ({STREAMS} streams on :{ctx.port}, "
        f"{SSE_ROUNDS} check-ins on the same server)"
    )
    for r in result["rounds"]:
        lat = r["lat_ms"]
        log(
            f"fan-out: {r['seen']}/{result['connected']} streams saw space {r['space_id']} "
            f"(POST {r['status']}, {r['post_ms']:.0f} ms); p50 {pct(lat, 50):.0f} ms, "
            f"all by {max(lat, default=float('nan')):.0f} ms"
        )


UNLOCK_LINE = re.compile(
    r"^(?P<label>.+?)\s+n=(?P<n>\d+)\s+p50=\s*(?P<p50>[\d.]+) ms\s+p99=\s*(?P<p99>[\d.]+) ms\s+"
    r"max=\s*(?P<max>[\d.]+) ms\s+outcomes=(?P<outcomes>.*)$"
)


def unlock_phase(ctx: Ctx) -> None:
    """benchmarks/unlock_mqtt.py against the run's own Mosquitto."""
    argv = [PYTHON, "benchmarks/unlock_mqtt.py", "-n", "500", "--fresh", "100"]
    try:
        out = run_checked(argv, 200, "unlock_mqtt")
    except RuntimeError as exc:  # goal missed exits 1: the lines are still wanted
        out = str(exc)
    for line in out.splitlines():
        if m := UNLOCK_LINE.match(line.strip()):
            ctx.unlock.append(m.groupdict())
    ctx.commands.append("MQTT_PORT=<own mosquitto> .venv/bin/python benchmarks/unlock_mqtt.py "
                        "-n 500 --fresh 100")  # fmt: skip
    log(f"unlock: {ctx.unlock}")


def pyspy_start(ctx: Ctx, seconds: float) -> Any:
    """BENCH_PROFILE=1: sample one gunicorn worker with py-spy during the max-rate phase."""
    import os

    if not os.environ.get("BENCH_PROFILE") or ctx.gunicorn is None:
        return None
    worker = sorted(ctx.gunicorn.children)[0]
    out = OUT / "pyspy-checkin.txt"
    argv = [
        str(OUT.parent.parent / ".venv/bin/py-spy"), "record", "--pid", str(worker),
        "--duration", str(int(seconds)), "--format", "raw", "--nonblocking", "-o", str(out),
    ]  # fmt: skip
    return start("py-spy", argv, OUT / "pyspy.log"), out


def pyspy_tables(raw: Path, *, by_module: bool) -> tuple[int, dict[str, int], dict[str, int]]:
    """py-spy's collapsed stacks ("a;b;c count"): samples, own samples per function, and
    inclusive samples per function (or per module, `by_module`)."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] = own.get(frames[-1], 0) + n
        names = {f.split(" (")[1].split(":")[0] if " (" in f else f for f in frames}
        for name in names if by_module else set(frames):
            inclusive[name] = inclusive.get(name, 0) + n
    return total, own, inclusive


def pyspy_summary(handle: Any) -> None:
    """Self time per function and time per module (inclusive) from py-spy's collapsed stacks."""
    if handle is None:
        return
    started, out = handle
    try:
        started.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        log("py-spy overran")
    finish(started)
    if not out.exists():
        log("py-spy wrote nothing; see benchmarks/out/pyspy.log")
        return
    total, self_time, inclusive = pyspy_tables(out, by_module=True)
    lines = [f"py-spy: {total} samples of one gunicorn worker during check-ins"]
    lines += [f"  self {100 * n / total:5.1f}%  {f}" for f, n in
              sorted(self_time.items(), key=lambda kv: -kv[1])[:25]]  # fmt: skip
    lines += [f"  incl {100 * n / total:5.1f}%  {f}" for f, n in
              sorted(inclusive.items(), key=lambda kv: -kv[1])[:60]]  # fmt: skip
    (OUT / "pyspy-summary.txt").write_text("\n".join(lines) + "\n")
    log(f"py-spy summary in {OUT / 'pyspy-summary.txt'}")
