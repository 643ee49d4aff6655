"""Idempotency-Key, claim → act → record (docs/architecture.md, decision 12), on both databases.

Doors are sent outside any transaction (`lock_command_send` refuses otherwise), so these run
with committed data (`transactional_db`). PostgreSQL races: tests/concurrency/.
"""

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client

from officepass.core import clock
from officepass.core.models import AuditEntry
from officepass.locks.checks import lock_command_breaches
from officepass.locks.models import LockCommand
from officepass.locks.services import lock_command_create, lock_commands_settle_stale
from officepass.offices.models import Space
from officepass.stays import services
from officepass.stays.models import Stay
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


class Member:
    def __init__(self, space: Space) -> None:
        self.user = f.member("keyed@example.com", tickets=10)
        self.client = Client(raise_request_exception=False)
        token = self.client.post(
            "/api/v1/auth/token",
            {"email": self.user.email, "password": f.PASSWORD},
            content_type="application/json",
        ).json()["token"]
        self.auth = {"Authorization": f"Bearer {token}"}
        self.code = f.code_for(space)

    def post(self, path: str, key: str, body: Any = None) -> Any:
        data = json.dumps(body) if body is not None else ""
        headers = {**self.auth, "Idempotency-Key": key}
        return self.client.post(path, data, content_type="application/json", headers=headers)

    def check_in(self) -> int:
        answer = self.post("/api/v1/stays", "in", {"code": self.code, "minutes": 120})
        assert answer.status_code == 201, answer.json()
        return int(answer.json()["id"])


def _set_lock_mode(space: Space, mode: str) -> None:
    Space.objects.filter(pk=space.pk).update(lock_settings={"mode": mode})


def test_a_failed_keyed_unlock_keeps_its_command_so_recovery_refunds() -> None:
    space = f.space(lock_settings={"mode": "jammed"})
    member = Member(space)
    stay_id = member.check_in()

    failed = member.post(f"/api/v1/stays/{stay_id}/unlock", "open-1")
    recovered = member.post(f"/api/v1/stays/{stay_id}/recover", "recover-1")

    assert failed.status_code == 503 and failed.json()["code"] == "lock_unavailable"
    assert LockCommand.objects.get().status == LockCommand.Status.FAILED
    assert recovered.status_code == 200, recovered.json()
    assert recovered.json()["refunded_tickets"] == 1
    assert Stay.objects.get().status == Stay.Status.CANCELLED


def test_a_503_lock_unavailable_is_not_stored_a_retry_with_the_key_opens() -> None:
    space = f.space(lock_settings={"mode": "jammed"})
    member = Member(space)
    stay_id = member.check_in()
    first = member.post(f"/api/v1/stays/{stay_id}/unlock", "open-1")
    _set_lock_mode(space, "normal")  # the technician freed the bolt

    again = member.post(f"/api/v1/stays/{stay_id}/unlock", "open-1")

    assert first.status_code == 503
    assert again.status_code == 200 and again.json()["result"] == "unlocked"
    assert "Idempotent-Replayed" not in again.headers
    assert list(LockCommand.objects.values_list("status", flat=True).order_by("id")) == [
        "failed",
        "confirmed",
    ]


def test_a_keyed_429_carries_retry_after_and_is_not_stored(settings: Any) -> None:
    settings.UNLOCK_RATE_PER_MINUTE = 1
    member = Member(f.space())
    stay_id = member.check_in()
    assert member.post(f"/api/v1/stays/{stay_id}/unlock", "open-1").status_code == 200

    limited = member.post(f"/api/v1/stays/{stay_id}/unlock", "open-2")
    settings.UNLOCK_RATE_PER_MINUTE = 6
    again = member.post(f"/api/v1/stays/{stay_id}/unlock", "open-2")

    assert limited.status_code == 429 and limited.json()["code"] == "too_many_attempts"
    assert limited["Retry-After"] == "60"
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers


def _crash_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first check-in dies before acting (an unexpected error: its effect is unknown)."""
    real = services.stay_check_in
    calls: list[int] = []

    def check_in(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("worker crashed")
        return real(**kwargs)

    monkeypatch.setattr(services, "stay_check_in", check_in)


def test_a_crashed_attempts_key_is_taken_over_once_its_claim_is_old(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.IDEMPOTENCY_WAIT_SECONDS = 0
    member = Member(f.space())
    _crash_once(monkeypatch)
    body = {"code": member.code, "minutes": 120}
    started = clock.now()
    with time_machine.travel(started, tick=False):
        crashed = member.post("/api/v1/stays", "in", body)
        soon = member.post("/api/v1/stays", "in", body)
    later = started + timedelta(seconds=settings.IDEMPOTENCY_CLAIM_SECONDS)
    with time_machine.travel(later, tick=False):
        taken_over = member.post("/api/v1/stays", "in", body)

    assert crashed.status_code == 500
    if connection.vendor == "postgresql":  # the crashed attempt's session lock is free
        assert soon.status_code == 201
    else:
        assert soon.status_code == 409 and soon.json()["code"] == "request_in_progress"
        assert 1 <= int(soon["Retry-After"]) <= settings.IDEMPOTENCY_CLAIM_SECONDS
        assert taken_over.status_code == 201
    assert Stay.objects.count() == 1


def test_a_command_left_pending_past_its_deadline_ends_visibly() -> None:
    space = f.space()
    never_sent = lock_command_create(member=None, space=space, stay=None, purpose="unlock")
    maybe_sent = lock_command_create(member=None, space=space, stay=None, purpose="unlock")
    LockCommand.objects.filter(pk=maybe_sent.pk).update(attempted_at=clock.now())

    with time_machine.travel(never_sent.not_after + timedelta(minutes=6), tick=False):
        breaches = lock_command_breaches()
        settled = lock_commands_settle_stale()
        after = lock_command_breaches()

    assert breaches == ["2 lock commands still pending after their deadline"]
    assert settled == 2 and after == []
    never_sent.refresh_from_db()
    maybe_sent.refresh_from_db()
    assert (never_sent.status, maybe_sent.status) == ("expired", "unknown")
    actions = AuditEntry.objects.filter(target_type="locks.lockcommand").values_list(
        "action", flat=True
    )
    assert sorted(actions) == sorted(
        ["lock.unlock_requested"] * 2 + ["lock.unlock_expired", "lock.unlock_unknown"]
    )


def _store_fails_once(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The database goes away after the action committed, before its response is stored: the
    attempt lets its claim go (as `idempotency_store` does when its connection dies) and fails."""
    from django.db import OperationalError

    from officepass.api import idempotency as edge
    from officepass.core.idempotency import idempotency_abandon

    real = edge.idempotency_store
    failed: list[int] = []

    def store(claim: Any, *, status: int, body: Any, acting: Any) -> bool:
        if not failed:
            failed.append(status)
            idempotency_abandon(claim, acting=acting)
            raise OperationalError("server closed the connection unexpectedly")
        return bool(real(claim, status=status, body=body, acting=acting))

    monkeypatch.setattr(edge, "idempotency_store", store)
    return failed


