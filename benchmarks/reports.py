"""Report pages over a year of data for 1,000 offices on PostgreSQL (`make bench-reports`).

1. recreates the database (default `officepass_reports_bench` on 127.0.0.1:5432, user postgres;
   `--database-url` or REPORTS_BENCH_DATABASE_URL to change it), migrates, and bulk-loads with
   INSERT … SELECT generate_series: 20 operators, 1,000 offices (2 spaces each), 2,000 members
   (one company of 50), and a year (2025-11-01 … 2026-10-31, Tokyo) of stays, `--per-day`
   a day per office (default 8), each with its `consume` ledger entry, 1 % with a refund;
2. renders every report page and export through Django's test client as the secretariat and as
   one operator's staff, `--repeat` times each (first run cold, after one unmeasured
   request that warms the process as a running server is), and prints median / max
   milliseconds and the number of SQL queries per page.

`--reuse` keeps the data already loaded (it still applies new migrations).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/officepass_reports_bench"
YEAR_START = "2025-11-01 00:00:00+09"
DAYS = 365


def recreate(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


SEED_SQL = """
INSERT INTO offices_operator (name, payout_per_ticket, registration_number)
  SELECT 'Operator ' || g, 300 + g * 10, 'T' || lpad(g::text, 13, '0')
  FROM generate_series(1, 20) g;
INSERT INTO offices_office (operator_id, name, address, lat, lng, timezone, opening_hours,
    closed_dates, unit_minutes, max_stay_minutes, extension_window_minutes, help_desk_phone,
    rules_allowed, rules_forbidden, is_active, fair_use_refunds)
  SELECT (SELECT min(id) FROM offices_operator) + (g % 20), 'Office ' || g, 'Tokyo',
    35 + g / 1000.0, 139 + g / 1000.0, 'Asia/Tokyo', '{{}}', '[]', 120, 480, 15, '', '[]', '[]',
    true, false
  FROM generate_series(1, {offices}) g;
INSERT INTO offices_space (office_id, name, seat_type, quota, in_use, seat_image, code_version,
    rotating_display, lock_driver, lock_settings, is_active)
  SELECT o.id, s.name, s.kind, 2, 0, '', 1, false, '', '{{}}', true
  FROM offices_office o, (VALUES ('Open', 'open'), ('Booth', 'booth')) s(name, kind);
INSERT INTO accounts_plan (code, name, name_en, kind, tickets_per_cycle, extensions_need_tickets,
    postpaid, active, monthly_price_yen, tax_rate_percent, addon_pack_tickets,
    addon_pack_price_yen, seat_types)
  VALUES ('corporate', 'Corporate', 'Corporate', 'corporate', 0, false, true, true, 0, 10, 0, 0,
    '[]');
INSERT INTO accounts_company (name, code, plan_id)
  SELECT 'Bench Co', '1234567890123456', id FROM accounts_plan;
INSERT INTO accounts_user (password, email, name, language, plan_id, company_id,
    is_company_admin, is_active, is_staff, is_superuser, date_joined, cycle_paid_by_card,
    email_unverified)
  SELECT '!', 'bench' || g || '@example.com', '', 'ja', (SELECT id FROM accounts_plan),
    CASE WHEN g <= 50 THEN (SELECT id FROM accounts_company) END, false, true, false, false, now(),
    false, false
  FROM generate_series(1, 2000) g;
INSERT INTO stays_stay (member_id, space_id, office_id, status, started_at, deadline,
    extension_opens_at, ended_at, minutes, tickets_consumed, tickets_refunded, extensions)
  SELECT u0 + ((o.id * 7 + d * 13 + k) % 2000), sp.id, o.id, 'checked_out',
    t.start, t.start + t.len, t.start + t.len - interval '15 minutes',
    t.start + t.len * 0.7, extract(epoch FROM t.len) / 60, t.tickets,
    0, 0
  FROM offices_office o
  JOIN LATERAL (SELECT min(id) AS id FROM offices_space WHERE office_id = o.id) sp ON true
  CROSS JOIN generate_series(0, {days} - 1) d
  CROSS JOIN generate_series(0, {per_day} - 1) k
  CROSS JOIN (SELECT min(id) AS u0 FROM accounts_user) u
  CROSS JOIN LATERAL (SELECT
      timestamptz '{start}' + d * interval '1 day'
        + ((8 + (k * 97 + o.id) % 13) * 60 + (o.id + d) % 60) * interval '1 minute' AS start,
      CASE WHEN (o.id + d + k) % 3 = 0 THEN interval '240 minutes'
           ELSE interval '120 minutes' END AS len,
      CASE WHEN (o.id + d + k) % 3 = 0 THEN 2 ELSE 1 END AS tickets) t;
