"""Unlock commands: a row and an audit entry first, sent after commit, outcome recorded."""

import logging
import time
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db import transaction

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.core.idempotency import current_claim
from officepass.core.transactions import require_no_transaction
from officepass.locks.drivers.base import ErrorCode, LockError, Outcome
from officepass.locks.models import LockCommand
from officepass.locks.registry import driver_for, driver_name
from officepass.offices.models import Space

log = logging.getLogger(__name__)

# An unlock not sent within this long is dropped: a late open is worse than none.
SEND_WITHIN = timedelta(seconds=30)


class StayRef(Protocol):
    """The stay an unlock belongs to. Locks sit below stays (docs/architecture.md, "Layers"):
    they keep a foreign key to the stay but never import its app."""

    pk: Any
    deadline: datetime


# The audit action of each (purpose, step) of a lock command (the vocabulary has no f-strings).
LOCK_ACTIONS: dict[tuple[str, str], AuditAction] = {
    ("unlock", "requested"): AuditAction.LOCK_UNLOCK_REQUESTED,
    ("unlock", LockCommand.Status.CONFIRMED): AuditAction.LOCK_UNLOCK_CONFIRMED,
    ("unlock", LockCommand.Status.ACCEPTED): AuditAction.LOCK_UNLOCK_ACCEPTED,
    ("unlock", LockCommand.Status.UNKNOWN): AuditAction.LOCK_UNLOCK_UNKNOWN,
    ("unlock", LockCommand.Status.FAILED): AuditAction.LOCK_UNLOCK_FAILED,
    ("unlock", LockCommand.Status.EXPIRED): AuditAction.LOCK_UNLOCK_EXPIRED,
    ("exit", "requested"): AuditAction.LOCK_EXIT_REQUESTED,
    ("exit", LockCommand.Status.CONFIRMED): AuditAction.LOCK_EXIT_CONFIRMED,
    ("exit", LockCommand.Status.ACCEPTED): AuditAction.LOCK_EXIT_ACCEPTED,
    ("exit", LockCommand.Status.UNKNOWN): AuditAction.LOCK_EXIT_UNKNOWN,
    ("exit", LockCommand.Status.FAILED): AuditAction.LOCK_EXIT_FAILED,
    ("exit", LockCommand.Status.EXPIRED): AuditAction.LOCK_EXIT_EXPIRED,
    ("cred_issue", "requested"): AuditAction.LOCK_CRED_ISSUE_REQUESTED,
    ("cred_issue", LockCommand.Status.CONFIRMED): AuditAction.LOCK_CRED_ISSUE_CONFIRMED,
    ("cred_issue", LockCommand.Status.ACCEPTED): AuditAction.LOCK_CRED_ISSUE_ACCEPTED,
    ("cred_issue", LockCommand.Status.UNKNOWN): AuditAction.LOCK_CRED_ISSUE_UNKNOWN,
    ("cred_issue", LockCommand.Status.FAILED): AuditAction.LOCK_CRED_ISSUE_FAILED,
    ("cred_issue", LockCommand.Status.EXPIRED): AuditAction.LOCK_CRED_ISSUE_EXPIRED,
    ("cred_update", "requested"): AuditAction.LOCK_CRED_UPDATE_REQUESTED,
    ("cred_update", LockCommand.Status.CONFIRMED): AuditAction.LOCK_CRED_UPDATE_CONFIRMED,
    ("cred_update", LockCommand.Status.ACCEPTED): AuditAction.LOCK_CRED_UPDATE_ACCEPTED,
    ("cred_update", LockCommand.Status.UNKNOWN): AuditAction.LOCK_CRED_UPDATE_UNKNOWN,
    ("cred_update", LockCommand.Status.FAILED): AuditAction.LOCK_CRED_UPDATE_FAILED,
    ("cred_update", LockCommand.Status.EXPIRED): AuditAction.LOCK_CRED_UPDATE_EXPIRED,
    ("cred_revoke", "requested"): AuditAction.LOCK_CRED_REVOKE_REQUESTED,
    ("cred_revoke", LockCommand.Status.CONFIRMED): AuditAction.LOCK_CRED_REVOKE_CONFIRMED,
    ("cred_revoke", LockCommand.Status.ACCEPTED): AuditAction.LOCK_CRED_REVOKE_ACCEPTED,
    ("cred_revoke", LockCommand.Status.UNKNOWN): AuditAction.LOCK_CRED_REVOKE_UNKNOWN,
    ("cred_revoke", LockCommand.Status.FAILED): AuditAction.LOCK_CRED_REVOKE_FAILED,
    ("cred_revoke", LockCommand.Status.EXPIRED): AuditAction.LOCK_CRED_REVOKE_EXPIRED,
}


