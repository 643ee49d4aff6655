"""Reads about offices and spaces: availability from counters, distance, door codes."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, QuerySet

from officepass.accounts.models import Plan
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.core.prepared import PreparedSelect
from officepass.offices import hours
from officepass.offices.codes import parse_code_window
from officepass.offices.models import Office, Operator, Space

EARTH_RADIUS_M = 6_371_000


def symbol(remaining: int) -> str:
    """The guide's availability symbols: ○ two or more free, △ one, × none (rule 11)."""
    if remaining >= 2:
        return "○"
    return "△" if remaining == 1 else "×"


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


# Every check-in asks this: compiled once (issue 18), read afresh each time, so a re-issued
# code or a retired space or office is refused at once.
_SPACE_FOR_CODE = PreparedSelect(
    lambda space_id, version: Space.objects.select_related("office", "office__operator").filter(
        pk=space_id, code_version=version, is_active=True, office__is_active=True
    ),
    Space._meta.pk,
    Space._meta.get_field("code_version"),
)


def _plan_offices() -> Any:
    return Plan.offices.through.objects


# At check-in the same statement says whether the member's plan lists offices and whether it
# lists this one (rule: `plan_not_valid_here`): one round trip fewer (issue 18).
_SPACE_FOR_CHECK_IN = PreparedSelect(
    lambda space_id, version, plan_id, plan_id_again: (
        Space.objects.select_related("office", "office__operator")
        .filter(pk=space_id, code_version=version, is_active=True, office__is_active=True)
        .annotate(
            plan_lists_offices=Exists(_plan_offices().filter(plan_id=plan_id)),
            plan_lists_office=Exists(
                _plan_offices().filter(plan_id=plan_id_again, office_id=OuterRef("office_id"))
            ),
        )
    ),
    Space._meta.pk,
    Space._meta.get_field("code_version"),
    Plan._meta.pk,
    Plan._meta.pk,
)


@dataclass(frozen=True)
class PlanCoverage:
    """Whether plan `plan_id` lists the offices it covers, and whether it lists the space's."""

    plan_id: int
    lists_offices: bool
    lists_office: bool


def space_for_code(code: str) -> Space:
    """The active space a door code names; `invalid_code` if forged, re-issued or retired."""
    space_id, version, window = parse_code_window(code)
    return _usable(_SPACE_FOR_CODE.first(space_id, version), window)


def space_for_check_in(code: str, plan_id: int) -> tuple[Space, PlanCoverage]:
    """`space_for_code`, and in the same statement whether plan `plan_id` covers its office."""
    space_id, version, window = parse_code_window(code)
    space = _usable(_SPACE_FOR_CHECK_IN.first(space_id, version, plan_id, plan_id), window)
    coverage = PlanCoverage(
        plan_id=plan_id,
        lists_offices=bool(space.plan_lists_offices),  # type: ignore[attr-defined]
        lists_office=bool(space.plan_lists_office),  # type: ignore[attr-defined]
    )
    return space, coverage


def _usable(space: Space | None, window: Any) -> Space:
    if space is None or (space.rotating_display and window is None):
        raise DomainError("invalid_code")
    return space


def office_get(office_id: int) -> Office:
    office = (
        Office.objects.select_related("operator")
        .prefetch_related("spaces")
        .filter(pk=office_id, is_active=True)
        .first()
    )
    if office is None:
        raise DomainError("not_found")
    return office


# Search rings (metres): the nearest offices are usually close, so most searches read only
# the coordinates inside a small box; the last ring (None) reads them all.
SEARCH_RINGS_M = (2_000, 8_000, 30_000, 120_000, None)
METRES_PER_DEGREE = 111_320


def offices_nearest(
    *, lat: float, lng: float, offices: QuerySet[Office], limit: int = 50
) -> list[tuple[int, float]]:
    """(office id, distance) nearest first, reading coordinates ring by ring.

    Within a ring of radius r every office closer than r is found, so once `limit` offices
    lie within r they are exactly the `limit` nearest.
    """
    offices = offices.filter(is_active=True)
    # A small candidate set is read at once (no ring can cut it down).
    rings = SEARCH_RINGS_M if offices[: 4 * limit + 1].count() > 4 * limit else (None,)
    for radius in rings:
        rows = offices
        if radius is not None:
            lat_low, lat_high, lng_low, lng_high = ring_box(lat, lng, radius)
            rows = rows.filter(lat__range=(lat_low, lat_high), lng__range=(lng_low, lng_high))
        coordinates = rows.values_list("pk", "lat", "lng").iterator(chunk_size=5000)
        located = nearest_within(lat, lng, coordinates, radius=radius, wanted=limit)
        if located is not None:
            return located
    return []


def ring_box(lat: float, lng: float, radius: float) -> tuple[float, float, float, float]:
    """The latitude and longitude bounds of the box around a search ring of `radius` metres."""
    dlat = radius / METRES_PER_DEGREE
    dlng = radius / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def nearest_within(
    lat: float,
    lng: float,
    coordinates: Iterable[tuple[int, float, float]],
    *,
    radius: float | None,
    wanted: int,
) -> list[tuple[int, float]] | None:
    """The `wanted` nearest of a ring's (id, lat, lng), nearest then lowest id first; None when
    fewer than `wanted` lie within `radius` (the next ring must be read), never for the last
    ring (None: everything)."""
    located = within(lat, lng, coordinates, radius=radius)
    if radius is not None and len(located) < wanted:
        return None
    return located[:wanted]


