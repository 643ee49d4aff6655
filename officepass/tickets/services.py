"""Ticket ledger writes. Every movement is one new entry plus the cached balance, together."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from officepass.accounts.models import Plan, User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.errors import DomainError
from officepass.core.prepared import insert
from officepass.tickets.models import LedgerEntry, TicketAccount

ADDON_PACK_TICKETS = 5


def ticket_account_ensure(*, member: User) -> TicketAccount:
    postpaid = bool(member.plan and member.plan.postpaid)
    account, _ = TicketAccount.objects.get_or_create(member=member, defaults={"postpaid": postpaid})
    return account


def _apply(member_id: int, tickets: int) -> int | None:
    """Add `tickets` (signed) to the balance in one guarded UPDATE … RETURNING.

    A debit on a prepaid account only happens if the balance covers it, so two concurrent
    debits cannot take it below zero. Returns the new balance, or None if refused/missing.
    """
    table = TicketAccount._meta.db_table
    guard = " AND (postpaid OR balance >= %s)" if tickets < 0 else ""
    params = [tickets, member_id, -tickets] if tickets < 0 else [tickets, member_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET balance = balance + %s WHERE member_id = %s{guard} "  # noqa: S608
            "RETURNING balance",
            params,
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _move(
    *,
    member: User,
    kind: str,
    tickets: int,
    reason: str,
    stay: Any = None,
    actor: User | None = None,
    key: str | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """Move tickets on the balance and write the ledger entry (inside the caller's transaction)."""
    if at is None:
        ticket_cycle_roll_if_ended(member)
    balance = _apply(member.pk, tickets)
    if balance is None:
        account = ticket_account_ensure(member=member)
        balance = _apply(member.pk, tickets)
        if balance is None:
            raise DomainError("insufficient_tickets", balance=account.balance, needed=-tickets)
    return insert(
        LedgerEntry(
            member=member,
            kind=kind,
            tickets=tickets,
            balance_after=balance,
            reason=reason,
            stay=stay,
            effective_at=at or clock.now(),
            created_by=actor,
            idempotency_key=key,
        )
    )


def ticket_cycle_roll_if_ended(member: User) -> None:
    """A movement "now" after the member's cycle ended, before the worker rolled it, first
    closes that cycle in the same transaction: nothing is paid with expired tickets, nothing
    bought or refunded then expires with the old cycle, and the ledger's balances stay in
    time order (issue 12 item 11b)."""
    if ticket_cycle_ended(member):
        from officepass.tickets.cycles import member_cycle_roll  # cycles builds on this module

        member_cycle_roll(member=member)


def ticket_cycle_ended(member: User) -> bool:
    """Whether a movement now would first have to close the member's ended cycle (above)."""
    return (
        member.cycle_ends_at is not None
        and member.cycle_ends_at <= clock.now()
        and not member.cycle_paid_by_card
    )


def ticket_consume(*, member: User, tickets: int, stay: Any, reason: str) -> LedgerEntry:
    """Debit tickets for a stay (inside the caller's transaction)."""
    return _move(
        member=member, kind=LedgerEntry.Kind.CONSUME, tickets=-tickets, stay=stay, reason=reason
    )


def _move_audited(
    *,
    action: AuditAction,
    actor: User | None,
    member: User,
    kind: str,
    tickets: int,
    reason: str,
    stay: Any = None,
    key: str | None = None,
) -> LedgerEntry:
    """A ledger movement made by a person or the system, with its audit row, in one transaction."""
    with transaction.atomic():
        entry = _move(
            member=member,
            kind=kind,
            tickets=tickets,
            reason=reason,
            stay=stay,
            actor=actor,
            key=key,
        )
        audit(
            actor=actor,
            action=action,
            target=entry,
            member=member.pk,
            tickets=tickets,
            reason=reason,
            stay=getattr(stay, "pk", None),
        )
    return entry


def ticket_refund(*, actor: User, member: User, tickets: int, reason: str) -> LedgerEntry:
    """Give tickets back in special circumstances (rule 14), not for a stay: a goodwill entry.

    A stay's tickets come back only through `ticket_refund_for_stay`, which caps them.
    """
    if tickets <= 0 or not reason.strip():
        raise DomainError("invalid_input", tickets=tickets)
    return _move_audited(
        action=AuditAction.TICKET_REFUND,
        actor=actor,
        member=member,
        kind=LedgerEntry.Kind.REFUND,
        tickets=tickets,
        reason=reason.strip(),
    )


def _stay_model() -> Any:
    """The stay model the ledger points at (tickets sits below stays and does not import it)."""
    return LedgerEntry._meta.get_field("stay").related_model


def _claim_refund(stay_id: int, tickets: int | None) -> int:
    """Lock the stay's row and count `tickets` more as refunded (None: all that remain).

    Returns how many were claimed; more than the stay consumed net of earlier refunds is
    `refund_exceeds_consumption`. The row lock serializes every refund (and extension) of the
    stay, and `CHECK (tickets_refunded <= tickets_consumed)` backs the cap in the database.
    """
    stays = _stay_model().objects
    locked = stays.select_for_update().filter(pk=stay_id)
    consumed, refunded = locked.values_list("tickets_consumed", "tickets_refunded").get()
    refundable = consumed - refunded
    claim = refundable if tickets is None else tickets
    if claim > refundable:
        raise DomainError("refund_exceeds_consumption", refundable=refundable, asked=claim)
    if claim:
        stays.filter(pk=stay_id).update(tickets_refunded=F("tickets_refunded") + claim)
    return int(claim)


def ticket_refund_for_stay(
    *, actor: User, stay: Any, tickets: int | None, reason: str
) -> LedgerEntry | None:
    """Give back tickets a stay consumed (rule 14, one-tap recovery): the one way to do it.

    Never more than the stay consumed less what was refunded before, however many staff
    sessions or recoveries ask at once. `tickets=None` refunds all that remain (None is
    returned when nothing remains); a number above that is `refund_exceeds_consumption`.
    """
    if (tickets is not None and tickets <= 0) or not reason.strip():
        raise DomainError("invalid_input", field="tickets" if reason.strip() else "reason")
    with transaction.atomic():
        claimed = _claim_refund(stay.pk, tickets)
        if not claimed:
            return None
        return _move_audited(
            action=AuditAction.TICKET_REFUND,
            actor=actor,
            member=stay.member,
            kind=LedgerEntry.Kind.REFUND,
            tickets=claimed,
            reason=reason.strip(),
            stay=stay,
        )


def ticket_grant(
    *, actor: User | None, member: User, tickets: int, reason: str, key: str | None = None
) -> LedgerEntry | None:
    """Grant tickets; with `key`, a second grant with the same key does nothing (returns None)."""
    if tickets <= 0:
        raise DomainError("invalid_input", tickets=tickets)
    try:
        return _move_audited(
            action=AuditAction.TICKET_GRANT,
            actor=actor,
            member=member,
            kind=LedgerEntry.Kind.GRANT,
            tickets=tickets,
            reason=reason,
            key=key,
        )
    except IntegrityError:
        if key and LedgerEntry.objects.filter(idempotency_key=key).exists():
            return None
        raise


def ticket_purchase_pack(*, actor: User | None, member: User) -> LedgerEntry:
    """An add-on pack of 5 tickets; like every ticket, it expires at the cycle's end."""
    return _move_audited(
        action=AuditAction.TICKET_PURCHASE,
        actor=actor,
        member=member,
        kind=LedgerEntry.Kind.PURCHASE,
        tickets=ADDON_PACK_TICKETS,
        reason="add-on pack",
    )


def member_plan_change(*, actor: User, member: User, plan: Plan) -> User:
    """Move a member to another plan; the ticket account follows postpaid or not."""
    account = TicketAccount.objects.filter(member=member).first()
    if account is not None and not plan.postpaid and account.balance < 0:
        # A postpaid account that counted usage below zero cannot become prepaid as it is.
        raise DomainError("invalid_input", field="plan")
    with transaction.atomic():
        old = member.plan_id
        member.plan = plan
        member.save(update_fields=["plan"])
        TicketAccount.objects.filter(member=member).update(postpaid=plan.postpaid)
        audit(
            actor=actor, action=AuditAction.MEMBER_PLAN_CHANGE, target=member, old=old, new=plan.pk
        )
    return member
