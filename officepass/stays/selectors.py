"""Reads about stays and availability (counters, never counting stays on the hot path)."""

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _

from officepass.accounts.models import User
from officepass.api.serializers import space_out
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.locks.models import LockCommand
from officepass.offices.models import Space
from officepass.stays.models import Stay

SPACE_FIELDS = ("id", "office_id", "name", "seat_type", "quota", "in_use")
# An unlock this recent means the member is standing at the open door (checkout step 1 done).
UNLOCK_FRESH = timedelta(minutes=10)


def stay_current(*, member: User) -> Stay:
    """The member's running stay; one past its deadline is over (rule 10) even if unrecorded."""
    stay = (
        Stay.objects.select_related("office", "space")
        .filter(member=member, status=Stay.Status.ACTIVE, deadline__gt=clock.now())
        .first()
    )
    if stay is None:
        raise DomainError("no_active_stay")
    return stay


def stay_history(*, member: User, limit: int) -> list[Stay]:
    return list(Stay.objects.select_related("office", "space").filter(member=member)[:limit])


def availability(
    *, office_ids: list[int], seat_type: str | None, after: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Space availability from counters; pages by space id when no office is named."""
    rows = Space.objects.filter(is_active=True, pk__gt=after).order_by("pk")
    if office_ids:
        rows = rows.filter(office_id__in=office_ids)
    if seat_type:
        rows = rows.filter(seat_type=seat_type)
    items = [space_out(row) for row in rows.values(*SPACE_FIELDS)[: limit + 1]]
    if len(items) > limit:
        return items[:limit], items[limit - 1]["id"]
    return items, None


def spaces_snapshot(space_ids: list[int]) -> list[dict[str, Any]]:
    rows = Space.objects.filter(pk__in=space_ids).values(*SPACE_FIELDS)
    return [space_out(row) for row in rows]


def checkout_unlock_out(command: LockCommand | None, stay: Stay) -> dict[str, Any] | None:
    """What happened to the exit unlock, so the app can point to the help desk if it failed."""
    if command is None:
        return None
    ok: dict[str, str] = {
        LockCommand.Status.CONFIRMED: "unlocked",
        LockCommand.Status.ACCEPTED: "accepted",
        LockCommand.Status.UNKNOWN: "accepted",
    }
    if command.status in ok:
        return {"result": ok[command.status], "error": None, "help_desk_phone": None}
    return {
        "result": "failed",
        "error": command.error_code or _("no answer"),
        "help_desk_phone": stay.office.help_desk_phone,
    }


def stay_door_opened_recently(stay: Stay) -> bool:
    """Whether an unlock of this stay succeeded within UNLOCK_FRESH (the guide's step 1)."""
    opened = (LockCommand.Status.CONFIRMED, LockCommand.Status.ACCEPTED)
    since = clock.now() - UNLOCK_FRESH
    return LockCommand.objects.filter(stay=stay, status__in=opened, created_at__gte=since).exists()
