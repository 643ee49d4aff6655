"""ORM side of the benchmark (run by benchmarks/run.py with DATABASE_URL set).

    python benchmarks/seed.py offices --start 0 --count 1000 --codes OUT.json
    python benchmarks/seed.py members --count 25000 --secret S
    python benchmarks/seed.py analyze
    python benchmarks/seed.py lag --member-start I --count 200 --lead 3 --spread 5
    python benchmarks/seed.py profile --secret S --member-start I --office-ids 1,2,...
    python benchmarks/seed.py check

Each command prints one JSON object on its last stdout line. Bulk inserts only: no service
is called while seeding, so 10,000 offices take seconds, not minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, F, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.common import token_for  # noqa: E402
from officepass.accounts.models import ApiToken, Company, Plan, User  # noqa: E402
from officepass.core.models import AuditEntry  # noqa: E402
from officepass.offices import hours  # noqa: E402
from officepass.offices.codes import make_code  # noqa: E402
from officepass.offices.models import Office, Operator, Space  # noqa: E402
from officepass.offices.rules_catalogue import DEFAULT_ALLOWED, DEFAULT_FORBIDDEN  # noqa: E402
from officepass.stays.models import Stay  # noqa: E402
from officepass.tickets.models import TicketAccount  # noqa: E402

BATCH = 2000
# Not a valid hash, so nobody can sign in with a password; members use their API tokens.
UNUSABLE_PASSWORD = "!bench-unusable"
OPERATORS = 10
PLAN_CODE = "bench-corporate"
# Spaces per office: (name, seat type); every space has quota 2.
LAYOUT = (("Open area", "open"), ("Booth", "booth"))


def email_for(index: int) -> str:
    return f"bench{index:06d}@bench.example"


def cmd_offices(args: argparse.Namespace) -> dict[str, Any]:
    """Offices start..start+count-1, each with the LAYOUT spaces, open 24 h, unit 120 min."""
    operators = list(Operator.objects.filter(name__startswith="Bench Operator").order_by("pk"))
    if not operators:
        Operator.objects.bulk_create(
            [Operator(name=f"Bench Operator {n}", payout_per_ticket=500) for n in range(OPERATORS)]
        )
        operators = list(Operator.objects.filter(name__startswith="Bench Operator").order_by("pk"))
    rng = random.Random(args.start)
    codes: list[dict[str, Any]] = []
    with transaction.atomic():
        for first in range(args.start, args.start + args.count, BATCH):
            last = min(first + BATCH, args.start + args.count)
            offices = Office.objects.bulk_create(
                [
                    Office(
                        operator=operators[n % len(operators)],
                        name=f"Bench Office {n:05d}",
                        address=f"{n} Bench Street, Tokyo",
                        lat=rng.uniform(31.0, 43.0),
                        lng=rng.uniform(129.0, 145.0),
                        timezone="Asia/Tokyo",
                        opening_hours=hours.always_open(),
                        unit_minutes=120,
                        max_stay_minutes=480,
                        extension_window_minutes=15,
                        help_desk_phone=f"03-{n:08d}",
                        rules_allowed=DEFAULT_ALLOWED,
                        rules_forbidden=DEFAULT_FORBIDDEN,
                    )
                    for n in range(first, last)
                ]
            )
            spaces = Space.objects.bulk_create(
                [
                    Space(office=office, name=name, seat_type=seat_type, quota=2, in_use=0)
                    for office in offices
                    for name, seat_type in LAYOUT
                ]
            )
            codes += [
                {
                    "office": s.office_id,
                    "space": s.pk,
                    "seat_type": s.seat_type,
                    "quota": s.quota,
                    "code": make_code(s.pk, s.code_version),
                }
                for s in spaces
            ]
    with open(args.codes, "w") as fh:
        json.dump(codes, fh)
    return {
        "offices": Office.objects.count(),
        "spaces": Space.objects.count(),
        "new_spaces": len(codes),
    }


def cmd_members(args: argparse.Namespace) -> dict[str, Any]:
    """Corporate postpaid members with a TicketAccount and a pre-made API token each."""
    plan, _ = Plan.objects.update_or_create(
        code=PLAN_CODE,
        defaults={
            "name": "Bench corporate",
            "kind": Plan.Kind.CORPORATE,
            "tickets_per_cycle": 0,
            "extensions_need_tickets": False,
            "postpaid": True,
        },
    )
    company, _ = Company.objects.update_or_create(
        code="9999000011112222", defaults={"name": "Bench Corp", "plan": plan}
    )
    now = datetime.now(UTC)
    with transaction.atomic():
        for first in range(0, args.count, BATCH):
            last = min(first + BATCH, args.count)
            users = User.objects.bulk_create(
                [
                    User(
                        email=email_for(n),
                        name=f"Bench {n}",
                        password=UNUSABLE_PASSWORD,
                        plan=plan,
                        company=company,
                        language="en",
                    )
                    for n in range(first, last)
                ]
            )
            TicketAccount.objects.bulk_create(
                [TicketAccount(member=u, postpaid=True, balance=0) for u in users]
            )
            ApiToken.objects.bulk_create(
                [
                    ApiToken(
                        user=u,
                        key_hash=hashlib.sha256(token_for(args.secret, n).encode()).hexdigest(),
                        prefix=token_for(args.secret, n)[:10],
                        created_at=now,
                        expires_at=now + timedelta(days=30),
                    )
                    for n, u in zip(range(first, last), users, strict=True)
                ]
            )
    return {"members": User.objects.filter(plan=plan).count()}


def cmd_analyze(args: argparse.Namespace) -> dict[str, Any]:
    """Fresh planner statistics after bulk loading, as a settled production database has."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"analyzed": True}


