"""Server time of every member web page with the demo data (`make bench-pages`).

In-process with Django's test client (no network, no browser): each page is requested many
times after a warm-up; p50 / p99 / max in milliseconds are printed as a table. SQLite in a
temporary file by default, PostgreSQL with DATABASE_URL.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="officepass-bench-pages-")
os.environ.setdefault("SQLITE_PATH", str(Path(TMP) / "bench.sqlite3"))
os.environ.setdefault("CACHE_DIR", str(Path(TMP) / "cache"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from officepass.accounts.models import User  # noqa: E402
from officepass.demo.services import load_demo  # noqa: E402
from officepass.offices.codes import make_code  # noqa: E402
from officepass.offices.models import Space  # noqa: E402
from officepass.stays.services import stay_check_in, stay_checkout  # noqa: E402

ITERATIONS = int(os.environ.get("BENCH_PAGES_ITERATIONS", "200"))
LIMIT_MS = 100.0


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def timed(client: Client, url: str, n: int = ITERATIONS) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per request (CPU time ignores other processes' load)."""
    for _ in range(5):
        client.get(url)
    wall, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.thread_time()
        response = client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return wall, cpu


def check_in_cycle(member: User, code: str, n: int) -> tuple[list[float], list[float]]:
    client = Client()
    client.force_login(member)
    wall, cpu = [], []
    for _ in range(n):
        start, start_cpu = time.perf_counter(), time.thread_time()
        response = client.post(f"/c/{code}", {"minutes": "120"})
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
        assert response.status_code == 302, response.content[:300]
        stay_id = int(response["Location"].split("/")[2].split("?")[0])
        stay_checkout(member=member, stay_id=stay_id, unlock=False)
    return wall, cpu


def main() -> None:
    call_command("migrate", verbosity=0)
    load_demo()
    basic = User.objects.get(email="basic@example.com")
    corp = User.objects.get(email="corp@example.com")
    ryogoku = Space.objects.get(office__name="H1T 両国", seat_type="open")
    box = Space.objects.get(office__name="H1T 両国", seat_type="box")
    code = make_code(ryogoku.pk, ryogoku.code_version)
    stay = stay_check_in(member=basic, code=code, minutes=240)
    member = Client()
    member.force_login(basic)
    idle = Client()
    idle.force_login(User.objects.get(email="member01@example.com"))
    pages = [
        ("sign-in (anonymous)", Client(), "/signin"),
        ("sign-in after a door scan (anonymous)", Client(), f"/signin?next=/c/{code}"),
        ("home, no stay", idle, "/"),
        ("home, during a stay", member, "/"),
        ("find: nearest to Tokyo Station", idle, "/offices"),
        ("find: station search + free now", idle, "/offices?q=両国&free=1"),
        ("find: by location, box seats", idle, "/offices?lat=35.68&lng=139.76&seat_type=box"),
        ("find: map view", idle, "/offices?view=map"),
        ("office detail", idle, f"/offices/{ryogoku.office_id}"),
        ("check-in screen /c/<code>", idle, f"/c/{make_code(box.pk, box.code_version)}"),
        ("stay screen", member, f"/stays/{stay.pk}"),
        ("checkout screen", member, f"/stays/{stay.pk}/checkout"),
        ("trouble (entry)", member, f"/trouble?kind=entry_unlock&stay={stay.pk}"),
        ("tickets", member, "/tickets"),
        ("history", member, "/history"),
        ("account", member, "/account"),
        ("password change form", member, "/account/password"),
        ("password reset form (anonymous)", Client(), "/password-reset"),
        ("scanner", idle, "/checkin"),
    ]
    rows = [(name, queries(client, url), *timed(client, url)) for name, client, url in pages]
    cycles = max(20, ITERATIONS // 4)
    rows.append(("POST check-in (+ checkout)", 0, *check_in_cycle(corp, code, cycles)))
    db = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(f"member web pages, server time in-process ({db}, {ITERATIONS} requests each)\n")
    head = ("page", "SQL", "p50 ms", "p99 ms", "max ms", "CPU p50", "CPU p99")
    print("| {:<36} | {:>4} | {:>7} | {:>7} | {:>7} | {:>7} | {:>7} |".format(*head))
    print("|" + "|".join("-" * (w + 2) for w in (36, 4, 7, 7, 7, 7, 7)) + "|")
    worst_wall = worst_cpu = 0.0
    for name, sql, wall, cpu in rows:
        wall.sort()
        cpu.sort()
        worst_wall, worst_cpu = max(worst_wall, pct(wall, 99)), max(worst_cpu, pct(cpu, 99))
        count = str(sql) if sql else "–"
        cells = (pct(wall, 50), pct(wall, 99), wall[-1], pct(cpu, 50), pct(cpu, 99))
        print(f"| {name:<36} | {count:>4} | " + " | ".join(f"{c:7.1f}" for c in cells) + " |")
    print(
        f"\nworst p99: {worst_wall:.1f} ms wall, {worst_cpu:.1f} ms CPU; goal ≤ {LIMIT_MS:.0f} ms "
        f"per page: {'met' if worst_wall <= LIMIT_MS else 'NOT met (wall)'}"
    )


def pct(samples: list[float], p: int) -> float:
    return (
        statistics.median(samples)
        if p == 50
        else samples[min(len(samples) - 1, len(samples) * p // 100)]
    )


if __name__ == "__main__":
    main()
