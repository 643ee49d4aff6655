"""The stay lifecycle: check in, extend, unlock, check out, forced checkout (rules 2–11, 14).

Every write is one transaction holding the state change and its audit row; lock commands
are recorded inside it and sent after commit.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit, audit_entry
from officepass.core.errors import DomainError
from officepass.core.idempotency import (
    current_claim,
    idempotency_earlier_effect,
    idempotency_effect,
)
from officepass.core.prepared import insert
from officepass.locks.credentials import (
    lock_credentials_for_stay_extend,
    lock_credentials_for_stay_issue,
    lock_credentials_for_stay_revoke,
    lock_credentials_needed,
)
from officepass.locks.models import LockCommand
from officepass.locks.services import (
    lock_command_create,
    lock_command_send,
    lock_command_under_claim,
    lock_is_online,
)
from officepass.offices.models import Space
from officepass.offices.selectors import nearby_free, space_for_check_in, space_for_code
from officepass.stays import one_statement, rules
from officepass.stays.models import AvailabilityChange, Stay
from officepass.stays.selectors import unlock_outcome
from officepass.tickets.caps import monthly_cap_check
from officepass.tickets.cycles import member_cycle_roll
from officepass.tickets.models import LedgerEntry
from officepass.tickets.services import (
    ticket_account_ensure,
    ticket_consume,
    ticket_cycle_ended,
    ticket_cycle_roll_if_ended,
    ticket_refund_for_stay,
)


def space_claim(space_id: int) -> bool:
    """Take one seat: a single guarded UPDATE, so concurrent check-ins cannot oversell.
    Written as SQL: every check-in runs it, and Django compiling the UPDATE cost more than
    running it (issue 18)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Space._meta.db_table} SET in_use = in_use + 1 "  # noqa: S608
            "WHERE id = %s AND in_use < quota",
            [space_id],
        )
        return cursor.rowcount == 1


def space_release(space: Space) -> None:
    Space.objects.filter(pk=space.pk, in_use__gt=0).update(in_use=F("in_use") - 1)
    availability_changed(space)


def availability_changed(space: Space) -> None:
    insert(AvailabilityChange(space=space, office_id=space.office_id, created_at=clock.now()))


# The audit action of each way a stay ends (the vocabulary has no f-strings).
STAY_ENDED: dict[str, AuditAction] = {
    Stay.Status.CHECKED_OUT: AuditAction.STAY_CHECKED_OUT,
    Stay.Status.FORCED_OUT: AuditAction.STAY_FORCED_OUT,
    Stay.Status.CANCELLED: AuditAction.STAY_CANCELLED,
}


def stay_end(
    stay: Stay,
    *,
    status: str,
    ended_at: datetime,
    actor: User | None,
    if_deadline: datetime | None = None,
    **data: object,
) -> bool:
    """Move an active stay to an end state once (guarded), free its seat, audit it.

    With `if_deadline`, only while the stay's deadline is still that one: the same statement
    compares it, so an extension committed meanwhile keeps the stay (issue 12 item 4).
    """
    guard = {} if if_deadline is None else {"deadline": if_deadline}
    moved = Stay.objects.filter(pk=stay.pk, status=Stay.Status.ACTIVE, **guard).update(
        status=status, ended_at=ended_at
    )
    if not moved:
        return False
    stay.status, stay.ended_at = status, ended_at
    space_release(stay.space)
    audit(actor=actor, action=STAY_ENDED[status], target=stay, space=stay.space_id, **data)
    lock_credentials_for_stay_revoke(stay=stay, actor=actor)
    return True


def stays_finalize_expired(
    *, space_id: int | None = None, member_id: int | None = None, limit: int = 500
) -> int:
    """Record stays past their deadline as forced out and free their seats (rule 10).

    Each stay ends in its own short transaction (a guarded UPDATE of the stay, then its
    space's counter), so several workers, or a worker and a check-in, never hold two space
    rows at once and cannot deadlock; a stay two workers both pick is ended once.
    """
    expired = Stay.objects.filter(status=Stay.Status.ACTIVE, deadline__lte=clock.now())
    if space_id is not None:
        expired = expired.filter(space_id=space_id)
    if member_id is not None:
        expired = expired.filter(member_id=member_id)
    stays = expired.select_related("space").order_by("deadline")[:limit]
    return sum(_end_expired(stay) for stay in stays)


def _end_expired(stay: Stay) -> bool:
    """Force out a stay read as past its deadline, unless an extension has moved it since."""
    with transaction.atomic():
        return stay_end(
            stay,
            status=Stay.Status.FORCED_OUT,
            ended_at=stay.deadline,
            actor=None,
            if_deadline=stay.deadline,
            reason="deadline passed",
        )


