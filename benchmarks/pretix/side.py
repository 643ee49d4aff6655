"""pretix side by side: the same load generator, the same concurrency, the same PostgreSQL.

    .venv/bin/python -m benchmarks.pretix.side prepare   # once: venv, pip install, data

`prepare` creates .bench/pretix-venv (gitignored) and `pip install pretix gunicorn` from PyPI,
writes .bench/pretix.cfg, migrates a template database and fills it with the equivalent of
our data set (benchmarks/pretix/setup_data.py: office = event, space = product with a quota,
stay = paid ticket, door scan = check-in redeem) on as many events as our run has offices
(OFFICES_LARGE), remembered by a marker file per pretix version and size, since pretix's ~300
migrations and 10,000 events take minutes. Each bench run then clones the template into
h_pretix (seconds), starts pretix under gunicorn with as many workers as ours on PORT_PRETIX,
and measures:
- POST /api/v1/organizers/{org}/checkinrpc/redeem/ ({"secret", "lists": [id]}), each ticket
  once, closed loop at our check-in concurrency for our phase A's duration, against our
  POST /api/v1/stays phase A;
- GET /api/v1/organizers/{org}/events/{event}/quotas/{id}/availability/ at our read
  concurrency, against our GET /api/v1/availability (1 office, largest data set).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from typing import Any

import httpx
import psycopg

from benchmarks.common import ACCESS_LOG, OFFICES_LARGE, OUT, PG, PORT_PRETIX, ROOT, log
from benchmarks.measure import Ctx, Phase, load, record
from benchmarks.procs import finish, wait_answering

BENCH = ROOT / ".bench"
VENV = BENCH / "pretix-venv"
VPY = VENV / "bin" / "python"
CONFIG = BENCH / "pretix.cfg"
DATA_DIR = BENCH / "pretix-data"
DB = os.environ.get("BENCH_PRETIX_DB", "h_pretix")
# As many events as our run has offices, one ticket each (issue 18: an honest comparison).
EVENTS = OFFICES_LARGE
TICKETS = OFFICES_LARGE
TEMPLATE = f"{DB}_template_{EVENTS}"
DATA_JSON = BENCH / f"pretix-data-{EVENTS}.json"
PG_HOST, PG_PORT = PG.rsplit("@", 1)[1].split(":")
PG_USER = PG.split("//", 1)[1].split("@", 1)[0]


def config_text(db: str) -> str:
    return (
        f"[pretix]\ninstance_name=pretix bench\nurl=http://127.0.0.1:{PORT_PRETIX}\n"
        f"currency=EUR\ndatadir={DATA_DIR}\n\n"
        f"[database]\nbackend=postgresql\nname={db}\nuser={PG_USER}\nhost={PG_HOST}\n"
        f"port={PG_PORT}\n\n[django]\ndebug=off\n\n[mail]\nfrom=bench@pretix.invalid\n"
    )


def pretix_env(db: str) -> dict[str, str]:
    cfg = BENCH / f"pretix-{db}.cfg"
    cfg.write_text(config_text(db))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update({"PRETIX_CONFIG_FILE": str(cfg), "PYTHONUNBUFFERED": "1"})
    return env


def sh(argv: list[str], env: dict[str, str], timeout: float) -> str:
    done = subprocess.run(argv, cwd=BENCH, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed:\n{(done.stderr or done.stdout)[-2000:]}")
    return done.stdout


def pretix_version() -> str | None:
    if not VPY.exists():
        return None
    done = subprocess.run(
        [str(VPY), "-c", "import pretix; print(pretix.__version__)"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return done.stdout.strip() if done.returncode == 0 else None


def prepare() -> str:
    """The virtualenv and the migrated template database (cached); returns pretix's version."""
    BENCH.mkdir(exist_ok=True)
    DATA_DIR.mkdir(exist_ok=True)
    version = pretix_version()
    if version is None:
        log("installing pretix from PyPI into .bench/pretix-venv (once)")
        shutil.rmtree(VENV, ignore_errors=True)
        # A virtualenv of its own, on the interpreter the bench runs on (Python 3.11).
        sh([sys.executable, "-m", "venv", str(VENV)], dict(os.environ), 120)
        sh([str(VPY), "-m", "pip", "install", "-q", "--upgrade", "pip"], dict(os.environ), 300)
        sh([str(VPY), "-m", "pip", "install", "-q", "pretix", "gunicorn"], dict(os.environ), 900)
        version = pretix_version()
        if version is None:
            raise RuntimeError("pretix installed but cannot be imported")
    marker = BENCH / f"pretix-template-{version}-{EVENTS}.ok"
    if not marker.exists() or not DATA_JSON.exists():
        log(f"migrating pretix {version} into template database {TEMPLATE} (once)")
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        env = pretix_env(TEMPLATE)
        sh([str(VPY), "-m", "pretix", "migrate", "--noinput"], env, 1500)
        log(f"creating {EVENTS:,} pretix events with {TICKETS:,} tickets in {TEMPLATE} (once)")
        made = sh(
            [str(VPY), str(ROOT / "benchmarks/pretix/setup_data.py"), "--events", str(EVENTS),
             "--tickets", str(TICKETS), "--out", str(DATA_JSON)], env, 3600,
        )  # fmt: skip
        log(f"pretix data: {made.strip()}")
        marker.write_text(version)
    return version


