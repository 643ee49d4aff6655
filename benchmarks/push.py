"""10,000 T−window reminders due at once, sent by one worker to a local push service
(`make bench-push`; also part of `make bench`).

    .venv/bin/python benchmarks/push.py [-n 10000] [--max-seconds 180]

The push service (tests/notifications/pushservice.py) runs in its own process: it checks each
request's VAPID token and decrypts its RFC 8291 payload, as a browser's push service and the
browser would. 10,000 members each have one subscription and one running stay whose extension
window opened at the start; one worker (`registry.tick()` in a loop, as `manage.py worker`)
marks, records and sends them. Printed: seconds until the last push arrived, pushes per second
and the lag of each push (arrival − due) as p50 / p99 / max. Goal: all within 60 s.

SQLite in a temporary file by default; with DATABASE_URL (PostgreSQL) a fresh database named
after it plus `_bench_push` is created and dropped again.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def serve(conn: Any, n: int) -> None:
    """The push service process: make n subscriptions, then count what arrives."""
    sys.path.insert(0, str(ROOT))
    from tests.notifications.pushservice import PushService

    service = PushService()
    conn.send([service.subscribe() for _ in range(n)])
    arrivals: list[float] = []
    seen = 0
    while True:
        if conn.poll(0.2):
            message = conn.recv()
            if message == "stop":
                break
        with service.changed:
            fresh = service.received[seen:]
            seen = len(service.received)
        now = time.time()
        arrivals += [now] * len(fresh)
        conn.send(("progress", seen, len(service.rejected)))
    conn.send(("done", arrivals, service.rejected[:5], len({r.token for r in service.received})))
    service.close()


# Django's mark of an account that cannot sign in (bench members never do).
UNUSABLE = "!"


def fresh_postgres(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench_push"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {parts.path.lstrip('/')} WITH (FORCE)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--max-seconds", type=float, default=180.0)
    args = parser.parse_args()
    n = args.n

    original = os.environ.get("DATABASE_URL", "")
    bench_url = fresh_postgres(original) if original.startswith("postgres") else ""
    tmp = tempfile.mkdtemp(prefix="officepass-bench-push-")
    if bench_url:
        os.environ["DATABASE_URL"] = bench_url
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["PUSH_ALLOW_HTTP_ENDPOINTS"] = "1"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    receiver = ctx.Process(target=serve, args=(child, n), daemon=True)
    receiver.start()
    try:
        return run(n, args.max_seconds, parent, bench_url)
    finally:
        if receiver.is_alive():
            receiver.terminate()
        receiver.join(5)
        if bench_url:
            from django.db import connections

            connections.close_all()
            drop_postgres(bench_url)


def run(n: int, max_seconds: float, pipe: Any, bench_url: str) -> int:
    import django

    from officepass.notifications.vapid import generate_pair

    os.environ["VAPID_PRIVATE_KEY"] = generate_pair()[0]
    django.setup()
    from datetime import timedelta

    from django.core.management import call_command

    from officepass.accounts.models import User
    from officepass.core import clock
    from officepass.core.registry import TASKS
    from officepass.notifications.models import Delivery, PushSubscription
    from officepass.offices import hours
    from officepass.offices.models import Office, Operator, Space
    from officepass.stays.models import Stay

    call_command("migrate", verbosity=0)
    subscriptions = pipe.recv()
    seed_started = time.perf_counter()
    now = clock.now()
    operator = Operator.objects.create(name="Bench operator")
    offices = Office.objects.bulk_create(
        Office(
            operator=operator,
            name=f"Bench {i}",
            address="Tokyo",
            lat=35.6,
            lng=139.7,
            opening_hours=hours.always_open(),
        )
        for i in range(100)
    )
    per_space = n // 100 + 1
    spaces = Space.objects.bulk_create(
        Space(office=o, name="Open", seat_type="open", quota=per_space) for o in offices
    )
    members = User.objects.bulk_create(
        User(email=f"bench{i}@example.com", language="ja" if i % 2 else "en", password=UNUSABLE)
        for i in range(n)
    )
    PushSubscription.objects.bulk_create(
        PushSubscription(
            member=m,
            endpoint=s["endpoint"],
            p256dh=s["keys"]["p256dh"],
            auth=s["keys"]["auth"],
            created_at=now,
        )
        for m, s in zip(members, subscriptions, strict=True)
    )
    # Every extension window opens at `due`: the worst minute, all at once.
    due = clock.now()
    deadline = due + timedelta(minutes=15)
    Stay.objects.bulk_create(
        Stay(
            member=m,
            space=spaces[i % 100],
            office=offices[i % 100],
            started_at=deadline - timedelta(minutes=120),
            deadline=deadline,
            extension_opens_at=due,
            minutes=120,
            tickets_consumed=1,
        )
        for i, m in enumerate(members)
    )
    for space in spaces:
        Space.objects.filter(pk=space.pk).update(in_use=Stay.objects.filter(space=space).count())
    print(
        f"seeded {n} stays and subscriptions in {time.perf_counter() - seed_started:.1f} s "
        f"({'PostgreSQL' if bench_url else 'SQLite'})"
    )

    # Due now, as the worker starts (seeding time is not the worker's).
    due = clock.now()
    Stay.objects.update(
        extension_opens_at=due,
        deadline=due + timedelta(minutes=15),
        started_at=due - timedelta(minutes=105),
    )
    start = time.time()
    cpu_start = time.process_time()
    received = rejected = rounds = 0
    timings: dict[str, float] = {}
    profiler = None
    if os.environ.get("BENCH_PUSH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    while received < n and time.time() - start < max_seconds:
        for name, task in TASKS.items():
            began = time.perf_counter()
            task()
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - began
        rounds += 1
        while pipe.poll():
            message = pipe.recv()
            if message[0] == "progress":
                _, received, rejected = message
    cpu = time.process_time() - cpu_start
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    # The last arrivals: wait for the receiver to report them.
    while received < n and time.time() - start < max_seconds:
        _, received, rejected = pipe.recv()
    pipe.send("stop")
    while True:
        message = pipe.recv()
        if message[0] == "done":
            break
    _, arrivals, rejections, devices = message
    sent = Delivery.objects.filter(status="sent").count()
    if not arrivals:
        print("no push arrived")
        return 1
    lags = sorted(a - due.timestamp() for a in arrivals)
    total = max(arrivals) - due.timestamp()
    q = statistics.quantiles(lags, n=100) if len(lags) > 1 else lags * 99
    print(
        f"{len(arrivals)} pushes received by {devices} devices ({sent} deliveries marked sent, "
        f"{rejected} rejected {rejections}) in {rounds} worker rounds"
    )
    print(
        f"all sent within {total:.1f} s of becoming due: {len(arrivals) / total:.0f} pushes/s; "
        f"lag p50 {q[49]:.1f} s, p99 {q[98]:.1f} s, max {lags[-1]:.1f} s (goal: all ≤ 60 s)"
    )
    ok = len(arrivals) == n and devices == n and lags[-1] <= 60
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:4]
    print("worker time by task: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))
    load = os.getloadavg()[0]
    print(f"worker CPU {cpu:.1f} s ({cpu / n * 1000:.2f} ms per push), load average {load:.1f}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