class _SeatTaken(Exception):
    """The guarded claim found no free seat (the check-in transaction is rolled back)."""


def _precheck_balance(member: User, tickets: int) -> None:
    account = ticket_account_ensure(member=member)
    if not account.postpaid and account.balance < tickets:
        raise DomainError("insufficient_tickets", balance=account.balance, needed=tickets)


def stay_check_in(*, member: User, code: str, minutes: int) -> Stay:
    """Check in to the space a door code names for `minutes`, charging tickets as chosen.

    One transaction claims the seat (guarded counter), inserts the stay (the partial unique
    index allows one active stay per member), debits the tickets (guarded balance) and writes
    the audit row; any refusal rolls all of it back.
    """
    earlier = idempotency_earlier_effect("stay.check_in")
    if earlier is not None:  # a dead attempt under this Idempotency-Key checked in already
        return Stay.objects.select_related("space", "office").get(pk=earlier, member=member)
    now = clock.now()
    if member.plan_id is None:
        space, coverage = space_for_code(code), None
    else:
        space, coverage = space_for_check_in(code, member.plan_id)
    office = space.office
    rules.check_plan_covers(member, space, now=now, coverage=coverage)
    deadline = rules.check_duration(
        office, minutes, start=now, now=now, past_closing="invalid_duration"
    )
    member_cycle_roll(member=member)
    monthly_cap_check(member, rules.tickets_for(minutes, office.unit_minutes))
    if not lock_is_online(space):
        raise DomainError(
            "lock_unavailable", nearby=nearby_free(office=office, seat_type=space.seat_type)
        )
    # A refusal may be caused by a stay whose deadline has passed but which the worker has not
    # recorded yet: the member's own (one active stay each) or one holding the last seat.
    # Such stays end in their own short transactions, outside the check-in transaction, so
    # that it never locks two spaces or two members' stays: no lock-order deadlocks.
    # Someone else (the worker, another check-in) may have ended that stay between our refusal
    # and our look for it: finding nothing to end, we still try again if the seat is free now
    # or the member's stay has ended now, and refuse only when it is not.
    for _attempt in range(3):
        try:
            return _check_in(member, space, now=now, minutes=minutes, deadline=deadline)
        except _SeatTaken:
            if not stays_finalize_expired(space_id=space.pk) and not _has_room(space.pk):
                raise DomainError(
                    "space_full", nearby=nearby_free(office=office, seat_type=space.seat_type)
                ) from None
        except IntegrityError as exc:
            if not _one_active_stay_violated(exc):
                raise  # another invariant broke: a bug, never reported as "already checked in"
            if not stays_finalize_expired(member_id=member.pk) and _has_active_stay(member.pk):
                raise DomainError("already_checked_in") from None
    raise DomainError("space_full", nearby=nearby_free(office=office, seat_type=space.seat_type))


def _has_room(space_id: int) -> bool:
    return Space.objects.filter(pk=space_id, in_use__lt=F("quota")).exists()


def _has_active_stay(member_id: int) -> bool:
    return Stay.objects.filter(member_id=member_id, status=Stay.Status.ACTIVE).exists()


def _one_active_stay_violated(exc: IntegrityError) -> bool:
    """The partial unique index `one_active_stay_per_member` (PostgreSQL names it; SQLite
    names its column)."""
    message = str(exc)
    return "one_active_stay_per_member" in message or "stays_stay.member_id" in message


def _check_in(
    member: User, space: Space, *, now: datetime, minutes: int, deadline: datetime
) -> Stay:
    office = space.office
    tickets = rules.tickets_for(minutes, office.unit_minutes)
    stay = Stay(
        member=member,
        space=space,
        office=office,
        started_at=now,
        deadline=deadline,
        minutes=minutes,
        tickets_consumed=tickets,
        extension_opens_at=deadline - timedelta(minutes=office.extension_window_minutes),
    )
    reason = f"check-in {office.name} / {space.name}: {minutes} min"
    if connection.vendor == "postgresql" and settings.CHECK_IN_ONE_STATEMENT:
        try:
            return _check_in_one_statement(member, stay, tickets=tickets, reason=reason)
        except one_statement.SeatTaken:
            raise _SeatTaken from None
        except one_statement.NotDebited:
            pass  # rolled back; the steps below find the account or name the refusal
    with transaction.atomic():
        if not space_claim(space.pk):
            raise _SeatTaken
        insert(stay)
        idempotency_effect("stay.check_in", stay.pk)
        ticket_consume(member=member, tickets=tickets, stay=stay, reason=reason)
        lock_credentials_for_stay_issue(stay=stay)
        availability_changed(space)
        audit(actor=member, action=AuditAction.STAY_CHECK_IN, target=stay, **_audited(stay))
    return stay