def fresh_database() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}" TEMPLATE "{TEMPLATE}"')


def start_pretix(ctx: Ctx, env: dict[str, str]) -> None:
    argv = [
        str(VENV / "bin" / "gunicorn"), "pretix.wsgi", "--bind", f"127.0.0.1:{PORT_PRETIX}",
        "--workers", str(ctx.args.workers), "--worker-class", ctx.args.worker_class,
        "--threads", str(ctx.args.threads), "--keep-alive", "5",
        # A listening socket per worker, as ours (officepass/ops/gunicorn_conf.py).
        *(["--reuse-port"] if sys.platform == "linux" else []),
        "--access-logfile", str(ACCESS_LOG), "--access-logformat", "%(s)s %(D)s",
    ]  # fmt: skip
    with open(OUT / "pretix.log", "ab") as fh:
        proc = subprocess.Popen(
            argv, cwd=BENCH, env=env, stdout=fh, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    from benchmarks.procs import track

    ctx.pretix_server = track("pretix", proc)
    ctx.commands.append(
        "PRETIX_CONFIG_FILE=.bench/pretix-h_pretix.cfg "
        + " ".join(argv).replace(str(ROOT) + "/", "")
    )


def wait_pretix(ctx: Ctx, headers: dict[str, str], org: str) -> None:
    url = f"http://127.0.0.1:{PORT_PRETIX}/api/v1/organizers/{org}/events/"
    assert ctx.pretix_server is not None
    wait_answering(
        (ctx.pretix_server,), url, seconds=90, name="pretix", log_dir=OUT, headers=headers,
        interval=0.5,
    )  # fmt: skip
    with httpx.Client(timeout=10) as client:  # every worker imports and connects
        for _ in range(ctx.args.workers * 5):
            client.get(url, headers=headers)


def measure(ctx: Ctx, data: dict[str, Any]) -> tuple[Phase, Phase]:
    org, base = data["organizer"], f"http://127.0.0.1:{PORT_PRETIX}"
    headers = {"Authorization": f"Token {data['token']}"}
    wait_pretix(ctx, headers, org)
    redeem = f"/api/v1/organizers/{org}/checkinrpc/redeem/"
    items = [[redeem, {"secret": s, "lists": [lst]}] for s, lst in data["tickets"]]
    random.Random(7).shuffle(items)
    extra = {"base_url": base, "headers": headers}
    n_warm = len(items) // 10
    load(
        ctx, "pretix redeem warm-up", mode="closed", kind="post", items=items[:n_warm],
        duration=3, concurrency=ctx.args.concurrency, clients=ctx.args.clients, extra=extra,
    )  # fmt: skip
    redeem_phase, _ = load(
        ctx, "pretix POST checkinrpc/redeem/ — max rate", mode="closed", kind="post",
        items=items[n_warm:], duration=ctx.args.duration, concurrency=ctx.args.concurrency,
        clients=ctx.args.clients, ok=("201",), extra=extra,
    )  # fmt: skip
    record(ctx, redeem_phase, f"closed loop, concurrency {ctx.args.concurrency}")
    paths = [
        f"/api/v1/organizers/{org}/events/{ev}/quotas/{q}/availability/" for ev, q in data["quotas"]
    ]
    avail_phase, _ = load(
        ctx, f"pretix GET quotas/{{id}}/availability/ — {EVENTS} events", mode="closed",
        kind="get", items=paths, duration=ctx.args.read_duration,
        concurrency=ctx.args.read_concurrency, clients=1, extra=extra,
    )  # fmt: skip
    record(ctx, avail_phase, f"closed loop, concurrency {ctx.args.read_concurrency}")
    return redeem_phase, avail_phase


def pretix_side_by_side(ctx: Ctx) -> None:
    """Everything above; on failure the reason goes into the table instead of figures."""
    try:
        version = prepare()
        t = time.monotonic()
        fresh_database()
        env = pretix_env(DB)
        log(f"pretix {version}: {EVENTS:,} events cloned from {TEMPLATE} in "
            f"{time.monotonic() - t:.0f}s")  # fmt: skip
        ctx.commands.append(
            f"CREATE DATABASE {DB} TEMPLATE {TEMPLATE}  (made once by .bench/pretix-venv/bin/"
            f"python benchmarks/pretix/setup_data.py --events {EVENTS} --tickets {TICKETS})"
        )
        start_pretix(ctx, env)
        try:
            redeem_phase, avail_phase = measure(ctx, json.loads(DATA_JSON.read_text()))
        finally:
            assert ctx.pretix_server is not None
            finish(ctx.pretix_server)
            ctx.pretix_server = None
    except Exception as exc:
        log(f"pretix side by side failed: {exc}")
        ctx.pretix = {"error": f"pretix could not be measured: {str(exc)[:400]}"}
        return
    ctx.pretix = compare(ctx, version, redeem_phase, avail_phase)


def compare(ctx: Ctx, version: str, redeem: Phase, avail: Phase) -> dict[str, Any]:
    ours_in = next(p for p in ctx.phases if p.name.startswith("POST /stays — A"))
    ours_av = [p for p in ctx.phases if p.name.startswith("GET /availability, 1 office_id")][-1]
    ratio = ours_in.rate / redeem.rate if redeem.rate > 0 else float("inf")
    rows = [
        {"what": "check-in, ok/s (ours: POST /stays; pretix: checkinrpc/redeem)",
         "ours": f"{ours_in.rate:.0f}", "pretix": f"{redeem.rate:.0f}", "ratio": f"{ratio:.1f}×"},
        {"what": "check-in p50 / p99 ms", "ours": f"{ours_in.p50:.1f} / {ours_in.p99:.1f}",
         "pretix": f"{redeem.p50:.1f} / {redeem.p99:.1f}", "ratio": ""},
        {"what": "availability p50 / p99 ms (ours: /availability 1 office; pretix: quota "
                 "availability)", "ours": f"{ours_av.p50:.1f} / {ours_av.p99:.1f}",
         "pretix": f"{avail.p50:.1f} / {avail.p99:.1f}",
         "ratio": f"pretix p99 / ours: {avail.p99 / ours_av.p99:.1f}×" if ours_av.p99 else ""},
        {"what": "availability ok/s", "ours": f"{ours_av.rate:.0f}",
         "pretix": f"{avail.rate:.0f}", "ratio": ""},
    ]  # fmt: skip
    return {"version": version, "checkin_ratio": ratio, "rows": rows,
            "availability_p99": (ours_av.p99, avail.p99)}  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:] != ["prepare"]:
        raise SystemExit("usage: python -m benchmarks.pretix.side prepare")
    print(f"pretix {prepare()} ready")
