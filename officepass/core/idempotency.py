"""Idempotency-Key claims (docs/architecture.md, decision 12): claim, then act, then record.

A key is claimed by inserting its record (`status_code` 0) in its own short transaction; the
action then runs owning its transactions (doors are sent after they commit); the response is
stored last, by the attempt that holds the claim. A duplicate meanwhile waits up to
IDEMPOTENCY_WAIT_SECONDS for that response, then gets `request_in_progress`.

A crashed attempt, or one that failed with an unknown effect (an exception that is not a
DomainError), keeps its claim, and that must not block the key forever. On PostgreSQL the
attempt's connection holds a session-level advisory lock named after the record while it
runs: once that lock is free (the attempt ended, the process was killed, the database
restarted) the next duplicate takes the claim over at once. On any database a claim older
than IDEMPOTENCY_CLAIM_SECONDS is taken over. The taker runs the action again; an effect that
must not happen twice looks for what the dead attempt left under the same record
(`current_claim().taken_over`: a door command is found, and never sent twice). Services name
their effect in its own transaction (`idempotency_effect`), so a taker finds a check-in,
checkout, extension or report that committed before its response could be stored
(`idempotency_earlier_effect`) and answers with it instead of refusing it as a repeat.
"""

import contextlib
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction

from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.core.models import IdempotencyRecord

ADVISORY_CLASS = 0x0FF1CE  # the first key of pg_advisory_lock(int, int) for claims
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Claim:
    record_id: int
    token: uuid.UUID
    taken_over: bool


_current: ContextVar[Claim | None] = ContextVar("idempotency_claim", default=None)


def current_claim() -> Claim | None:
    """The claim the running request acts under (None without an Idempotency-Key)."""
    return _current.get()


def _advisory(function: str, record_id: int) -> bool:
    if not _on_postgres():
        return True
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [ADVISORY_CLASS, record_id % 2**31])
        return bool(cursor.fetchone()[0])


def _insert(user: Any, key: str, fingerprint: str) -> Claim | IntegrityError:
    token = uuid.uuid4()
    now = clock.now()
    try:
        with transaction.atomic(durable=True):
            record = IdempotencyRecord.objects.create(
                user=user,
                key=key,
                fingerprint=fingerprint,
                created_at=now,
                claim=token,
                claimed_at=now,
            )
            # Taken before the claim is visible, so no duplicate can find it unheld.
            _advisory("pg_advisory_lock", record.pk)
    except IntegrityError as exc:
        return exc  # the key is taken (or, if no record holds it, another constraint broke)
    return Claim(record.pk, token, taken_over=False)


def _abandoned(record: IdempotencyRecord) -> tuple[bool, bool]:
    """(its attempt is gone, we now hold its advisory lock).

    Gone: the attempt's connection no longer holds the record's lock (PostgreSQL), or the
    claim is older than IDEMPOTENCY_CLAIM_SECONDS.
    """
    held = _advisory("pg_try_advisory_lock", record.pk) if _on_postgres() else False
    bound = timedelta(seconds=settings.IDEMPOTENCY_CLAIM_SECONDS)
    stale = record.claimed_at is not None and clock.now() - record.claimed_at >= bound
    return held or stale, held


def _take_over(record: IdempotencyRecord) -> Claim | None:
    token = uuid.uuid4()
    moved = IdempotencyRecord.objects.filter(
        pk=record.pk, status_code=0, claim=record.claim
    ).update(claim=token, claimed_at=clock.now())
    return Claim(record.pk, token, taken_over=True) if moved else None


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


def _in_progress(record: IdempotencyRecord) -> DomainError:
    bound = timedelta(seconds=settings.IDEMPOTENCY_CLAIM_SECONDS)
    left = (record.claimed_at or clock.now()) + bound - clock.now()
    wait = max(1, min(settings.IDEMPOTENCY_WAIT_SECONDS, int(left.total_seconds())))
    return DomainError("request_in_progress", retry_after_seconds=wait)


