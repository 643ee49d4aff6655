"""The result tables: built once from a run, printed as text and written as markdown."""

from __future__ import annotations

from benchmarks.common import (
    DEFAULT_WORKERS,
    GOAL_LAG_S,
    GOAL_P99_HALF_MS,
    GOAL_RATE,
    MEMBERS,
    NPROC,
    OFFICES_LARGE,
)
from benchmarks.measure import Ctx, Phase, pct

# (title, header, rows)
Section = tuple[str, list[str], list[list[str]]]

NOTES = [
    "gunicorn sync workers close the connection after each response, so every client-side"
    " figure includes a new TCP connection; 'server' columns are gunicorn's own request time.",
    f"The load client runs on the same {NPROC} cores as gunicorn and PostgreSQL; its share is"
    " in the CPU table ('other' = processes not started by this run).",
    "Phase B is paced at half of phase A's measured rate (not half of the 500/s goal);"
    " latency there is counted from the scheduled send time.",
    "Check-ins spread over every seat of every office, each member once, so none is refused;"
    " the space_full rows post into one space kept full (two real check-ins).",
    "Forced-checkout stays are inserted directly (with their seats taken) because the service"
    " refuses such short stays; their T-15 reminder is marked sent.",
    "Offices are spread uniformly over 31-43°N, 129-145°E: nearest-office searches depend on"
    " that density.",
]


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # NaN
        return "—"
    return f"{value:,.{digits}f}"


def per_request(phase: Phase, group: str) -> float | None:
    """CPU milliseconds a group spent per request answered in the phase."""
    seconds = phase.cpu.get(f"{group} s")
    return None if seconds is None or not phase.requests else 1000 * seconds / phase.requests


def numbered(title: str, head: list[str], lines: list[str]) -> Section:
    return title, head, [[str(i + 1), line] for i, line in enumerate(lines)]


def tables(ctx: Ctx) -> list[Section]:
    sections = [run_section(ctx), latency_section(ctx), cpu_section(ctx), lag_section(ctx)]
    if ctx.profile:
        sections.append(profile_section(ctx))
    sections.append(goals_section(ctx))
    sections.append(numbered("Notes", ["#", "note"], NOTES))
    sections.append(numbered("Commands", ["step", "command"], ctx.commands))
    return sections


def run_section(ctx: Ctx) -> Section:
    args, timings = ctx.args, ctx.timings
    sweep = " (best of a 2/3/4/6 sweep on 2 cores)" if args.workers == DEFAULT_WORKERS else ""
    rows = [[k, v] for k, v in ctx.info.items()] + [
        ["web", f"gunicorn sync, {args.workers} workers × 1 thread{sweep}"],
        ["background", "1 worker process, --interval 0.5"],
        [
            "load generator",
            f"{args.clients} × benchmarks/load.py (asyncio + httpx) for check-ins, 1 for reads",
        ],
        [
            "data",
            f"{OFFICES_LARGE:,} offices × 2 spaces (quota 2, unit 120 min, open 24 h); "
            f"{MEMBERS:,} corporate postpaid members with API tokens",
        ],
        [
            "run time",
            f"{timings.get('total', 0):.0f} s (setup {timings.get('setup', 0):.0f}"
            f" s, of which migrate {timings.get('migrate', 0):.1f} s)",
        ],
    ]
    return "Run", ["item", "value"], rows


def latency_row(p: Phase) -> list[str]:
    ok = {"200", "201"} if "space_full" not in p.name else {"409 space_full"}
    return [
        p.name,
        f"{p.requests:,}",
        fmt(p.rate, 0),
        *(fmt(v) for v in (p.p50, p.p99, p.max, p.server_p50, p.server_p99)),
        p.errors(ok),
        p.note,
    ]


def latency_section(ctx: Ctx) -> Section:
    title = (
        "HTTP latency (ms; client-side from send, or from scheduled send in open loop; "
        "server = gunicorn request time) and throughput"
    )
    head = ["measurement", "requests", "ok/s", "p50", "p99", "max"]
    head += ["server p50", "server p99", "errors", "how"]
    return title, head, [latency_row(p) for p in ctx.phases]


