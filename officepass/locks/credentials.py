"""Time-boxed credentials on credential locks (RemoteLOCK access guests, …), one per stay.

Each call to the vendor is a `LockCommand` (purpose `cred_issue`, `cred_update`, `cred_revoke`)
recorded with its audit row inside the stay's transaction and sent after commit
(docs/architecture.md, decision 6): outcome and latency kept, a command claimed once (PENDING →
UNKNOWN before it is sent, so a crash mid-send leaves it honestly `unknown`) and never re-sent. A
revoke is the exception the vendor allows: it is idempotent by the credential's id, so a revoke
that did not confirm is followed by a new revoke command, from the worker, until one confirms.

The stays app calls the three `lock_credentials_for_stay_*` hooks, each once per lifecycle
point, inside its own transaction.
"""

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.locks.drivers.base import (
    CredentialResult,
    CredentialWindow,
    ErrorCode,
    LockDriver,
    LockError,
    Outcome,
)
from officepass.locks.drivers.pins import DEFAULT_PIN_DIGITS, new_pin
from officepass.locks.models import LockCommand, LockCredential
from officepass.locks.registry import driver_for, driver_name
from officepass.locks.services import lock_action

log = logging.getLogger(__name__)

ISSUE, UPDATE, REVOKE = "cred_issue", "cred_update", "cred_revoke"
# A stays.Stay row: locks sits below stays in the layers, so it is named, not imported.
Stay = Any
STAY_ACTIVE = "active"
# A revoke keeps being retried for this long; after it the console still shows it stuck.
REVOKE_RETRY_FOR = timedelta(days=7)
Status = LockCommand.Status
Cred = LockCredential.Status


def credentials_supported(driver: LockDriver) -> bool:
    return driver.supports_credentials()


def stay_label(stay_id: int) -> str:
    """What the vendor sees: the stay, never the member's name or e-mail."""
    return f"officepass stay {stay_id}"


def _record(credential: LockCredential, purpose: str, not_after: datetime, actor: Any) -> int:
    command = LockCommand.objects.create(
        space_id=credential.space_id,
        stay_id=credential.stay_id,
        member=actor if getattr(actor, "pk", None) else None,
        purpose=purpose,
        driver=credential.driver,
        created_at=clock.now(),
        not_after=not_after,
        credential=credential,
    )
    audit(
        actor=actor,
        action=lock_action(purpose, "requested"),
        target=command,
        stay=credential.stay_id,
    )
    command_id = command.pk
    transaction.on_commit(lambda: lock_credential_command_send(command_id=command_id))
    return command_id


def lock_credentials_needed(space: Any) -> bool:
    """Whether a check-in to `space` writes a credential (its lock issues them)."""
    return credentials_supported(driver_for(space))


def lock_credentials_for_stay_issue(*, stay: Stay) -> LockCredential | None:
    """At check-in (inside its transaction): a credential for the stay's window, if the lock
    issues them; the vendor is called after commit."""
    driver = driver_for(stay.space)
    if not credentials_supported(driver):
        return None
    digits = int(stay.space.lock_settings.get("pin_digits", DEFAULT_PIN_DIGITS))
    credential = LockCredential.objects.create(
        stay=stay,
        space=stay.space,
        driver=driver_name(stay.space),
        pin=new_pin(digits),
        starts_at=stay.started_at,
        ends_at=stay.deadline,
        created_at=clock.now(),
    )
    _record(credential, ISSUE, stay.deadline, stay.member)
    return credential


def lock_credentials_for_stay_extend(*, stay: Stay, deadline: datetime) -> None:
    """At extension (inside its transaction): move the window's end. A credential not yet
    issued takes the new end with it when its issue is sent."""
    credential = LockCredential.objects.select_for_update().filter(stay=stay).first()
    if credential is None or credential.status in (Cred.REVOKING, Cred.REVOKED, Cred.FAILED):
        return
    LockCredential.objects.filter(pk=credential.pk).update(ends_at=deadline)
    if credential.status == Cred.ACTIVE:
        credential.ends_at = deadline
        _record(credential, UPDATE, deadline, stay.member)


def lock_credentials_for_stay_revoke(*, stay: Stay, actor: Any = None) -> None:
    """When a stay ends (checkout, forced, staff, recovery; inside its transaction)."""
    credential = LockCredential.objects.select_for_update().filter(stay=stay).first()
    if credential is None or credential.status in (Cred.REVOKING, Cred.REVOKED, Cred.FAILED):
        return  # FAILED: nothing exists at the vendor
    if credential.status == Cred.UNKNOWN and not credential.ref:
        return  # nothing we could name; the vendor's own window ends it at the deadline
    LockCredential.objects.filter(pk=credential.pk).update(status=Cred.REVOKING)
    _record(credential, REVOKE, clock.now() + REVOKE_RETRY_FOR, actor)


