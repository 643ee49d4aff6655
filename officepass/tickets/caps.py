"""Per-employee monthly caps set by corporate admins: tickets used in the calendar month
(site time zone), consumption less refunds, may not pass the cap."""

import zoneinfo

from django.conf import settings
from django.db.models import Sum

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.tickets.models import LedgerEntry


def tickets_used_this_month(member: User) -> int:
    now = clock.now().astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
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