def cmd_lag(args: argparse.Namespace) -> dict[str, Any]:
    """Active stays whose deadlines pass soon; poll until the worker marks each forced_out.

    Stays are inserted directly (the service refuses durations this short); each takes a
    free seat, so `Space.in_use` stays equal to the active stays on it. Deadlines are spread
    evenly over `spread` seconds starting `lead` seconds from now (spread 0 = all at once).
    The T-15 reminder is marked as sent so the worker only has the forced checkouts to do.
    """
    members = list(
        User.objects.filter(email__in=[email_for(args.member_start + i) for i in range(args.count)])
    )
    spaces = list(Space.objects.filter(in_use=0, is_active=True).order_by("?")[: args.count])
    if len(members) < args.count or len(spaces) < args.count:
        raise SystemExit(f"not enough members ({len(members)}) or free spaces ({len(spaces)})")
    now = datetime.now(UTC)
    stays = []
    for i, (member, space) in enumerate(zip(members, spaces, strict=True)):
        offset = args.spread * i / max(1, args.count - 1) if args.spread else 0.0
        deadline = now + timedelta(seconds=args.lead + offset)
        stays.append(
            Stay(
                member=member,
                space=space,
                office_id=space.office_id,
                status=Stay.Status.ACTIVE,
                started_at=deadline - timedelta(minutes=120),
                deadline=deadline,
                extension_opens_at=deadline - timedelta(minutes=15),
                minutes=120,
                tickets_consumed=1,
                reminded_at=now,
            )
        )
    with transaction.atomic():
        Stay.objects.bulk_create(stays)
        Space.objects.filter(pk__in=[s.pk for s in spaces]).update(in_use=F("in_use") + 1)
    inserted_at = time.time()
    deadline_of = {s.pk: s.deadline.timestamp() for s in stays}
    seen: dict[int, float] = {}
    give_up = inserted_at + args.lead + args.spread + args.timeout
    while len(seen) < len(stays) and time.time() < give_up:
        pending = [pk for pk in deadline_of if pk not in seen]
        done = Stay.objects.filter(pk__in=pending).exclude(status=Stay.Status.ACTIVE)
        for pk in done.values_list("pk", flat=True):
            seen[pk] = time.time()
        time.sleep(args.poll)
    statuses = dict(
        Stay.objects.filter(pk__in=list(deadline_of)).values_list("status").annotate(n=Count("pk"))
    )
    # When the worker itself finalized each stay (its audit row), to separate worker delay
    # from the polling resolution.
    audited = {
        int(target_id): created_at.timestamp()
        for target_id, created_at in AuditEntry.objects.filter(
            action="stay.forced_out",
            target_type="stays.stay",
            target_id__in=[str(pk) for pk in deadline_of],
        ).values_list("target_id", "created_at")
    }
    lags = [seen[pk] - deadline_of[pk] for pk in seen]
    worker_lags = [audited[pk] - deadline_of[pk] for pk in audited]
    in_use_ok = not Space.objects.filter(pk__in=[s.pk for s in spaces], in_use__gt=0).exists()
    return {
        "count": len(stays),
        "observed": len(seen),
        "statuses": statuses,
        "lag_s": lags,
        "worker_lag_s": worker_lags,
        "first_deadline_after_insert_s": min(deadline_of.values()) - inserted_at,
        "seats_released": in_use_ok,
    }


