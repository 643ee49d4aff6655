"""One measured phase: start load.py processes together, merge what they saw into a Phase.

Latency comes from the load clients, server time from the servers' request logs, CPU per
group of processes from /proc (benchmarks/machine.py).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import ACCESS_LOG, OUT, PYTHON, log, token_for
from benchmarks.machine import CpuMeter, wait_quiet
from benchmarks.procs import Started, children_of, finish, postgres_pids, start


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@dataclass
class Phase:
    name: str
    requests: int = 0
    rate: float = 0.0
    p50: float = float("nan")
    p99: float = float("nan")
    max: float = float("nan")
    server_p50: float = float("nan")
    server_p99: float = float("nan")
    outcomes: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    note: str = ""
    target_rate: float | None = None
    seconds: float = 0.0
    # The samples behind the percentiles, kept so that parts of one condition can be pooled.
    latencies: list[float] = field(default_factory=list, repr=False)
    server_ms: list[float] = field(default_factory=list, repr=False)

    def errors(self, ok: set[str]) -> str:
        bad = {k: v for k, v in self.outcomes.items() if k not in ok}
        return ", ".join(f"{k}: {v}" for k, v in sorted(bad.items())) or "0"

    def add_note(self, text: str) -> None:
        self.note = "; ".join(filter(None, [self.note, text]))


@dataclass
class Ctx:
    args: argparse.Namespace
    port: int = 0
    base_url: str = ""
    gunicorn: Started | None = None
    worker: Started | None = None
    codes: list[dict[str, Any]] = field(default_factory=list)
    secret: str = ""
    phases: list[Phase] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    lag: list[dict[str, Any]] = field(default_factory=list)
    profile: list[dict[str, Any]] = field(default_factory=list)
    check: dict[str, Any] = field(default_factory=dict)
    info: dict[str, str] = field(default_factory=dict)
    sse: dict[str, Any] = field(default_factory=dict)
    unlock: list[dict[str, Any]] = field(default_factory=list)
    rss: list[list[str]] = field(default_factory=list)
    pretix: dict[str, Any] = field(default_factory=dict)
    streams: Started | None = None
    pretix_server: Started | None = None

    def groups(self) -> dict[str, set[int]]:
        assert self.gunicorn and self.worker
        return {
            "gunicorn": {self.gunicorn.proc.pid} | children_of(self.gunicorn.proc.pid),
            "worker": {self.worker.proc.pid},
            "postgres": postgres_pids(),
            "streams": set()
            if self.streams is None
            else {self.streams.proc.pid} | children_of(self.streams.proc.pid),
            "pretix": set()
            if self.pretix_server is None
            else {self.pretix_server.proc.pid} | children_of(self.pretix_server.proc.pid),
        }

    def token(self, index: int) -> str:
        return token_for(self.secret, index)


@dataclass
class LoadSpec:
    """What the load.py processes of one phase are asked to do (see benchmarks/load.py)."""

    name: str
    mode: str
    kind: str
    items: list[Any]
    duration: float
    concurrency: int
    clients: int
    rate: float | None
    ok: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return "".join(ch if ch.isalnum() else "-" for ch in self.name.lower()).strip("-")

    def job(self, base_url: str, client: int, start_at: float) -> dict[str, Any]:
        """The job file of load process `client`: check-ins split the items, reads share them."""
        once = self.kind != "get"  # check-ins and posts use each item once: split them
        per = len(self.items) // self.clients if once else len(self.items)
        closed = self.mode == "closed"
        return {
            "base_url": base_url,
            "mode": self.mode,
            "kind": self.kind,
            "items": self.items[client * per : (client + 1) * per] if once else self.items,
            "start_at": start_at,
            "duration": self.duration,
            "timeout": 10.0,
            "concurrency": max(1, self.concurrency // self.clients) if closed else self.concurrency,
            "rate": (self.rate or 0) / self.clients,
            "offset": client / self.clients,
            **self.extra,
        }


def load(
    ctx: Ctx,
    name: str,
    *,
    mode: str,
    kind: str,
    items: list[Any],
    duration: float,
    concurrency: int,
    clients: int,
    rate: float | None = None,
    ok: tuple[str, ...] = ("200", "201"),
    extra: dict[str, Any] | None = None,
) -> tuple[Phase, list[dict[str, Any]]]:
    """Run `clients` load.py processes together; merge their results into one Phase.

    `extra` is added to each job (e.g. another "base_url", "headers")."""
    spec = LoadSpec(name, mode, kind, items, duration, concurrency, clients, rate, ok, extra or {})
    (OUT / "jobs").mkdir(parents=True, exist_ok=True)
    waited = wait_quiet()
    start_at = time.time() + 1.5 + 0.2 * clients
    procs = [launch(ctx, spec, c, start_at) for c in range(clients)]
    while time.time() < start_at:
        time.sleep(0.05)
    meter = CpuMeter(ctx.groups)
    log_from = ACCESS_LOG.stat().st_size
    results = [collect(spec, started, result_path) for started, result_path in procs]
    phase = merge(spec, results, server_times(log_from), meter)
    phase.note = "; ".join(load_notes(spec, phase, results, waited))
    return phase, results


def launch(ctx: Ctx, spec: LoadSpec, client: int, start_at: float) -> tuple[Started, Path]:
    """Write the job file of load process `client` and start it; it waits for `start_at`."""
    job_path = OUT / "jobs" / f"{spec.slug}-{client}.json"
    result_path = OUT / "jobs" / f"{spec.slug}-{client}.out.json"
    result_path.unlink(missing_ok=True)
    job_path.write_text(json.dumps(spec.job(ctx.base_url, client, start_at)))
    started = start(
        f"load {spec.name} {client}",
        [PYTHON, "benchmarks/load.py", str(job_path), str(result_path)],
        OUT / "load.log",
    )
    return started, result_path


def collect(spec: LoadSpec, started: Started, result_path: Path) -> dict[str, Any]:
    """Wait for one load process (stopping it if it overruns) and read its result."""
    try:
        started.proc.wait(timeout=spec.duration + 40)
    except subprocess.TimeoutExpired:
        log(f"load process {started.proc.pid} overran; stopping it")
    finish(started)
    if started.proc.returncode != 0 or not result_path.exists():
        raise RuntimeError(f"load process for {spec.name} failed; see {OUT / 'load.log'}")
    result: dict[str, Any] = json.loads(result_path.read_text())
    return result


def added(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    """Outcome counts ("201", "409 space_full", …) of several runs, added up."""
    total: Counter[str] = Counter()
    for count in counts:
        total.update(count)
    return dict(total)


def merge(
    spec: LoadSpec, results: list[dict[str, Any]], server_ms: list[float], meter: CpuMeter
) -> Phase:
    latencies = [x for r in results for x in r["latencies_ms"]]
    outcomes = added(r["outcomes"] for r in results)
    phase = Phase(
        name=spec.name,
        requests=len(latencies),
        outcomes=outcomes,
        cpu=meter.done(sum(r["client_cpu_s"] for r in results)),
        seconds=max(r["end"] for r in results) - min(r["start"] for r in results),
    )
    ok_count = sum(v for k, v in outcomes.items() if k in spec.ok)
    phase.rate = ok_count / phase.seconds if phase.seconds > 0 else 0.0
    phase.p50, phase.p99, phase.max = pct(latencies, 50), pct(latencies, 99), max(latencies)
    phase.server_p50, phase.server_p99 = pct(server_ms, 50), pct(server_ms, 99)
    phase.latencies, phase.server_ms = latencies, server_ms
    if spec.mode == "open":
        phase.target_rate = spec.rate
    return phase


def pool(name: str, parts: list[Phase], ok: tuple[str, ...] = ("200", "201")) -> Phase:
    """One condition measured in several parts (segments interleaved with another
    condition's) as one Phase: percentiles over all the parts' samples, rate over their
    summed time, CPU shares weighted by each part's CPU capacity, CPU seconds summed."""
    outcomes = added(part.outcomes for part in parts)
    latencies = [x for part in parts for x in part.latencies]
    server_ms = [x for part in parts for x in part.server_ms]
    seconds = sum(part.seconds for part in parts)
    capacity = sum(part.cpu.get("capacity s", 0.0) for part in parts)
    cpu: dict[str, float] = {}
    for key in {k for part in parts for k in part.cpu}:
        values = [(part.cpu.get(key, 0.0), part.cpu.get("capacity s", 0.0)) for part in parts]
        if key.endswith(" s"):
            cpu[key] = sum(value for value, _ in values)
        else:
            cpu[key] = sum(v * c for v, c in values) / capacity if capacity else float("nan")
    phase = Phase(
        name=name,
        requests=len(latencies),
        outcomes=outcomes,
        cpu=cpu,
        seconds=seconds,
        rate=sum(v for k, v in outcomes.items() if k in ok) / seconds if seconds else 0.0,
        p50=pct(latencies, 50),
        p99=pct(latencies, 99),
        max=max(latencies, default=float("nan")),
        server_p50=pct(server_ms, 50),
        server_p99=pct(server_ms, 99),
        target_rate=parts[0].target_rate if parts else None,
        latencies=latencies,
        server_ms=server_ms,
    )
    # Each part's notes, but the CPU ones once, from the pooled shares.
    notes = cpu_notes(phase) + [
        note
        for note in dict.fromkeys(n for part in parts for n in part.note.split("; ") if n)
        if not note.startswith(CPU_NOTES)
    ]
    phase.note = "; ".join(notes)
    return phase


def load_notes(
    spec: LoadSpec, phase: Phase, results: list[dict[str, Any]], waited: float
) -> list[str]:
    """What the reader of a phase's figures should know about how it went."""
    notes = []
    if waited:
        notes.append(f"waited {waited:.0f} s for other processes to go quiet")
    notes += cpu_notes(phase)
    if any(r["ran_out"] for r in results):
        notes.append("ran out of prepared members")
    dropped = sum(r["dropped"] for r in results)
    if dropped:
        notes.append(f"{dropped} not sent (in-flight cap)")
    if spec.mode == "open":
        lag = max(r["send_lag_max_ms"] for r in results)
        if lag > 20:
            notes.append(f"client fell behind schedule by up to {lag:.0f} ms")
    return notes


CPU_NOTES = ("other processes used ", "the VM's host took ")


def cpu_notes(phase: Phase) -> list[str]:
    """What the CPU table's 'other' and 'host' columns say about a phase, when it matters."""
    notes = []
    if phase.cpu.get("other", 0) > 5:
        notes.append(f"{CPU_NOTES[0]}{phase.cpu['other']:.0f}% of the CPU meanwhile")
    if phase.cpu.get("host", 0) >= 2:
        notes.append(f"{CPU_NOTES[1]}{phase.cpu['host']:.0f}% of the CPU (steal)")
    return notes


def server_times(offset: int) -> list[float]:
    """Request times (ms) logged after `offset` bytes of ACCESS_LOG: our ASGI server's request
    log lines (JSON, `duration_ms`) or pretix's gunicorn access log lines (`status micros`)."""
    time.sleep(0.2)  # the last lines are written just after the last responses
    with open(ACCESS_LOG, "rb") as fh:
        fh.seek(offset)
        lines = fh.read().decode(errors="replace").splitlines()
    times = []
    for line in lines:
        if line.startswith("{"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("msg") == "request" and "duration_ms" in record:
                times.append(float(record["duration_ms"]))
            continue
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            times.append(int(parts[1]) / 1000.0)
    return times


def report_phase(phase: Phase) -> None:
    cpu = phase.cpu
    log(
        f"{phase.name}: {phase.requests} req in {phase.seconds:.1f}s, ok {phase.rate:.0f}/s, "
        f"p50 {phase.p50:.1f} ms, p99 {phase.p99:.1f} ms (server {phase.server_p50:.1f}/"
        f"{phase.server_p99:.1f}), outcomes {phase.outcomes}; "
        f"cpu% gunicorn {cpu.get('gunicorn', 0):.0f} pg {cpu.get('postgres', 0):.0f} "
        f"client {cpu.get('client', 0):.0f} worker {cpu.get('worker', 0):.0f} "
        f"other {cpu.get('other', 0):.0f} total {cpu.get('total', 0):.0f} "
        f"host {cpu.get('host', 0):.0f}" + (f" [{phase.note}]" if phase.note else "")
    )


def record(ctx: Ctx, phase: Phase, how: str) -> None:
    """Add how the phase was driven to its notes, log it and keep it for the report."""
    phase.add_note(how)
    report_phase(phase)
    ctx.phases.append(phase)