# -- sending -----------------------------------------------------------------------------------


def _window(credential: LockCredential) -> CredentialWindow:
    return CredentialWindow(
        starts_at=credential.starts_at,
        ends_at=credential.ends_at,
        pin=credential.pin,
        label=stay_label(credential.stay_id),
    )


def _call(command: LockCommand, credential: LockCredential) -> CredentialResult:
    driver = driver_for(command.space)
    rid = command.request_id
    if command.purpose == ISSUE:
        return driver.credential_issue(request_id=rid, window=_window(credential))
    if not credential.ref:
        raise LockError(ErrorCode.NOT_ISSUED, "the vendor has not named this credential")
    if command.purpose == UPDATE:
        return driver.credential_update(
            request_id=rid, ref=credential.ref, window=_window(credential)
        )
    return driver.credential_revoke(request_id=rid, ref=credential.ref)


def _attempt(command: LockCommand) -> tuple[str, str, CredentialResult | None, dict[str, Any]]:
    """One send: (command status, error code, result, detail)."""
    if clock.now() >= command.not_after:
        return Status.EXPIRED, ErrorCode.EXPIRED, None, {}
    credential = LockCredential.objects.get(pk=command.credential_id or 0)
    if command.purpose == ISSUE and credential.status == Cred.REVOKING:
        return Status.EXPIRED, ErrorCode.EXPIRED, None, {"detail": "the stay ended first"}
    try:
        result = _call(command, credential)
    except LockError as exc:
        log.warning("%s %s failed: %s", command.purpose, command.request_id, exc.code)
        status = Status.EXPIRED if exc.code == ErrorCode.EXPIRED else Status.FAILED
        return status, exc.code, None, {"detail": exc.detail}
    status = {Outcome.CONFIRMED: Status.CONFIRMED, Outcome.ACCEPTED: Status.ACCEPTED}.get(
        result.outcome, Status.UNKNOWN
    )
    return status, "", result, dict(result.detail)


def lock_credential_command_send(*, command_id: int) -> LockCommand | None:
    """Send one recorded credential command, outside any transaction, at most once."""
    if not LockCommand.objects.filter(pk=command_id, status=Status.PENDING).update(
        status=Status.UNKNOWN
    ):
        return None  # another process claimed it, or it was already sent
    command = LockCommand.objects.select_related("space").get(pk=command_id)
    started = time.perf_counter()
    status, error, result, detail = _attempt(command)
    command.status, command.error_code, command.response = status, error, detail
    command.finished_at = clock.now()
    command.latency_ms = round((time.perf_counter() - started) * 1000, 3)
    with transaction.atomic():
        command.save(
            update_fields=["status", "error_code", "response", "finished_at", "latency_ms"]
        )
        _apply(command, result)
        audit(
            actor=command.member,
            action=lock_action(command.purpose, status),
            target=command,
            latency_ms=command.latency_ms,
            error=error,
        )
    return command


def _apply(command: LockCommand, result: CredentialResult | None) -> None:
    """Move the credential by what the vendor said (under its row lock)."""
    credential = LockCredential.objects.select_for_update().get(pk=command.credential_id or 0)
    done = command.status in (Status.CONFIRMED, Status.ACCEPTED)
    fields: dict[str, Any] = {}
    if result is not None and result.ref and not credential.ref:
        fields["ref"] = result.ref
    if command.purpose == ISSUE:
        fields.update(_after_issue(credential, command.status, result))
    elif command.purpose == UPDATE and done:
        fields["vendor_ends_at"] = credential.ends_at
    elif command.purpose == REVOKE and done:
        fields.update(status=Cred.REVOKED, revoked_at=clock.now())
    if fields:
        LockCredential.objects.filter(pk=credential.pk).update(**fields)
    _follow_up(credential, command, fields)


def _after_issue(
    credential: LockCredential, status: str, result: CredentialResult | None
) -> dict[str, Any]:
    revoking = credential.status == Cred.REVOKING  # the stay ended while we were issuing
    if status in (Status.CONFIRMED, Status.ACCEPTED) and result is not None:
        fields: dict[str, Any] = {"vendor_ends_at": credential.ends_at}
        if result.pin:
            fields["pin"] = result.pin
        if result.url:
            fields["url"] = result.url
        if not revoking:
            fields["status"] = Cred.ACTIVE
        return fields
    if revoking and status == Status.UNKNOWN:
        # Named (a later step went unanswered): keep revoking it; unnamed: nothing to revoke.
        return {} if result is not None and result.ref else {"status": Cred.UNKNOWN}
    if revoking:
        return {"status": Cred.REVOKED}
    return {"status": Cred.UNKNOWN if status == Status.UNKNOWN else Cred.FAILED}