INSERT INTO tickets_ledgerentry (member_id, kind, tickets, balance_after, reason, stay_id,
    effective_at)
  SELECT member_id, 'consume', -tickets_consumed, 0, 'bench', id, started_at FROM stays_stay;
INSERT INTO tickets_ledgerentry (member_id, kind, tickets, balance_after, reason, stay_id,
    effective_at)
  SELECT member_id, 'refund', 1, 0, 'bench refund', id, ended_at FROM stays_stay
  WHERE id % 100 = 0;
UPDATE stays_stay SET tickets_refunded = 1 WHERE id % 100 = 0;
INSERT INTO accounts_user (password, email, name, language, is_company_admin, is_active,
    is_staff, is_superuser, date_joined, operator_id, cycle_paid_by_card, email_unverified)
  SELECT '!', 'staff@example.com', '', 'ja', false, true, false, false, now(), min(id),
    false, false
  FROM offices_operator;
INSERT INTO accounts_user (password, email, name, language, is_company_admin, is_active,
    is_staff, is_superuser, date_joined, cycle_paid_by_card, email_unverified)
  VALUES ('!', 'secretariat@example.com', '', 'ja', false, true, true, false, now(), false, false);
INSERT INTO settlement_payoutrate (operator_id, office_id, yen_per_ticket, effective_from,
    created_at, reason)
  SELECT o.id, NULL, o.payout_per_ticket + r.plus, r.day, now(), 'bench'
  FROM offices_operator o,
    (VALUES (date '2025-11-01', 0), (date '2026-10-15', 50)) r(day, plus);
INSERT INTO settlement_payoutrate (operator_id, office_id, yen_per_ticket, effective_from,
    created_at, reason)
  SELECT operator_id, id, 999, date '2026-09-20', now(), 'bench office rate'
  FROM offices_office WHERE id % 50 = 0;
INSERT INTO locks_lockhealth (space_id, online, state, seen_at, reported_at, detail)
  SELECT id, id % 40 <> 0, CASE WHEN id % 40 = 0 THEN 'unknown' ELSE 'jammed' END,
    now() - interval '2 hours', now() - interval '2 hours', '{{}}'
  FROM offices_space WHERE id % 20 = 0;
INSERT INTO locks_lockcommand (request_id, space_id, purpose, driver, status, created_at,
    not_after, error_code, response)
  SELECT gen_random_uuid(), s.id, 'unlock', 'fake', 'failed',
    now() - (k || ' minutes')::interval, now(), 'timeout', '{{}}'
  FROM offices_space s CROSS JOIN generate_series(1, 20) k WHERE s.id % 10 = 0;
INSERT INTO support_troublereport (office_id, kind, message, status, diagnostics, created_at)
  SELECT id, 'entry_unlock', 'bench', CASE WHEN id % 3 = 0 THEN 'resolved' ELSE 'new' END,
    '{{}}', now() - (id || ' minutes')::interval
  FROM offices_office;