def _retry_after_claim_dies(settings: Any, post: Any) -> Any:
    """Retry once the dead attempt's claim can be taken over, on either database."""
    later = clock.now() + timedelta(seconds=settings.IDEMPOTENCY_CLAIM_SECONDS)
    with time_machine.travel(later, tick=False):
        return post()


@pytest.mark.parametrize("path", ["check-in", "extend", "checkout", "trouble"])
def test_a_retry_after_the_response_was_lost_answers_with_the_committed_effect(
    monkeypatch: pytest.MonkeyPatch, settings: Any, path: str
) -> None:
    """Issue 12 item 5, found by the PostgreSQL restart fault test: the effect committed, the
    response could not be stored, and the retry that took the claim over ran the service again
    — `already_checked_in` / `stay_not_active` for a check-in or checkout that had succeeded."""
    settings.IDEMPOTENCY_WAIT_SECONDS = 0
    space = f.space()
    Space.objects.filter(pk=space.pk).update(quota=2)
    member = Member(space)
    stay_id = None if path == "check-in" else member.check_in()
    if path == "extend":  # inside the extension window of a 120-minute stay
        assert stay_id is not None
        Stay.objects.filter(pk=stay_id).update(extension_opens_at=clock.now())
    key = f"{path}-1"
    requests = {
        "check-in": ("/api/v1/stays", {"code": member.code, "minutes": 120}, 201),
        "extend": (f"/api/v1/stays/{stay_id}/extend", {"minutes": 120}, 200),
        "checkout": (f"/api/v1/stays/{stay_id}/checkout", {"unlock": True}, 200),
        "trouble": (
            "/api/v1/trouble-reports",
            {"office_id": space.office_id, "kind": "other", "message": "wifi is down"},
            201,
        ),
    }
    url, body, ok = requests[path]
    failed = _store_fails_once(monkeypatch)
    before = LockCommand.objects.count(), AuditEntry.objects.count()

    lost = member.post(url, key, body)
    retried = _retry_after_claim_dies(settings, lambda: member.post(url, key, body))
    replayed = member.post(url, key, body)

    assert failed == [ok] and lost.status_code == 503, lost.json()
    assert retried.status_code == ok, retried.json()
    assert replayed.status_code == ok and replayed["Idempotent-Replayed"] == "true"
    assert replayed.json() == retried.json()
    stays = list(Stay.objects.values_list("pk", "status", "minutes", "extensions"))
    assert len(stays) == 1  # one check-in, whatever the path
    if path == "check-in":
        assert retried.json()["id"] == stays[0][0]
    if path == "extend":
        assert stays[0][2:] == (240, 1)  # extended once, charged once
        assert retried.json()["deadline"] == replayed.json()["deadline"]
    if path == "checkout":
        assert stays[0][1] == Stay.Status.CHECKED_OUT
        exits = LockCommand.objects.filter(purpose="exit")
        assert exits.count() == 1 and LockCommand.objects.count() == before[0] + 1
        assert exits.get().status == LockCommand.Status.CONFIRMED  # sent once, by the first
        assert retried.json()["unlock"]["result"] == "unlocked"
    if path == "trouble":
        from officepass.support.models import TroubleReport

        assert TroubleReport.objects.count() == 1
        assert retried.json()["id"] == TroubleReport.objects.get().pk
    from officepass.tickets.models import LedgerEntry

    consumed = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CONSUME)
    assert consumed.count() == (2 if path == "extend" else 1)


def test_a_claim_that_breaks_another_constraint_raises_instead_of_looping() -> None:
    """A claim whose insert breaks something other than the key's uniqueness (here: a user
    that does not exist) used to retry forever, as if the key had just been released."""
    from django.db import IntegrityError

    from officepass.accounts.models import User
    from officepass.core.idempotency import idempotency_claim

    with pytest.raises(IntegrityError):
        idempotency_claim(user=User(pk=987_654), key="k", fingerprint="f")
