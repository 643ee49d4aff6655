"""Reconcile checks of seats, stays and refunds per stay (registered with core in
StaysConfig.ready)."""

from django.db.models import Count, F, Q, Sum

from officepass.offices.models import Space
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry


def space_breaches() -> list[str]:
    """Counter = active stays ≤ quota, for every space."""
    active = dict(
        Stay.objects.filter(status=Stay.Status.ACTIVE)
        .values_list("space_id")
        .annotate(n=Count("id"))
        .values_list("space_id", "n")
    )
    problems = []
    for pk, in_use, quota in Space.objects.values_list("pk", "in_use", "quota").iterator():
        stays = active.get(pk, 0)
        if in_use != stays:
            problems.append(f"space {pk}: counter in_use={in_use} but {stays} active stays")
        if stays > quota:
            problems.append(f"space {pk}: {stays} active stays exceed quota {quota}")
    return problems


def stay_breaches() -> list[str]:
    """At most one active stay per member; ended stays have an end time."""
    doubles = (
        Stay.objects.filter(status=Stay.Status.ACTIVE)
        .values("member_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    problems = [f"member {row['member_id']}: {row['n']} active stays" for row in doubles]
    unended = Stay.objects.filter(~Q(status=Stay.Status.ACTIVE), ended_at__isnull=True).count()
    if unended:
        problems.append(f"{unended} ended stays without ended_at")
    backwards = Stay.objects.filter(deadline__lte=F("started_at")).count()
    if backwards:
        problems.append(f"{backwards} stays whose deadline is not after their start")
    return problems


def refund_breaches() -> list[str]:
    """Per stay: ledger refunds ≤ ledger consumption, and the stay's refunded count = refunds."""
    per_stay = (
        LedgerEntry.objects.filter(stay__isnull=False)
        .values("stay_id")
        .annotate(
            consumed=Sum("tickets", filter=Q(kind=LedgerEntry.Kind.CONSUME), default=0),
            refunded=Sum("tickets", filter=Q(kind=LedgerEntry.Kind.REFUND), default=0),
        )
        .filter(refunded__gt=0)
        .values_list("stay_id", "consumed", "refunded")
    )
    counted = dict(
        Stay.objects.filter(tickets_refunded__gt=0).values_list("pk", "tickets_refunded")
    )
    problems = []
    for stay_id, consumed, refunded in per_stay.iterator():
        if refunded > -consumed:
            problems.append(f"stay {stay_id}: refunds {refunded} exceed consumption {-consumed}")
        if counted.pop(stay_id, 0) != refunded:
            problems.append(f"stay {stay_id}: ledger refunds {refunded}, the stay counts others")
    problems += [f"stay {pk}: counts {n} refunded, the ledger none" for pk, n in counted.items()]
    return problems
