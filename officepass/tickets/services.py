"""Ticket ledger writes. Every movement is one new entry plus the cached balance, together."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import audit
from officepass.core.errors import DomainError
from officepass.tickets.models import LedgerEntry, TicketAccount

ADDON_PACK_TICKETS = 5


def ticket_account_ensure(*, member: User) -> TicketAccount:
    postpaid = bool(member.plan and member.plan.postpaid)
    account, _ = TicketAccount.objects.get_or_create(member=member, defaults={"postpaid": postpaid})
    return account


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
    """Apply `tickets` (signed) to the balance with a guarded UPDATE and write the entry.

    A debit on a prepaid account only happens if the balance covers it (row count checked),
    so two concurrent debits cannot take the balance below zero.
    """
    accounts = TicketAccount.objects.filter(member_id=member.pk)
    if tickets < 0:
        accounts = accounts.filter(Q(postpaid=True) | Q(balance__gte=-tickets))
    if accounts.update(balance=F("balance") + tickets) != 1:
        if not TicketAccount.objects.filter(member_id=member.pk).exists():
            ticket_account_ensure(member=member)
            return _move(
                member=member,
                kind=kind,
                tickets=tickets,
                reason=reason,
                stay=stay,
                actor=actor,
                key=key,
                at=at,
            )
        raise DomainError("insufficient_tickets")
    balance = TicketAccount.objects.values_list("balance", flat=True).get(member_id=member.pk)
    return LedgerEntry.objects.create(
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


def ticket_consume(*, member: User, tickets: int, stay: Any, reason: str) -> LedgerEntry:
    """Debit tickets for a stay (inside the caller's transaction)."""
    return _move(
        member=member, kind=LedgerEntry.Kind.CONSUME, tickets=-tickets, stay=stay, reason=reason
    )


def ticket_refund(
    *, actor: User, member: User, tickets: int, reason: str, stay: Any = None
) -> LedgerEntry:
    """Give tickets back in special circumstances (rule 14): a new entry with a reason."""
    if tickets <= 0 or not reason.strip():
        raise DomainError("invalid_input", tickets=tickets)
    with transaction.atomic():
        entry = _move(
            member=member,
            kind=LedgerEntry.Kind.REFUND,
            tickets=tickets,
            reason=reason.strip(),
            stay=stay,
            actor=actor,
        )
        audit(
            actor=actor,
            action="ticket.refund",
            target=entry,
            member=member.pk,
            tickets=tickets,
            reason=reason.strip(),
            stay=getattr(stay, "pk", None),
        )
    return entry


def ticket_grant(
    *, actor: User | None, member: User, tickets: int, reason: str, key: str | None = None
) -> LedgerEntry | None:
    """Grant tickets; with `key`, a second grant with the same key does nothing (returns None)."""
    if tickets <= 0:
        raise DomainError("invalid_input", tickets=tickets)
    try:
        with transaction.atomic():
            entry = _move(
                member=member,
                kind=LedgerEntry.Kind.GRANT,
                tickets=tickets,
                reason=reason,
                actor=actor,
                key=key,
            )
            audit(
                actor=actor,
                action="ticket.grant",
                target=entry,
                member=member.pk,
                tickets=tickets,
                reason=reason,
            )
    except IntegrityError:
        if key and LedgerEntry.objects.filter(idempotency_key=key).exists():
            return None
        raise
    return entry


def ticket_purchase_pack(*, actor: User | None, member: User) -> LedgerEntry:
    """An add-on pack of 5 tickets; like every ticket, it expires at the cycle's end."""
    with transaction.atomic():
        entry = _move(
            member=member,
            kind=LedgerEntry.Kind.PURCHASE,
            tickets=ADDON_PACK_TICKETS,
            reason="add-on pack",
            actor=actor,
        )
        audit(
            actor=actor,
            action="ticket.purchase",
            target=entry,
            member=member.pk,
            tickets=ADDON_PACK_TICKETS,
        )
    return entry
