"""Checks of every invariant; `python manage.py reconcile` exits non-zero on any breach."""

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from officepass.offices.models import Space
from officepass.stays.models import Stay
from officepass.tickets.models import LedgerEntry, TicketAccount


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


def ledger_breaches() -> list[str]:
    """Balance = ledger sum; no negative balance on ticket (prepaid) plans."""
    sums = dict(
        LedgerEntry.objects.values("member_id")
        .annotate(total=Sum("tickets"))
        .values_list("member_id", "total")
    )
    problems = []
    for member_id, balance, postpaid in TicketAccount.objects.values_list(
        "member_id", "balance", "postpaid"
    ).iterator():
        total = sums.pop(member_id, 0) or 0
        if balance != total:
            problems.append(f"member {member_id}: balance {balance} but ledger sums to {total}")
        if balance < 0 and not postpaid:
            problems.append(f"member {member_id}: negative balance {balance} on a ticket plan")
    problems += [f"member {m}: ledger entries but no ticket account" for m in sums]
    return problems


def postpaid_breaches() -> list[str]:
    """Every ticket account follows its member's plan: postpaid only on a postpaid plan."""
    wrong = TicketAccount.objects.exclude(
        postpaid=Coalesce(F("member__plan__postpaid"), Value(False))
    ).values_list("member_id", "postpaid")
    return [
        f"member {member_id}: ticket account {'postpaid' if postpaid else 'prepaid'} "
        "but the plan says otherwise"
        for member_id, postpaid in wrong.iterator()
    ]


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


def all_breaches() -> list[str]:
    return (
        space_breaches()
        + ledger_breaches()
        + postpaid_breaches()
        + stay_breaches()
        + refund_breaches()
    )
