"""Reconcile checks of seats and stays (registered with core in StaysConfig.ready)."""

from django.db.models import Count, F, Q

from officepass.offices.models import Space
from officepass.stays.models import Stay


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
