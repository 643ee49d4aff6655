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


def all_breaches() -> list[str]:
    return space_breaches() + ledger_breaches() + postpaid_breaches() + stay_breaches()