def _audited(stay: Stay) -> dict[str, object]:
    return {
        "space": stay.space_id,
        "minutes": stay.minutes,
        "tickets": stay.tickets_consumed,
        "deadline": stay.deadline.isoformat(),
    }


def _check_in_one_statement(member: User, stay: Stay, *, tickets: int, reason: str) -> Stay:
    """The same transaction as the steps in `_check_in`, its six writes sent as one statement
    (PostgreSQL; stays/one_statement.py). When the statement is all the transaction would
    hold, it is sent alone, in autocommit: one statement is one transaction, and BEGIN and
    COMMIT would be two more round trips (issue 18)."""
    if _writes_alone(member, stay.space):
        _check_in_writes(member, stay, tickets=tickets, reason=reason)
        return stay
    with transaction.atomic():
        ticket_cycle_roll_if_ended(member)
        _check_in_writes(member, stay, tickets=tickets, reason=reason)
        idempotency_effect("stay.check_in", stay.pk)
        lock_credentials_for_stay_issue(stay=stay)
    return stay


def _writes_alone(member: User, space: Space) -> bool:
    """Nothing but the statement's own rows to write: no caller's transaction to join, no
    Idempotency-Key claim to name the stay in, no ended ticket cycle to close first, no lock
    credential to record."""
    return (
        not connection.in_atomic_block
        and current_claim() is None
        and not ticket_cycle_ended(member)
        and not lock_credentials_needed(space)
    )


def _check_in_writes(member: User, stay: Stay, *, tickets: int, reason: str) -> None:
    one_statement.check_in_writes(
        stay,
        LedgerEntry(
            member=member,
            kind=LedgerEntry.Kind.CONSUME,
            tickets=-tickets,
            balance_after=0,  # the statement writes the debited balance
            reason=reason,
            effective_at=clock.now(),
        ),
        AvailabilityChange(space=stay.space, office_id=stay.office_id, created_at=clock.now()),
        audit_entry(actor=member, action=AuditAction.STAY_CHECK_IN, target=stay, **_audited(stay)),
        tickets,
    )


def access_own_stay(*, member: User, stay_id: int) -> Stay:
    """A member reaches only their own stays; anyone else's is `not_found` (no leak)."""
    stay = (
        Stay.objects.select_related("space", "office", "space__office")
        .filter(pk=stay_id, member=member)
        .first()
    )
    if stay is None:
        raise DomainError("not_found")
    return stay


def _require_running(stay: Stay, now: datetime) -> None:
    if not stay.is_running(now):
        raise DomainError("stay_not_active", status=stay.status, deadline=stay.deadline.isoformat())


def _uses_tickets_for_extension(member: User) -> bool:
    plan = member.plan
    return plan is None or (plan.extensions_need_tickets and not plan.postpaid)


def stay_extend(*, member: User, stay_id: int, minutes: int) -> Stay:
    """Move the deadline later from T−window until the deadline (rule 8), tickets as chosen."""
    now = clock.now()
    stay = access_own_stay(member=member, stay_id=stay_id)
    if idempotency_earlier_effect("stay.extend") == stay.pk:
        return stay  # a dead attempt under this Idempotency-Key extended it already
    _require_running(stay, now)
    if member.plan_id is None:
        raise DomainError("no_plan")  # removed from their company: the stay ends at its deadline
    member_cycle_roll(member=member)  # pay from the new cycle, never with expired tickets
    if now < stay.extension_opens_at:
        raise DomainError(
            "extension_not_open",
            rules.extension_window_message(stay.office),
            opens_at=stay.extension_opens_at.isoformat(),
        )
    office = stay.office
    deadline = rules.check_duration(
        office, minutes, start=stay.deadline, now=now, past_closing="office_closing"
    )
    tickets = rules.tickets_for(minutes, office.unit_minutes)
    monthly_cap_check(member, tickets)
    if _uses_tickets_for_extension(member):
        _precheck_balance(member, tickets)
    with transaction.atomic():
        moved = (
            Stay.objects.running(now)
            .filter(pk=stay.pk, deadline=stay.deadline)
            .update(
                deadline=deadline,
                extension_opens_at=deadline - timedelta(minutes=office.extension_window_minutes),
                minutes=F("minutes") + minutes,
                tickets_consumed=F("tickets_consumed") + tickets,
                extensions=F("extensions") + 1,
                reminded_at=None,
            )
        )
        if not moved:
            raise DomainError("stay_not_active")
        idempotency_effect("stay.extend", stay.pk)
        ticket_consume(
            member=member,
            tickets=tickets,
            stay=stay,
            reason=f"extension {office.name} / {stay.space.name}: {minutes} min",
        )
        lock_credentials_for_stay_extend(stay=stay, deadline=deadline)
        audit(
            actor=member,
            action=AuditAction.STAY_EXTEND,
            target=stay,
            minutes=minutes,
            tickets=tickets,
            deadline=deadline.isoformat(),
        )
    stay.refresh_from_db()
    return stay


