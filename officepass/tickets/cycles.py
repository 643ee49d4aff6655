"""Monthly ticket cycles: grant the plan's tickets, expire what is left (no carry-over)."""

import calendar
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.tickets.models import LedgerEntry, TicketAccount
from officepass.tickets.services import _move, ticket_account_ensure


def add_month(at: datetime, *, day: int | None = None) -> datetime:
    """`day` (default: `at`'s own) of the next month at the same local time, clamped to the
    month's last day. Cycles are reckoned on the network's calendar (core.clock): 1 Dec 00:00
    in Tokyo is followed by 1 Jan 00:00 in Tokyo, whatever that is in UTC.
    """
    local = at.astimezone(clock.network_zone())
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(day or local.day, calendar.monthrange(year, month)[1])
    naive = local.replace(tzinfo=None, year=year, month=month, day=day)
    return timezone.make_aware(naive, clock.network_zone()).astimezone(at.tzinfo)


def cycle_next_end(*, member: User, old_end: datetime, now: datetime) -> tuple[datetime, int]:
    """The first end after `now` on the member's anchor day, and that day (issue 12 item 11c:
    without the anchor, a cycle ending on the 31st would end on the 28th from February on)."""
    anchor = member.cycle_anchor_day or old_end.astimezone(clock.network_zone()).day
    end = old_end
    while end <= now:
        end = add_month(end, day=anchor)
    return end, anchor


def member_cycle_roll(*, member: User) -> bool:
    """Close the member's finished cycle and open the next one; False if someone else did.

    Safe with several workers: the cycle end moves with a guarded UPDATE, and the ledger
    entries carry idempotency keys made from the member and the closed cycle's end. Every
    ledger movement at "now" calls this first, so nothing is debited from a finished cycle.
    """
    now = clock.now()
    old_end = member.cycle_ends_at
    if old_end is None or old_end > now or member.cycle_paid_by_card:
        return False
    new_end, anchor = cycle_next_end(member=member, old_end=old_end, now=now)
    with transaction.atomic():
        moved = User.objects.filter(pk=member.pk, cycle_ends_at=old_end).update(
            cycle_ends_at=new_end, cycle_anchor_day=anchor
        )
        if not moved:
            return False
        _expire_and_grant(member, old_end)
        member.cycle_ends_at, member.cycle_anchor_day = new_end, anchor
        audit(
            actor=None,
            action=AuditAction.MEMBER_CYCLE_ROLLED,
            target=member,
            closed=old_end.isoformat(),
            next_end=new_end.isoformat(),
        )
    return True


def _expire_and_grant(member: User, old_end: datetime) -> None:
    """At the closed cycle's end: the rest expires (no carry-over), the plan's tickets come."""
    ticket_account_ensure(member=member)
    account = TicketAccount.objects.select_for_update().get(member_id=member.pk)
    stamp = f"{member.pk}:{old_end.isoformat()}"
    if not account.postpaid and account.balance > 0:
        _move(
            member=member,
            kind=LedgerEntry.Kind.EXPIRE,
            tickets=-account.balance,
            reason="cycle ended: unused tickets expire",
            key=f"expire:{stamp}",
            at=old_end,
        )
    plan = member.plan
    if plan and not plan.postpaid and plan.tickets_per_cycle > 0:
        _move(
            member=member,
            kind=LedgerEntry.Kind.GRANT,
            tickets=plan.tickets_per_cycle,
            reason=f"monthly grant: {plan.name}",
            key=f"grant:{stamp}",
            at=old_end,
        )


def cycles_roll_due(*, limit: int = 500) -> int:
    """Roll every member whose cycle has ended; returns how many were rolled."""
    due = User.objects.filter(cycle_ends_at__lte=clock.now(), cycle_paid_by_card=False)
    due = due.select_related("plan")[:limit]
    return sum(member_cycle_roll(member=member) for member in due)


def paid_cycle_start(
    *, member: User, tickets: int, cycle_ends_at: datetime, key: str, reason: str
) -> LedgerEntry | None:
    """A payment opened a cycle (first payment or renewal): what is left expires, the cycle's
    tickets are granted, the cycle now ends at `cycle_ends_at` (inside the caller's transaction).

    The payment, not the calendar, moves a card-paid cycle. Keyed by the payment (`key`), so a
    webhook delivered twice grants once (returns None the second time). A cycle that does not
    end later than the current one (a stale, out-of-order payment) grants nothing either.
    """
    if LedgerEntry.objects.filter(idempotency_key=key).exists():
        return None
    ticket_account_ensure(member=member)
    account = TicketAccount.objects.select_for_update().get(member_id=member.pk)
    locked = User.objects.select_for_update().get(pk=member.pk)
    if (
        locked.cycle_paid_by_card
        and locked.cycle_ends_at is not None
        and locked.cycle_ends_at >= cycle_ends_at
    ):
        return None
    now = clock.now()
    if account.balance > 0 and not account.postpaid:
        _move(
            member=member,
            kind=LedgerEntry.Kind.EXPIRE,
            tickets=-account.balance,
            reason="paid cycle ended: unused tickets expire",
            key=f"expire:{key}",
            at=now,
        )
    entry = _move(
        member=member,
        kind=LedgerEntry.Kind.GRANT,
        tickets=tickets,
        reason=reason,
        key=key,
        at=now,
    )
    User.objects.filter(pk=member.pk).update(
        cycle_ends_at=cycle_ends_at, cycle_paid_by_card=True, cycle_anchor_day=None
    )
    member.cycle_ends_at, member.cycle_paid_by_card = cycle_ends_at, True
    audit(
        actor=None,
        action=AuditAction.TICKET_GRANT,
        target=entry,
        member=member.pk,
        tickets=tickets,
        reason=reason,
        cycle_ends_at=cycle_ends_at.isoformat(),
    )
    return entry


def paid_pack_grant(*, member: User, tickets: int, key: str, reason: str) -> LedgerEntry | None:
    """An add-on pack paid for: its tickets, expiring with the cycle (caller's transaction).

    Keyed by the payment: a second delivery grants nothing (returns None).
    """
    if LedgerEntry.objects.filter(idempotency_key=key).exists():
        return None
    entry = _move(
        member=member,
        kind=LedgerEntry.Kind.PURCHASE,
        tickets=tickets,
        reason=reason,
        key=key,
        at=clock.now(),
    )
    audit(
        actor=None,
        action=AuditAction.TICKET_PURCHASE,
        target=entry,
        member=member.pk,
        tickets=tickets,
        reason=reason,
    )
    return entry


def paid_cycle_close(*, member: User, key: str) -> LedgerEntry | None:
    """The card subscription ended (cancelled at period end): the rest expires, the member
    goes back to calendar cycles with no plan tickets (caller's transaction)."""
    account = TicketAccount.objects.select_for_update().filter(member_id=member.pk).first()
    entry = None
    if (
        account is not None
        and account.balance > 0
        and not account.postpaid
        and not LedgerEntry.objects.filter(idempotency_key=key).exists()
    ):
        entry = _move(
            member=member,
            kind=LedgerEntry.Kind.EXPIRE,
            tickets=-account.balance,
            reason="subscription ended: unused tickets expire",
            key=key,
            at=clock.now(),
        )
    User.objects.filter(pk=member.pk).update(cycle_paid_by_card=False, cycle_ends_at=None)
    member.cycle_paid_by_card, member.cycle_ends_at = False, None
    return entry
