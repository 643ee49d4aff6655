"""Monthly ticket cycles: grant the plan's tickets, expire what is left (no carry-over)."""

import calendar
from datetime import datetime

from django.db import transaction

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.tickets.models import LedgerEntry, TicketAccount
from officepass.tickets.services import _move, ticket_account_ensure


def add_month(at: datetime) -> datetime:
    """The same local day and time next month, clamped to the month's last day.

    Cycles are reckoned on the network's own calendar (core.clock, NETWORK_TIME_ZONE):
    1 Dec 00:00 in Tokyo is followed by 1 Jan 00:00 in Tokyo, whatever that is in UTC.
    """
    local = at.astimezone(clock.network_zone())
    following = clock.next_month_start(local)
    day = min(local.day, calendar.monthrange(following.year, following.month)[1])
    return local.replace(year=following.year, month=following.month, day=day).astimezone(at.tzinfo)


def member_cycle_roll(*, member: User) -> bool:
    """Close the member's finished cycle and open the next one; False if someone else did.

    Safe with several workers: the cycle end moves with a guarded UPDATE, and the ledger
    entries carry idempotency keys made from the member and the closed cycle's end.
    """
    now = clock.now()
    old_end = member.cycle_ends_at
    if old_end is None or old_end > now:
        return False
    new_end = old_end
    while new_end <= now:
        new_end = add_month(new_end)
    with transaction.atomic():
        moved = User.objects.filter(pk=member.pk, cycle_ends_at=old_end).update(
            cycle_ends_at=new_end
        )
        if not moved:
            return False
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
        member.cycle_ends_at = new_end
        audit(
            actor=None,
            action=AuditAction.MEMBER_CYCLE_ROLLED,
            target=member,
            closed=old_end.isoformat(),
            next_end=new_end.isoformat(),
        )
    return True


def cycles_roll_due(*, limit: int = 500) -> int:
    """Roll every member whose cycle has ended; returns how many were rolled."""
    due = User.objects.filter(cycle_ends_at__lte=clock.now()).select_related("plan")[:limit]
    return sum(member_cycle_roll(member=member) for member in due)