def cmd_profile(args: argparse.Namespace) -> dict[str, Any]:
    """SQL statements and in-process time per request, through the full Django stack.

    Every case runs once to warm up, then `--repeat` times; the median time is reported.
    Each check-in uses its own member and its own free space.
    """
    client = Client()
    runs = args.repeat + 1
    free = list(Space.objects.filter(in_use=0, is_active=True).order_by("pk")[:runs])
    full = Space.objects.filter(in_use__gte=F("quota"), is_active=True).order_by("pk").first()
    if len(free) < runs or full is None:
        raise SystemExit("profile needs free spaces and one full space")
    tokens = [token_for(args.secret, args.member_start + i) for i in range(runs)]
    full_code = make_code(full.pk, full.code_version)
    ids = args.office_ids.split(",")
    many = "&".join(f"office_id={i}" for i in ids)

    def checkin(i: int) -> Any:
        body = {"code": make_code(free[i].pk, free[i].code_version), "minutes": 120}
        return client.post(
            "/api/v1/stays",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[i]}",
        )

    def refused(i: int) -> Any:
        return client.post(
            "/api/v1/stays",
            {"code": full_code, "minutes": 120},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[i]}",
        )

    cases: list[tuple[str, Any]] = [
        ("POST /stays (check-in, 201)", checkin),
        ("POST /stays (space_full, 409)", refused),
        (
            "GET /availability, 1 office_id",
            lambda i: client.get(f"/api/v1/availability?office_id={ids[0]}"),
        ),
        ("GET /availability, 10 office_ids", lambda i: client.get(f"/api/v1/availability?{many}")),
        (
            "GET /offices?lat&lng (nearest 50)",
            lambda i: client.get(f"/api/v1/offices?lat={args.lat}&lng={args.lng}"),
        ),
    ]
    out = []
    for label, request in cases:
        times, queries, status = [], 0, 0
        for i in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = request(i)
                elapsed = (time.perf_counter() - started) * 1000
            if i:
                times.append(elapsed)
            queries, status = len(ctx.captured_queries), response.status_code
        out.append(
            {
                "label": label,
                "status": status,
                "queries": queries,
                "ms": sorted(times)[len(times) // 2],
            }
        )
    return {"profile": out}


def cmd_check(args: argparse.Namespace) -> dict[str, Any]:
    """Seat counters against active stays (docs/architecture.md, decision 3) and stay totals
    after the run."""
    active = Count("stays", filter=Q(stays__status=Stay.Status.ACTIVE))
    drift = Space.objects.annotate(active=active).exclude(in_use=F("active")).count()
    statuses = dict(Stay.objects.values_list("status").annotate(n=Count("pk")))
    return {"in_use_drift_spaces": drift, "stays": statuses}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("offices")
    p.add_argument("--start", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--codes", required=True)
    p = sub.add_parser("members")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--secret", required=True)
    sub.add_parser("analyze")
    p = sub.add_parser("lag")
    p.add_argument("--member-start", type=int, required=True)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--lead", type=float, default=3.0)
    p.add_argument("--spread", type=float, default=5.0)
    p.add_argument("--poll", type=float, default=0.02)
    p.add_argument("--timeout", type=float, default=30.0)
    p = sub.add_parser("profile")
    p.add_argument("--secret", required=True)
    p.add_argument("--member-start", type=int, required=True)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--office-ids", required=True)
    p.add_argument("--lat", type=float, default=35.68)
    p.add_argument("--lng", type=float, default=139.76)
    sub.add_parser("check")
    args = parser.parse_args()
    commands = {
        "offices": cmd_offices,
        "members": cmd_members,
        "analyze": cmd_analyze,
        "lag": cmd_lag,
        "profile": cmd_profile,
        "check": cmd_check,
    }
    result = commands[args.cmd](args)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
