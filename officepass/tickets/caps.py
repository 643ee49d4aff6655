"""Per-employee monthly caps set by corporate admins: tickets used in the calendar month
(the network's calendar, core.clock), consumption less refunds, may not pass the cap."""

from django.db.models import Sum

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.tickets.models import LedgerEntry


def tickets_used_this_month(member: User) -> int:
    start = clock.month_start(clock.now())
    total = LedgerEntry.objects.filter(
        member=member,
        kind__in=[LedgerEntry.Kind.CONSUME, LedgerEntry.Kind.REFUND],
        effective_at__gte=start,
    ).aggregate(total=Sum("tickets"))["total"]
    return -(total or 0)


def monthly_cap_check(member: User, tickets: int) -> None:
    """`monthly_cap_reached` if these tickets would take the member past their cap."""
    cap = member.monthly_ticket_cap
    if cap is None:
        return
    used = tickets_used_this_month(member)
    if used + tickets > cap:
        raise DomainError("monthly_cap_reached", cap=cap, used=used, needed=tickets)
