"""Load for the PostgreSQL-restart fault: members check in and out over HTTP (in-process
Django client) while the test restarts the database. Every POST carries an Idempotency-Key
and is retried with the same key on `service_unavailable`, as a client should.

Run by tests/faults/test_postgres_restart.py as
`python -m tests.faults.pg_load <seconds> <threads> <result.json>` with DATABASE_URL set;
writes what the clients saw (statuses, codes, the slowest answer, acknowledged stay ids).
"""

import json
import os
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402

from officepass.accounts.models import User  # noqa: E402
from officepass.accounts.services import token_create_for_login  # noqa: E402
from tests import factories  # noqa: E402

RETRY_FOR_S = 30.0


class Seen:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.codes: Counter[str] = Counter()
        self.not_json = 0
        self.slowest = 0.0
        self.stays: list[int] = []
        self.checked_out: list[int] = []
        self.gave_up = 0
        self.requests = 0
        self.last_failure = ""

    def record(self, status: int, body: Any, seconds: float) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            self.slowest = max(self.slowest, seconds)
            if body is None:
                self.not_json += 1
            elif status >= 400:
                self.codes[str(body.get("code"))] += 1


def post(client: Client, seen: Seen, path: str, body: Any, token: str) -> tuple[int, Any]:
    """POST with one key, retried on 503 until RETRY_FOR_S; (status, body) of the last try."""
    key = uuid.uuid4().hex
    give_up_at = time.monotonic() + RETRY_FOR_S
    while True:
        # What the WSGI handler does around each request (django.test.Client skips it):
        # drop a connection the restart broke, so this request opens a fresh one.
        close_old_connections()
        started = time.monotonic()
        response = client.post(
            path,
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        seen.record(response.status_code, answer, time.monotonic() - started)
        if response.status_code != 503 or time.monotonic() > give_up_at:
            return response.status_code, answer
        time.sleep(0.1)


def member_loop(token: str, code: str, until: float, seen: Seen) -> None:
    client = Client(raise_request_exception=False)
    try:
        while time.monotonic() < until:
            status, stay = post(
                client, seen, "/api/v1/stays", {"code": code, "minutes": 120}, token
            )
            if status != 201:
                with seen.lock:
                    seen.gave_up += 1
                    seen.last_failure = f"check-in {status} {stay}"
                continue
            with seen.lock:
                seen.stays.append(stay["id"])
            status, _ = post(
                client, seen, f"/api/v1/stays/{stay['id']}/checkout", {"unlock": False}, token
            )
            if status == 200:
                with seen.lock:
                    seen.checked_out.append(stay["id"])
            else:
                with seen.lock:
                    seen.gave_up += 1
                    seen.last_failure = f"checkout {status} {stay['id']}"
    finally:
        connection.close()


def main() -> None:
    seconds, threads, out = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    # The load measures the database restart, not password hashing (a throwaway cluster).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    space = factories.space(factories.office("Restart office"), quota=threads)
    code = factories.code_for(space)
    tokens = []
    for i in range(threads):
        member: User = factories.corporate_member(f"load{i}@example.com")
        tokens.append(token_create_for_login(email=member.email, password=factories.PASSWORD)[0])
    connection.close()
    seen = Seen()
    until = time.monotonic() + seconds
    workers = [threading.Thread(target=member_loop, args=(t, code, until, seen)) for t in tokens]
    print("load: running", flush=True)
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    result = {
        "requests": seen.requests,
        "statuses": {str(k): v for k, v in seen.statuses.items()},
        "codes": dict(seen.codes),
        "not_json": seen.not_json,
        "slowest_seconds": round(seen.slowest, 3),
        "stays": seen.stays,
        "checked_out": seen.checked_out,
        "gave_up": seen.gave_up,
        "last_failure": seen.last_failure,
        "space_id": space.pk,
    }
    with open(out, "w") as handle:
        json.dump(result, handle)
    print("load: done", flush=True)


if __name__ == "__main__":
    main()
