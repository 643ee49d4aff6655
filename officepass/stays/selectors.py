"""Reads about stays and availability (counters, never counting stays on the hot path)."""

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from officepass.accounts.access import can_run_office
from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.locks.models import LockCommand
from officepass.offices.models import Office, Space
from officepass.offices.selectors import nearby_free
from officepass.offices.shapes import space_out
from officepass.stays.models import Stay
from officepass.support.models import TroubleReport

SPACE_FIELDS = ("id", "office_id", "name", "seat_type", "quota", "in_use")
# An unlock this recent means the member is standing at the open door (checkout step 1 done).
UNLOCK_FRESH = timedelta(minutes=10)


def stay_current(*, member: User) -> Stay:
    """The member's running stay; one past its deadline is over (rule 10) even if unrecorded."""
    stay = (
        Stay.objects.select_related("office", "space")
        .running(clock.now())
        .filter(member=member)
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


def unlock_outcome(command: LockCommand) -> str:
    """The API's `result`: "unlocked" when the door confirmed, "accepted" when it was taken;
    otherwise the member's refusal, with the help desk and nearby free seats (built here, in
    stays, not in locks: locks report outcomes, the stay app speaks to the member)."""
    if command.status == LockCommand.Status.CONFIRMED:
        return "unlocked"
    if command.status in (LockCommand.Status.ACCEPTED, LockCommand.Status.UNKNOWN):
        return "accepted"
    space = command.space
    raise DomainError(
        "lock_unavailable",
        lock_error=command.error_code,
        help_desk_phone=space.office.help_desk_phone,
        nearby=nearby_free(office=space.office, seat_type=space.seat_type),
    )


def stays_active_in(office: Office) -> QuerySet[Stay]:
    """The office's active stays (one past its deadline included until the worker ends it)."""
    return (
        Stay.objects.filter(office=office, status=Stay.Status.ACTIVE)
        .select_related("member", "space")
        .order_by("space__name", "deadline")
    )


def stay_lock_commands(stay: Stay | None) -> QuerySet[LockCommand] | list[LockCommand]:
    """The stay's lock commands, oldest first ([] without a stay)."""
    return LockCommand.objects.filter(stay=stay).order_by("id") if stay is not None else []


def stay_last_of(member: User) -> Stay | None:
    """The member's latest stay, with its office (the map centres on it)."""
    return Stay.objects.filter(member=member).select_related("office").first()


def stay_of_member(member: User, stay_id: int | None) -> Stay | None:
    """One of the member's own stays, or None (another member's stay is None too)."""
    if not stay_id:
        return None
    stays = Stay.objects.select_related("office", "space").filter(member=member)
    return stays.filter(pk=stay_id).first()


def access_stay(*, user: User, stay_id: int) -> Stay:
    """A stay for the staff of its office's operator or the secretariat (a member's own stay
    goes through stays.services.access_own_stay)."""
    stay = Stay.objects.select_related("office", "space", "member").filter(pk=stay_id).first()
    if stay is None or not can_run_office(user, stay.office.operator_id):
        raise DomainError("not_found")
    return stay


def stay_door_opened_recently(stay: Stay) -> bool:
    """Whether an unlock of this stay succeeded within UNLOCK_FRESH (the guide's step 1)."""
    opened = (LockCommand.Status.CONFIRMED, LockCommand.Status.ACCEPTED)
    since = clock.now() - UNLOCK_FRESH
    return LockCommand.objects.filter(stay=stay, status__in=opened, created_at__gte=since).exists()


def trouble_stay_visible(*, user: User, report: TroubleReport) -> Stay | None:
    """The report's stay only if it is at one of the user's offices too (defence in depth:
    reports are filed for the stay's own office, but a stay never shows across tenants)."""
    stay = report.stay
    if stay is None or not can_run_office(user, stay.office.operator_id):
        return None
    return stay