def cpu_row(p: Phase) -> list[str]:
    shares = ("gunicorn", "postgres", "client", "worker", "other", "total")
    return [
        p.name,
        *(fmt(p.cpu.get(group), 0) for group in shares),
        *(fmt(per_request(p, group), 1) for group in ("gunicorn", "postgres", "client")),
    ]


def cpu_section(ctx: Ctx) -> Section:
    head = ["measurement", "gunicorn", "postgres", "load client", "worker", "other", "total"]
    head += ["web CPU ms/req", "pg CPU ms/req", "client CPU ms/req"]
    title = f"CPU during each phase (% of all {NPROC} cores)"
    return title, head, [cpu_row(p) for p in ctx.phases]


def lag_section(ctx: Ctx) -> Section:
    rows = []
    for r in ctx.lag:
        lags, wl = r["lag_s"], r["worker_lag_s"]
        rows.append(
            [
                r["label"],
                f"{r['observed']}/{r['count']}",
                fmt(pct(lags, 50), 2),
                fmt(pct(lags, 99), 2),
                fmt(max(lags, default=float("nan")), 2),
                fmt(pct(wl, 50), 2),
                fmt(max(wl, default=float("nan")), 2),
                "yes" if r["seats_released"] else "NO",
            ]
        )
    head = ["case", "forced_out", "p50", "p99", "max", "worker p50", "worker max", "seats freed"]
    return "Forced checkout lag (s after deadline; polled every 20 ms)", head, rows


def profile_section(ctx: Ctx) -> Section:
    rows = [[p["label"], str(p["status"]), str(p["queries"]), fmt(p["ms"])] for p in ctx.profile]
    title = (
        f"SQL statements per request (Django test client, in-process, {OFFICES_LARGE:,} offices)"
    )
    return title, ["request", "status", "queries", "ms"], rows


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def goals_section(ctx: Ctx) -> Section:
    a = next((p for p in ctx.phases if p.name.startswith("POST /stays — A")), None)
    b = next((p for p in ctx.phases if p.name.startswith("POST /stays — B")), None)
    rows = []
    if a:
        rows.append(
            [f"check-ins/s ≥ {GOAL_RATE:.0f}", fmt(a.rate, 0), verdict(a.rate >= GOAL_RATE)]
        )
    if b:
        goal = f"p99 ≤ {GOAL_P99_HALF_MS:.0f} ms at half load"
        rows.append([goal, fmt(b.p99), verdict(b.p99 <= GOAL_P99_HALF_MS)])
    if ctx.lag:
        worst = worst_lag(ctx)
        goal = f"forced-checkout lag ≤ {GOAL_LAG_S:.0f} s (max)"
        rows.append([goal, fmt(worst, 2), verdict(worst <= GOAL_LAG_S)])
    if ctx.check:
        drift = ctx.check["in_use_drift_spaces"]
        goal = "seat counters equal active stays"
        rows.append([goal, f"{drift} spaces differ", verdict(drift == 0)])
    return "Goals", ["goal", "measured", "verdict"], rows


def worst_lag(ctx: Ctx) -> float:
    """The longest forced-checkout lag; infinite when a stay was never seen forced out."""
    missing = sum(r["count"] - r["observed"] for r in ctx.lag)
    all_lags = [x for r in ctx.lag for x in r["lag_s"]]
    return max(all_lags, default=float("inf")) if not missing else float("inf")


# ---------------------------------------------------------------- rendering


def render_text(sections: list[Section]) -> str:
    lines = ["", "=" * 30 + " officepass benchmark " + "=" * 30]
    for title, head, rows in sections:
        widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
        if title in ("Commands", "Run", "Notes"):
            widths[-1] = 0
        lines += ["", title, "-" * len(title)]
        lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
        for row in rows:
            lines.append(
                "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            )
    return "\n".join(lines) + "\n"


def render_markdown(sections: list[Section]) -> str:
    def cell(value: str) -> str:
        return str(value).replace("|", "\\|")

    lines = ["# officepass benchmark", "", "Generated by `make bench` (benchmarks/run.py)."]
    for title, head, rows in sections:
        lines += [
            "",
            f"## {title}",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "|".join("---" for _ in head) + "|",
        ]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