ANALYZE;
"""


def seed(offices: int, per_day: int) -> None:
    from django.db import connection

    sql = SEED_SQL.format(offices=offices, per_day=per_day, days=DAYS, start=YEAR_START)
    with connection.cursor() as cursor:
        for statement in sql.split(";\n"):
            if statement.strip():
                started = time.perf_counter()
                cursor.execute(statement)
                head = " ".join(statement.split()[:3])
                print(f"  {head:<40} {time.perf_counter() - started:7.1f} s", flush=True)


def measure(client: object, url: str, repeat: int) -> tuple[list[float], int, int]:
    from django.db import connection, reset_queries

    timings, queries, status = [], 0, 0
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        timings.append((time.perf_counter() - started) * 1000)
        queries, status = len(connection.queries), response.status_code
    return timings, queries, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("REPORTS_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--offices", type=int, default=1000)
    parser.add_argument("--per-day", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not args.reuse:
        recreate(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from officepass.accounts.models import Company, User
    from officepass.offices.models import Office
    from officepass.stays.models import Stay

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate {time.perf_counter() - started:.1f} s", flush=True)
    if not args.reuse:
        print("loading data:", flush=True)
        seed(args.offices, args.per_day)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans
    from datetime import date

    import time_machine

    from officepass.settlement.models import Statement
    from officepass.settlement.services import statements_close_month

    if not Statement.objects.exists():
        # The worker's monthly close, timed: September, then October with its rate change on
        # the 15th (October's refunds after September's close become its adjustments).
        for month, close_at in (
            (date(2026, 9, 1), "2026-10-01 00:05+09:00"),
            (date(2026, 10, 1), "2026-11-01 00:05+09:00"),
        ):
            started = time.perf_counter()
            with time_machine.travel(close_at, tick=True):
                written = statements_close_month(month=month)
            print(
                f"close {month:%Y-%m}: {written} statements in "
                f"{time.perf_counter() - started:.1f} s",
                flush=True,
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would after the statements' rows
    setup_test_environment()
    settings.DEBUG = True  # count queries
    connection.force_debug_cursor = True
    settings.ALLOWED_HOSTS = ["testserver"]
    stays, offices = Stay.objects.count(), Office.objects.count()
    print(
        f"\ndata: {offices} offices, {stays:,} stays over {DAYS} days "
        f"({stays / DAYS / max(offices, 1):.1f} a day per office)"
    )
    office = Office.objects.order_by("id")[0]
    company = Company.objects.get()
    staff_operator = User.objects.get(email="staff@example.com").operator_id or 0
    statement = Statement.objects.get(operator_id=staff_operator, month=date(2026, 10, 1))
    pages = [
        ("secretariat", "/console/reports/?month=2026-10"),
        ("secretariat", "/console/reports/?month=2026-03"),
        ("secretariat", "/console/reports/offices.csv?month=2026-10"),
        ("secretariat", "/console/reports/operators.csv?month=2026-10"),
        ("secretariat", f"/console/reports/offices/{office.pk}/?month=2026-10"),
        ("secretariat", f"/console/reports/offices/{office.pk}/stays/?month=2026-10"),
        ("secretariat", f"/console/reports/offices/{office.pk}/stays.csv?month=2026-10"),
        ("secretariat", f"/console/companies/{company.pk}/?month=2026-10"),
        ("secretariat", f"/console/companies/{company.pk}/usage.csv?month=2026-10"),
        ("staff", "/console/reports/?month=2026-10"),
        ("staff", "/console/reports/offices.csv?month=2026-10"),
        # issue 15: dashboard, office list with health, settlement pages
        ("secretariat", "/console/"),
        ("secretariat", "/console/offices/"),
        ("secretariat", "/console/offices/?page=10"),
        ("secretariat", "/console/operators/"),
        ("secretariat", f"/console/operators/{office.operator_id}/"),
        ("secretariat", "/console/statements/"),
        ("secretariat", f"/console/statements/{statement.pk}/"),
        ("secretariat", f"/console/statements/{statement.pk}/statement.pdf"),
        ("secretariat", f"/console/statements/{statement.pk}/statement.csv"),
        ("secretariat", f"/console/statements/{statement.pk}/stays.csv"),
        ("staff", "/console/"),
        ("staff", "/console/offices/"),
        ("staff", "/console/statements/"),
        ("staff", f"/console/statements/{statement.pk}/"),
        ("staff", f"/console/statements/{statement.pk}/statement.pdf"),
        # issue 15: onboarding, the offices CSV, the trouble inbox
        ("secretariat", "/console/offices/new/"),
        ("secretariat", f"/console/offices/{office.pk}/"),
        ("secretariat", f"/console/offices/import/?operator={office.operator_id}"),
        ("secretariat", f"/console/offices/export.csv?operator={office.operator_id}"),
        ("secretariat", "/console/offices/export.csv"),
        ("secretariat", "/console/trouble/"),
        ("secretariat", "/console/trouble/?assignee=none&status=new"),
        ("staff", "/console/offices/export.csv"),
        ("staff", "/console/trouble/?assignee=me"),
    ]
    users = {
        "secretariat": User.objects.get(email="secretariat@example.com"),
        "staff": User.objects.get(email="staff@example.com"),
    }
    print(
        f"\n{'who':<12} {'page':<58} {'status':>6} {'queries':>7} {'cold ms':>8} "
        f"{'median ms':>9} {'max ms':>7}"
    )
    # A server process answers its first request after loading templates, translations and URL
    # patterns once; that start-up is not a page's cost. One unmeasured request per user warms
    # the process as a running server is; "cold" is then each page's own first render.
    for user in users.values():
        warmup = Client()
        warmup.force_login(user)
        warmup.get("/console/")
    worst = 0.0
    for who, url in pages:
        client = Client()
        client.force_login(users[who])
        timings, queries, status = measure(client, url, args.repeat)
        warm = timings[1:] or timings
        worst = max(worst, max(timings))
        print(
            f"{who:<12} {url:<58} {status:>6} {queries:>7} {timings[0]:8.0f} "
            f"{statistics.median(warm):9.0f} {max(warm):7.0f}"
        )
    print(f"\nslowest render (cold included): {worst:.0f} ms — target < 1000 ms")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average during the run: {load} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