def lock_action(purpose: str, step: str) -> AuditAction:
    """`lock.<purpose>_<step>` from the vocabulary (KeyError for a step it lacks)."""
    return LOCK_ACTIONS[(purpose, step)]


def lock_command_under_claim(*, purpose: str) -> LockCommand | None:
    """The `purpose` command a dead attempt recorded under the Idempotency-Key claim taken
    over now (None without a taken-over claim, or if it recorded none)."""
    claim = current_claim()
    if claim is None or not claim.taken_over:
        return None
    under = LockCommand.objects.filter(idempotency_record_id=claim.record_id, purpose=purpose)
    return under.first()


def lock_command_create(
    *, member: User | None, space: Space, stay: StayRef | None, purpose: str
) -> LockCommand:
    """Record an unlock (call inside the transaction that allows it).

    Under an Idempotency-Key claim taken over from a dead attempt, the command that attempt
    recorded is returned instead of a new one: `lock_command_send` never sends it twice.
    """
    earlier = lock_command_under_claim(purpose=purpose)
    if earlier is not None:
        return earlier
    claim = current_claim()
    now = clock.now()
    not_after = now + SEND_WITHIN
    if stay is not None:
        not_after = min(not_after, stay.deadline) if purpose == "unlock" else not_after
    command = LockCommand.objects.create(
        space=space,
        stay=stay,  # type: ignore[misc]  # a Stay at run time (StayRef for the layers)
        member=member,
        purpose=purpose,
        driver=driver_name(space),
        created_at=now,
        not_after=not_after,
        idempotency_record_id=claim.record_id if claim is not None else None,
    )
    audit(
        actor=member,
        action=lock_action(purpose, "requested"),
        target=command,
        space=space.pk,
        stay=getattr(stay, "pk", None),
    )
    return command


# A retryable failure (the command provably never left us: device or hub offline, vendor
# rate limit) is tried again once after this pause, if the command's deadline allows.
RETRY_PAUSE_SECONDS = 0.25
OUTCOME_STATUS = {
    Outcome.CONFIRMED: LockCommand.Status.CONFIRMED,
    Outcome.ACCEPTED: LockCommand.Status.ACCEPTED,
    Outcome.UNKNOWN: LockCommand.Status.UNKNOWN,
}


def _attempt(command: LockCommand) -> tuple[str, str, dict[str, Any], bool]:
    """One try: (status, error code, detail, retryable)."""
    if clock.now() >= command.not_after:
        return LockCommand.Status.EXPIRED, ErrorCode.EXPIRED, {}, False
    try:
        result = driver_for(command.space).unlock(
            request_id=command.request_id, not_after=command.not_after
        )
    except LockError as exc:
        log.warning("unlock %s failed: %s", command.request_id, exc.code)
        status = LockCommand.Status.EXPIRED if exc.code == ErrorCode.EXPIRED else "failed"
        return status, exc.code, {"detail": exc.detail}, exc.retryable
    except Exception as exc:
        # Not the driver's vocabulary (a bug, a cache that went away): it may have been sent.
        log.exception("unlock %s: unexpected error", command.request_id)
        return LockCommand.Status.UNKNOWN, "internal", {"detail": type(exc).__name__}, False
    return OUTCOME_STATUS[result.outcome], "", result.detail, False


# An attempted command found still pending (its sender died): it may have reached the door.
NOT_RESENT = "not_resent"


def _claim_send(command: LockCommand) -> bool:
    """Mark the command attempted, once, by one guarded UPDATE: the one caller that wins sends."""
    now = clock.now()
    won = LockCommand.objects.filter(
        pk=command.pk, status=LockCommand.Status.PENDING, attempted_at__isnull=True
    ).update(attempted_at=now)
    if won:
        command.attempted_at = now
    return bool(won)