def within(
    lat: float, lng: float, coordinates: Iterable[tuple[int, float, float]], *, radius: float | None
) -> list[tuple[int, float]]:
    """(id, metres) of the coordinates within `radius` (all with None), nearest then lowest id
    first. The distance is `distance_m`'s, operation for operation (the same floats), with the
    point's own terms worked out once: a search measures hundreds of candidates (issue 18)."""
    sin, cos, asin, sqrt, radians = math.sin, math.cos, math.asin, math.sqrt, math.radians
    p1 = radians(lat)
    cos_p1, two_r, limit = cos(p1), 2 * EARTH_RADIUS_M, math.inf if radius is None else radius
    located = []
    for pk, o_lat, o_lng in coordinates:
        p2 = radians(o_lat)
        a = sin((p2 - p1) / 2) ** 2 + cos_p1 * cos(p2) * sin(radians(o_lng - lng) / 2) ** 2
        dist = two_r * asin(sqrt(a))
        if dist <= limit:
            located.append((pk, dist))
    located.sort(key=lambda item: (item[1], item[0]))  # ties: lowest id first
    return located


def offices_with_free_seat(*, seat_type: str | None = None) -> QuerySet[Office]:
    spaces = Space.objects.filter(is_active=True, in_use__lt=F("quota"))
    if seat_type:
        spaces = spaces.filter(seat_type=seat_type)
    return Office.objects.filter(is_active=True, pk__in=spaces.values("office_id"))


def office_open_state(office: Office, at: datetime | None = None) -> hours.OpenState:
    """Open now, and until when or from when: the one rule web pages and the API both show."""
    return hours.open_state(
        office.opening_hours, office.closed_dates, office.timezone, at or clock.now()
    )


def open_office_ids(pks: Iterable[int], at: datetime) -> set[int]:
    """Which of these offices are open at `at` (hours are per office, so read in Python)."""
    rows = Office.objects.filter(pk__in=list(pks)).values_list(
        "pk", "opening_hours", "closed_dates", "timezone"
    )
    return {
        pk
        for pk, opening_hours, closed, tz in rows
        if hours.open_window(opening_hours, closed, tz, at) is not None
    }


def nearest_open(
    *, lat: float, lng: float, offices: QuerySet[Office], limit: int, at: datetime
) -> list[tuple[int, float]]:
    """`offices_nearest` without the offices closed at `at`: a closed door is never offered."""
    wanted = limit * 2
    while True:
        ranked = offices_nearest(lat=lat, lng=lng, offices=offices, limit=wanted)
        open_ids = open_office_ids([pk for pk, _ in ranked], at)
        found = [(pk, dist) for pk, dist in ranked if pk in open_ids]
        if len(found) >= limit or len(ranked) < wanted:
            return found[:limit]
        wanted *= 4


def nearby_free(*, office: Office, seat_type: str, limit: int = 5) -> list[dict[str, Any]]:
    """Other open offices with a free seat of `seat_type`, nearest first (refusals, rule 13)."""
    candidates = offices_with_free_seat(seat_type=seat_type).exclude(pk=office.pk)
    nearest = nearest_open(
        lat=office.lat, lng=office.lng, offices=candidates, limit=limit, at=clock.now()
    )
    names = dict(Office.objects.filter(pk__in=[pk for pk, _ in nearest]).values_list("pk", "name"))
    return [
        {"id": pk, "name": names[pk], "distance_m": round(dist), "seat_type": seat_type}
        for pk, dist in nearest
    ]


def office_search(
    *,
    lat: float | None,
    lng: float | None,
    seat_type: str | None,
    available: bool | None,
    limit: int,
    open_only: bool = False,
) -> list[tuple[Office, float | None]]:
    """Offices for the finder: nearest first with lat/lng, filtered by seat type and free now.

    "Free now" means a free seat in an office that is open now; `open_only` drops closed
    offices from any search (the API's nearby lists).
    """
    open_only = open_only or bool(available)
    rows = _searched(seat_type=seat_type, available=available)
    ranked: list[tuple[int, float | None]]
    if lat is not None and lng is not None and open_only:
        ranked = list(nearest_open(lat=lat, lng=lng, offices=rows, limit=limit, at=clock.now()))
    elif lat is not None and lng is not None:
        ranked = list(offices_nearest(lat=lat, lng=lng, offices=rows, limit=limit))
    else:
        ranked = _first_by_id(rows, limit=limit, open_only=open_only)
    found = Office.objects.select_related("operator").prefetch_related("spaces")
    by_id = found.in_bulk([pk for pk, _ in ranked])
    return [(by_id[pk], dist) for pk, dist in ranked]


def _searched(*, seat_type: str | None, available: bool | None) -> QuerySet[Office]:
    """Active offices with a space of `seat_type`, and with a free one if `available`."""
    rows = Office.objects.filter(is_active=True)
    if seat_type:
        with_type = Space.objects.filter(seat_type=seat_type, is_active=True)
        rows = rows.filter(pk__in=with_type.values("office_id"))
    if available:
        rows = rows.filter(pk__in=offices_with_free_seat(seat_type=seat_type).values("pk"))
    return rows


def operators_with_office_count() -> QuerySet[Operator]:
    return Operator.objects.annotate(office_count=Count("offices")).order_by("name")


def operator_get(operator_id: int) -> Operator | None:
    return Operator.objects.filter(pk=operator_id).first()


def office_or_none(office_id: int | None) -> Office | None:
    """Any office by id (inactive ones too: a trouble report may name one), or None."""
    return Office.objects.filter(pk=office_id).first() if office_id else None


def _first_by_id(
    rows: QuerySet[Office], *, limit: int, open_only: bool
) -> list[tuple[int, float | None]]:
    pks = list(rows.order_by("pk").values_list("pk", flat=True)[: limit if not open_only else None])
    if open_only:
        open_ids = open_office_ids(pks, clock.now())
        pks = [pk for pk in pks if pk in open_ids][:limit]
    return [(pk, None) for pk in pks]