def stay_unlock(*, member: User, stay_id: int) -> tuple[str, Stay]:
    """Open the stay's door (rule 7): own active stay, before the deadline, its space only."""
    now = clock.now()
    stay = access_own_stay(member=member, stay_id=stay_id)
    command = None
    if stay.status == Stay.Status.ACTIVE and now < stay.deadline:
        _limit_unlock_rate(member, now)
        command = unlock_command_record(member=member, stay=stay, now=now)
    if command is None:
        with transaction.atomic():
            audit(
                actor=member,
                action=AuditAction.LOCK_UNLOCK_REFUSED,
                target=stay,
                reason="stay_not_active",
            )
        stay.refresh_from_db(fields=["status", "deadline"])
        raise DomainError("stay_not_active", status=stay.status, deadline=stay.deadline.isoformat())
    return unlock_outcome(lock_command_send(command)), stay


def unlock_command_record(*, member: User, stay: Stay, now: datetime) -> LockCommand | None:
    """Record the unlock under the stay's row lock, only while it is still running (None if not).

    One-tap recovery reads a stay's commands under the same lock, so it either sees this one
    (and refuses: it may reach the door) or has ended the stay before it exists.
    """
    with transaction.atomic():
        running = Stay.objects.select_for_update().filter(
            pk=stay.pk, status=Stay.Status.ACTIVE, deadline__gt=now
        )
        if not list(running.values_list("pk", flat=True)):
            return None
        return lock_command_create(member=member, space=stay.space, stay=stay, purpose="unlock")


def _limit_unlock_rate(member: User, now: datetime) -> None:
    """A member may send only so many unlocks a minute (a stuck button, a script)."""
    recent = LockCommand.objects.filter(member=member, created_at__gte=now - timedelta(minutes=1))
    if recent.count() >= settings.UNLOCK_RATE_PER_MINUTE:
        raise DomainError("too_many_attempts", retry_after_seconds=60)


def stay_checkout(
    *, member: User, stay_id: int, unlock: bool = True
) -> tuple[Stay, LockCommand | None]:
    """Check out (rule 9): frees the seat at once; the exit unlock is sent after commit."""
    now = clock.now()
    stay = access_own_stay(member=member, stay_id=stay_id)
    command = None
    if idempotency_earlier_effect("stay.checkout") == stay.pk:
        # A dead attempt under this Idempotency-Key checked out already: answer with its exit
        # command (sent now if it never was; never twice), not with `stay_not_active`.
        command = lock_command_under_claim(purpose="exit")
        if command is not None and command.status == LockCommand.Status.PENDING:
            command = lock_command_send(command)
        return stay, command
    _require_running(stay, now)
    with transaction.atomic():
        if not stay_end(stay, status=Stay.Status.CHECKED_OUT, ended_at=now, actor=member):
            raise DomainError("stay_not_active")
        idempotency_effect("stay.checkout", stay.pk)
        fair_use_refund(stay, member=member, now=now)
        if unlock:
            command = lock_command_create(
                member=member, space=stay.space, stay=stay, purpose="exit"
            )
    if command is not None:
        command = lock_command_send(command)
    return stay, command


def fair_use_refund(stay: Stay, *, member: User, now: datetime) -> int:
    """On a fair-use office, give back the whole units left unused by an early checkout
    (docs/rules.md, "Fair use"); through the stay's refund claim, so never more than it consumed."""
    office = stay.office
    if not office.fair_use_refunds or not stay.tickets_consumed:
        return 0
    unused = rules.unused_units(stay.deadline - now, office.unit_minutes)
    refundable = stay.tickets_consumed - stay.tickets_refunded
    tickets = min(unused, refundable)
    if tickets <= 0:
        return 0
    ticket_refund_for_stay(
        actor=member,
        stay=stay,
        tickets=tickets,
        reason=f"fair use: {tickets} unused unit(s) of {office.unit_minutes} min",
    )
    return tickets


def stay_force_checkout(*, actor: User, stay_id: int, reason: str) -> Stay:
    """Operator or secretariat ends a stay now (seat freed, member can no longer unlock)."""
    stay = Stay.objects.select_related("space").filter(pk=stay_id).first()
    if stay is None:
        raise DomainError("not_found")
    with transaction.atomic():
        if not stay_end(
            stay,
            status=Stay.Status.FORCED_OUT,
            ended_at=min(clock.now(), stay.deadline),
            actor=actor,
            reason=reason or "forced by staff",
        ):
            raise DomainError("stay_not_active")
    return stay