def lock_command_send(command: LockCommand) -> LockCommand:
    """Send outside any transaction; never re-send a command that may have arrived.

    Only a failure that provably never left us is retried, once, before `not_after`. A
    command some caller already attempted but that is still pending (a dead request's, found
    by its Idempotency-Key) is not sent again: it is recorded `unknown` (it may have opened the
    door). A finished command sent again goes to its driver, which replays its outcome by
    request id (tests/locks/contract), and the repeat is audited.
    """
    require_no_transaction("sending a lock command")
    if not _claim_send(command):
        command.refresh_from_db()
        if command.status == LockCommand.Status.PENDING:
            _record(command, LockCommand.Status.UNKNOWN, NOT_RESENT, {"resent": False}, 0.0)
            return command
    started = time.perf_counter()
    status, error, detail, retryable = _attempt(command)
    if retryable:
        time.sleep(RETRY_PAUSE_SECONDS)
        if (command.not_after - clock.now()).total_seconds() > 1:
            status, error, detail, _ = _attempt(command)
            detail = {**detail, "attempts": 2}
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    _record(command, status, error, detail, latency_ms, from_pending=False)
    return command


def _record(
    command: LockCommand,
    status: str,
    error: str,
    detail: dict[str, Any],
    latency_ms: float,
    *,
    from_pending: bool = True,
) -> None:
    """The outcome with its audit row; `from_pending`: only if still pending (guarded)."""
    now = clock.now()
    rows = LockCommand.objects.filter(pk=command.pk)
    if from_pending:
        rows = rows.filter(status=LockCommand.Status.PENDING)
    with transaction.atomic():
        moved = rows.update(
            status=status,
            error_code=error,
            response=detail,
            finished_at=now,
            latency_ms=latency_ms,
        )
        if not moved:
            command.refresh_from_db()
            return
        command.status, command.error_code, command.response = status, error, detail
        command.finished_at, command.latency_ms = now, latency_ms
        audit(
            actor=command.member,
            action=lock_action(command.purpose, status),
            target=command,
            latency_ms=command.latency_ms,
            error=error,
        )


def lock_commands_settle_stale(*, limit: int = 500) -> int:
    """Commands still pending after their deadline (their process died between commit and
    send, or mid-send) end visibly: `expired` if never attempted, else `unknown`."""
    stale = LockCommand.objects.filter(
        status=LockCommand.Status.PENDING, not_after__lte=clock.now()
    ).order_by("id")[:limit]
    done = 0
    for command in stale:
        status, error = (LockCommand.Status.UNKNOWN, NOT_RESENT)
        if command.attempted_at is None:
            status, error = (LockCommand.Status.EXPIRED, str(ErrorCode.EXPIRED))
        _record(command, status, error, {"settled": "after deadline"}, 0.0)
        done += command.status == status
    return done


def lock_is_online(space: Space) -> bool:
    return driver_for(space).is_online()


SECRET_WORDS = ("secret", "token", "password", "apikey", "api_key", "private")


def _looks_secret(name: str) -> bool:
    lowered = name.lower()
    return name != "secret_env" and any(word in lowered for word in SECRET_WORDS)


def lock_configure(
    *, actor: User, space: Space, driver: str, lock_settings: dict[str, object]
) -> Space:
    """Set a space's lock (driver + settings). Secrets are refused: name env vars instead."""
    from officepass.locks.registry import DRIVERS

    if driver not in DRIVERS:
        raise DomainError("invalid_input", field="driver", drivers=sorted(DRIVERS))
    secret_keys = [key for key in lock_settings if _looks_secret(key)]
    if secret_keys:
        raise DomainError(
            "invalid_input",
            field="settings",
            secret_keys=secret_keys,
            hint="put secrets in environment variables named by secret_env",
        )
    with transaction.atomic():
        before = {"driver": space.lock_driver, "settings": space.lock_settings}
        space.lock_driver, space.lock_settings = driver, lock_settings
        space.save(update_fields=["lock_driver", "lock_settings"])
        audit(
            actor=actor,
            action=AuditAction.LOCK_CONFIGURED,
            target=space,
            before=before,
            after={"driver": driver, "settings": lock_settings},
        )
    return space
