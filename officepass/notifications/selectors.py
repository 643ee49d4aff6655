"""Reads for the account page, the home page and the office page."""

from typing import Any

from officepass.accounts.models import User
from officepass.core import clock
from officepass.notifications import vapid
from officepass.notifications.models import Favourite, Kind, PushPreference, SeatAlert
from officepass.offices.models import Office, Space


def push_settings(member: User) -> dict[str, Any]:
    off = set(
        PushPreference.objects.filter(member=member, push=False).values_list("kind", flat=True)
    )
    return {
        "available": vapid.configured(),
        "public_key": vapid.application_server_key(),
        "kinds": [
            {"value": value, "label": label, "on": value not in off}
            for value, label in Kind.choices
        ],
        "devices": member.push_subscriptions.count(),
    }


def favourite_office_ids(member: User) -> list[int]:
    return list(
        Favourite.objects.filter(member=member)
        .order_by("created_at")
        .values_list("office_id", flat=True)
    )


def waiting_alert_space_ids(member: User) -> set[int]:
    return set(
        SeatAlert.objects.filter(
            member=member, fired_at__isnull=True, expires_at__gt=clock.now()
        ).values_list("space_id", flat=True)
    )


def favourite_offices(member: User) -> list[Office]:
    """The member's starred offices, oldest star first, spaces loaded for availability."""
    offices = Office.objects.filter(pk__in=favourite_office_ids(member), is_active=True)
    by_id = {o.pk: o for o in offices.prefetch_related("spaces").select_related("operator")}
    return [by_id[pk] for pk in favourite_office_ids(member) if pk in by_id]


def space_for_alert(space_id: int) -> Space | None:
    return Space.objects.select_related("office").filter(pk=space_id, is_active=True).first()
