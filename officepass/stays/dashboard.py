"""The console's live dashboard, read for one tenancy (a queryset of offices): occupancy now
from the seat counters (docs/architecture.md, decision 3), locks offline or jammed with when
they were last seen and their last failing command, open trouble reports, and today's
check-ins and forced checkouts on the network's calendar. It sits in stays because it joins
offices, locks and support (like the reliability watch beside it); it only reads.

Every figure is one aggregate query over indexed columns, so the page costs the same at 10 or
1,000 offices; lists are capped.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from officepass.core import clock
from officepass.locks.models import LockCommand, LockHealth
from officepass.offices.models import Office, Space
from officepass.stays.models import Stay
from officepass.support.models import TroubleReport

LIST_LIMIT = 20
FAILED_COMMANDS = (
    LockCommand.Status.FAILED,
    LockCommand.Status.UNKNOWN,
    LockCommand.Status.EXPIRED,
)
UNHEALTHY = Q(online=False) | Q(state="jammed")


def day_start(at: datetime) -> datetime:
    """00:00 of `at`'s day on the network's calendar."""
    local = at.astimezone(clock.network_zone())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def occupancy(offices: QuerySet[Office]) -> dict[str, int]:
    """Seats in use and seats in all of the open spaces of the offices open for members."""
    spaces = Space.objects.filter(office__in=offices, office__is_active=True, is_active=True)
    figures = spaces.aggregate(
        seats_in_use=Coalesce(Sum("in_use"), Value(0), output_field=IntegerField()),
        seats=Coalesce(Sum("quota"), Value(0), output_field=IntegerField()),
        spaces=Count("pk"),
        spaces_full=Count("pk", filter=Q(in_use__gte=F("quota"))),
    )
    return {key: int(value or 0) for key, value in figures.items()}


def locks_needing_attention(offices: QuerySet[Office], limit: int = LIST_LIMIT) -> dict[str, Any]:
    """Locks that last said offline or jammed, each with its last failing command."""
    last_failure = LockCommand.objects.filter(
        space_id=OuterRef("space_id"), status__in=FAILED_COMMANDS
    ).order_by("-created_at")
    rows = (
        LockHealth.objects.filter(UNHEALTHY, space__office__in=offices)
        .select_related("space", "space__office")
        .annotate(
            failed_at=Subquery(last_failure.values("created_at")[:1]),
            failed_purpose=Subquery(last_failure.values("purpose")[:1]),
            failed_status=Subquery(last_failure.values("status")[:1]),
            failed_error=Subquery(last_failure.values("error_code")[:1]),
        )
        .order_by("seen_at")
    )
    return {"count": rows.count(), "rows": list(rows[:limit])}


def troubles_open(offices: QuerySet[Office], limit: int = 10) -> dict[str, Any]:
    reports = TroubleReport.objects.filter(office__in=offices).exclude(
        status=TroubleReport.Status.RESOLVED
    )
    latest = reports.select_related("office").order_by("-created_at")[:limit]
    return {"count": reports.count(), "rows": list(latest)}


def today(offices: QuerySet[Office], now: datetime, limit: int = 10) -> dict[str, Any]:
    """Check-ins since 00:00 on the network's calendar, and the stays forced out since then."""
    start = day_start(now)
    stays = Stay.objects.filter(office__in=offices)
    checkins = stays.filter(started_at__gte=start, started_at__lt=start + timedelta(days=1))
    forced = stays.filter(status=Stay.Status.FORCED_OUT, ended_at__gte=start)
    return {
        "start": start,
        "checkins": checkins.exclude(status=Stay.Status.CANCELLED).count(),
        "forced_count": forced.count(),
        "forced": list(
            forced.select_related("office", "space", "member").order_by("-ended_at")[:limit]
        ),
    }


def dashboard(offices: QuerySet[Office], now: datetime | None = None) -> dict[str, Any]:
    at = now or clock.now()
    return {
        "occupancy": occupancy(offices),
        "locks": locks_needing_attention(offices),
        "troubles": troubles_open(offices),
        "today": today(offices, at),
        "at": at,
    }


def offices_with_health(offices: QuerySet[Office]) -> QuerySet[Office]:
    """The office list's figures: seats in use of seats, and locks offline or jammed."""
    open_spaces = Q(spaces__is_active=True)
    return offices.annotate(
        seats_in_use=Coalesce(Sum("spaces__in_use", filter=open_spaces), Value(0)),
        seats=Coalesce(Sum("spaces__quota", filter=open_spaces), Value(0)),
        locks_down=Count(
            "spaces",
            filter=Q(spaces__lock_health__online=False) | Q(spaces__lock_health__state="jammed"),
        ),
    )


def company_today(company_id: int, now: datetime | None = None) -> dict[str, Any]:
    """A corporate admin's card: employees checked in now and today's check-ins."""
    at = now or clock.now()
    stays = Stay.objects.filter(member__company_id=company_id)
    start = day_start(at)
    return {
        "in_now": stays.running(at).count(),
        "checkins": stays.filter(started_at__gte=start)
        .exclude(status=Stay.Status.CANCELLED)
        .count(),
    }