def idempotency_claim(*, user: Any, key: str, fingerprint: str) -> Claim | IdempotencyRecord:
    """Claim `key` for `user`, or the finished record of an earlier attempt to replay.

    Raises `idempotency_key_reused` for another request under the same key and
    `request_in_progress` when a live attempt still runs after the wait.
    """
    give_up = time.monotonic() + settings.IDEMPOTENCY_WAIT_SECONDS
    missing = 0
    while True:
        inserted = _insert(user, key, fingerprint)
        if isinstance(inserted, Claim):
            return inserted
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is None:
            # Released meanwhile (a retryable refusal): claim it afresh. Again and again with
            # no record in the way is no race but a broken constraint: never loop on it.
            missing += 1
            if missing > 3:
                raise inserted
            continue
        missing = 0
        if record.fingerprint != fingerprint:
            raise DomainError("idempotency_key_reused")
        if record.status_code:
            return record
        gone, held = _abandoned(record)
        if gone and (claim := _take_over(record)) is not None:
            return claim
        if held:  # someone else took it over, or it finished, meanwhile
            _advisory("pg_advisory_unlock", record.pk)
        if time.monotonic() >= give_up:
            raise _in_progress(record)
        time.sleep(POLL_SECONDS)


def idempotency_effect(kind: str, pk: int) -> None:
    """Record, inside the effect's own transaction, that the acting attempt did `kind` to `pk`.

    Raises `request_in_progress` (rolling the effect back) if the claim has moved to another
    attempt meanwhile: only the attempt that holds the claim may act under it.
    """
    claim = current_claim()
    if claim is None:
        return
    named = IdempotencyRecord.objects.filter(
        pk=claim.record_id, claim=claim.token, status_code=0
    ).update(effect=f"{kind}:{pk}")
    if not named:
        raise DomainError("request_in_progress", retry_after_seconds=1)


def idempotency_earlier_effect(kind: str) -> int | None:
    """The pk a dead attempt under the claim now being acted on committed as `kind`, if any."""
    claim = current_claim()
    if claim is None or not claim.taken_over:
        return None
    effect = (
        IdempotencyRecord.objects.filter(pk=claim.record_id)
        .values_list("effect", flat=True)
        .first()
    )
    name, _, pk = (effect or "").partition(":")
    return int(pk) if name == kind and pk.isdigit() else None


def idempotency_acting(claim: Claim) -> Any:
    """Make `claim` the current one while the action runs; the token goes back to
    `idempotency_store`, `idempotency_release` or `idempotency_abandon`."""
    return _current.set(claim)


def idempotency_store(claim: Claim, *, status: int, body: Any, acting: Any) -> bool:
    """Record the final response, if this attempt still holds the claim; then let go of it."""
    try:
        with transaction.atomic(durable=True):
            stored = IdempotencyRecord.objects.filter(
                pk=claim.record_id, claim=claim.token, status_code=0
            ).update(status_code=status, response=body)
    finally:
        _let_go(claim, acting)
    return bool(stored)


def idempotency_release(claim: Claim, *, acting: Any) -> None:
    """Forget the claim, so a retry with the key acts afresh (a retryable refusal: 429, 503)."""
    try:
        IdempotencyRecord.objects.filter(
            pk=claim.record_id, claim=claim.token, status_code=0
        ).delete()
    finally:
        _let_go(claim, acting)


def idempotency_abandon(claim: Claim, *, acting: Any) -> None:
    """Stop acting under the claim but keep it: a retry takes it over (at once on PostgreSQL,
    whose lock this lets go of; after IDEMPOTENCY_CLAIM_SECONDS elsewhere)."""
    _let_go(claim, acting)


def _let_go(claim: Claim, acting: Any) -> None:
    _current.reset(acting)
    # If the connection is gone, so are its session's locks.
    with contextlib.suppress(DatabaseError):
        _advisory("pg_advisory_unlock", claim.record_id)