def _follow_up(credential: LockCredential, command: LockCommand, fields: dict[str, Any]) -> None:
    """An issue that raced an extension sends the new end too."""
    if command.purpose != ISSUE or fields.get("status") != Cred.ACTIVE:
        return
    issued_end = fields.get("vendor_ends_at")
    current = LockCredential.objects.get(pk=credential.pk)
    if issued_end is not None and current.ends_at != issued_end:
        _record(current, UPDATE, current.ends_at, None)


# -- the worker ----------------------------------------------------------------------------------


def _revokes_due(now: datetime, limit: int) -> list[LockCredential]:
    """Credentials being revoked whose last revoke did not confirm and has finished."""
    pause = timedelta(seconds=settings.LOCK_REVOKE_RETRY_SECONDS)
    in_flight = LockCommand.objects.filter(
        credential=OuterRef("pk"), purpose=REVOKE, finished_at__isnull=True
    )
    recent = LockCommand.objects.filter(
        credential=OuterRef("pk"), purpose=REVOKE, finished_at__gt=now - pause
    )
    due = LockCredential.objects.filter(status=Cred.REVOKING).exclude(
        Exists(in_flight) | Exists(recent)
    )
    return list(due.order_by("pk")[:limit])


def lock_credentials_retry(*, limit: int = 100) -> int:
    """Worker: send credential commands whose after-commit send never ran, and revoke again
    every credential whose last revoke failed or went unanswered. Returns commands sent."""
    now = clock.now()
    stale = LockCommand.objects.filter(
        credential__isnull=False,
        status=Status.PENDING,
        created_at__lte=now - timedelta(seconds=settings.LOCK_REVOKE_RETRY_SECONDS),
    ).values_list("pk", flat=True)[:limit]
    sent = sum(lock_credential_command_send(command_id=pk) is not None for pk in list(stale))
    for credential in _revokes_due(now, limit):
        with transaction.atomic():
            locked = LockCredential.objects.select_for_update().get(pk=credential.pk)
            if locked.status != Cred.REVOKING:
                continue
            _record(locked, REVOKE, now + REVOKE_RETRY_FOR, None)  # sent on commit
        sent += 1
    return sent


# -- the backup PIN --------------------------------------------------------------------------

SCREEN, DEVICE = "screen", "device"


def lock_credential_backup_pin(*, member: Any, stay_id: int, to: str) -> LockCredential:
    """The member's own PIN for a running stay whose lock holds it (the app could not unlock,
    or the phone keeps it for the offline page). Every reveal on screen is audited; the copy
    handed to the device for offline use is audited once."""
    credential = (
        LockCredential.objects.select_related("stay", "stay__office")
        .filter(stay_id=stay_id, stay__member=member)
        .first()
    )
    if credential is None:
        raise DomainError("not_found")
    stay = credential.stay
    running = stay.status == STAY_ACTIVE and clock.now() < stay.deadline
    if not running or credential.status != Cred.ACTIVE or not credential.pin:
        raise DomainError("backup_pin_unavailable")
    with transaction.atomic():
        first = LockCredential.objects.filter(pk=credential.pk, revealed_at__isnull=True).update(
            revealed_at=clock.now()
        )
        if to == SCREEN or first:
            audit(
                actor=member, action=AuditAction.LOCK_BACKUP_PIN_REVEALED, target=credential, to=to
            )
    return credential


def backup_pin_valid_until(credential: LockCredential) -> datetime:
    """What the lock will honour: the end the vendor confirmed, never past the stay's deadline."""
    end = credential.vendor_ends_at or credential.ends_at
    return min(end, credential.stay.deadline)


def stay_backup_pin_ready(stay: Stay) -> bool:
    """Whether the stay's lock holds an issued PIN for it (read-only; no audit)."""
    return LockCredential.objects.filter(stay=stay, status=Cred.ACTIVE).exclude(pin="").exists()


def stay_last_unlock_failed(stay: Stay) -> bool:
    """Whether the stay's latest app unlock provably did not open the door."""
    last = LockCommand.objects.filter(stay=stay, purpose="unlock").order_by("-id").first()
    return last is not None and last.status in (Status.FAILED, Status.EXPIRED)
