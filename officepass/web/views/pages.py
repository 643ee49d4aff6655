"""Home, the office finder, office detail, tickets and history (reads only)."""

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from officepass.accounts.access import request_user
from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.errors import DomainError
from officepass.notifications.selectors import (
    favourite_office_ids,
    favourite_offices,
    waiting_alert_space_ids,
)
from officepass.notifications.services import ALERT_HOURS
from officepass.offices.models import SeatType
from officepass.offices.rules_catalogue import label
from officepass.offices.selectors import office_get, office_search
from officepass.offices.shapes import opening_hours_out
from officepass.stays.selectors import stay_current, stay_history, stay_last_of
from officepass.stays.shapes import stay_out
from officepass.web import presenters
from officepass.web.stations import DEFAULT_POINT, DEFAULT_POINT_LABEL

# Vendored Lucide icons ({% icon %}), not emoji: their look depends on the phone's font.
RULE_ICONS = {
    "designated_seats": "armchair",
    "phone_booth": "phone",
    "stationery_drink": "coffee",
    "non_designated_seats": "ban",
    "meeting_room": "users",
    "mfp": "printer",
    "locker": "lock",
}


# The web's name for the request's user, after login_required (accounts.access.request_user).
member_of = request_user


def point_from(request: HttpRequest) -> tuple[float, float] | None:
    """lat/lng from the query when both are valid numbers in range; None otherwise."""
    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lng)) or abs(lat) > 90 or abs(lng) > 180:
        return None
    return lat, lng


def _nearest_context(request: HttpRequest, member: User) -> dict[str, Any]:
    point = point_from(request)
    where = _("your location")
    if point is None:
        last = stay_last_of(member)
        if last is not None:
            point, where = (last.office.lat, last.office.lng), last.office.name
        else:
            point, where = DEFAULT_POINT, str(DEFAULT_POINT_LABEL)
    found = office_search(lat=point[0], lng=point[1], seat_type=None, available=None, limit=5)
    return {"nearest": presenters.office_rows(found), "near_where": where}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    try:
        stay = stay_current(member=member)
    except DomainError:
        stay = None
    context: dict[str, Any] = {"stay": stay, "wallet": presenters.wallet_of(member)}
    if stay is None:
        favourites = favourite_offices(member)
        context["favourites"] = presenters.office_rows([(o, None) for o in favourites])
        context.update(_nearest_context(request, member))
    else:
        context["seconds_left"] = max(int((stay.deadline - clock.now()).total_seconds()), 0)
    return render(request, "web/home.html", context)


@login_required
def nearest_fragment(request: HttpRequest) -> HttpResponse:
    """The home page's nearest offices again, once the phone has shared its location."""
    return render(request, "web/_nearest.html", _nearest_context(request, member_of(request)))


def _map_points(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": r["office"].pk,
            "name": r["office"].name,
            "lat": r["office"].lat,
            "lng": r["office"].lng,
            "url": f"/offices/{r['office'].pk}",
            "spaces": [f"{s['space'].name} {s['symbol']} {s['text']}" for s in r["spaces"]]
            if r["hours"]["open_now"]
            else [r["hours"]["closed_text"]],
        }
        for r in rows
    ]


@login_required
def offices(request: HttpRequest) -> HttpResponse:
    seat_type = request.GET.get("seat_type") or None
    if seat_type not in SeatType.values:
        seat_type = None
    free_now = request.GET.get("free") == "1"
    query = request.GET.get("q", "").strip()[:50]
    point = point_from(request)
    station = None
    if query:
        found, station = presenters.offices_matching(
            query=query, seat_type=seat_type, free_now=free_now, limit=30
        )
    else:
        lat, lng = point or DEFAULT_POINT
        found = office_search(
            lat=lat, lng=lng, seat_type=seat_type, available=free_now or None, limit=30
        )
    rows = presenters.office_rows(found)
    context = {
        "rows": rows,
        "query": query,
        "station": station,
        "located": point is not None and not query,
        "seat_type": seat_type or "",
        "free_now": free_now,
        "seat_types": SeatType.choices,
        "view": "map" if request.GET.get("view") == "map" else "list",
        "map_tile_url": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_TILE_ATTRIBUTION,
        "map_points": _map_points(rows),
    }
    return render(request, "web/offices.html", context)


def office_context(office_id: int) -> dict[str, Any]:
    office = office_get(office_id)
    return {
        "office": office,
        "spaces": presenters.space_rows(list(office.spaces.all())),
        "hours": opening_hours_out(office),
        "open": presenters.open_info(office),
        "unit_label": presenters.minutes_label(office.unit_minutes),
        "max_label": presenters.minutes_label(office.max_stay_minutes),
        "allowed": [(RULE_ICONS.get(k, "check"), label(k)) for k in office.rules_allowed],
        "forbidden": [(RULE_ICONS.get(k, "ban"), label(k)) for k in office.rules_forbidden],
    }


@login_required
def office_detail(request: HttpRequest, office_id: int) -> HttpResponse:
    try:
        context = office_context(office_id)
    except DomainError as exc:
        return render(request, "web/error.html", {"error": exc}, status=exc.status)
    member = member_of(request)
    context["starred"] = office_id in favourite_office_ids(member)
    context["waiting"] = waiting_alert_space_ids(member)
    context["alert_hours"] = ALERT_HOURS
    return render(request, "web/office.html", context)


@login_required
def tickets(request: HttpRequest) -> HttpResponse:
    member = member_of(request)
    entries = member.ledger_entries.select_related("stay__office").all()[:100]
    rows = [{"entry": e, "note": presenters.ledger_note(e.reason)} for e in entries]
    context = {"wallet": presenters.wallet_of(member), "entries": rows}
    return render(request, "web/tickets.html", context)


@login_required
def history(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    stays = stay_history(member=member_of(request), limit=50)
    rows = [presenters.history_row(s, stay_out(s, now=now)) for s in stays]
    return render(request, "web/history.html", {"rows": rows})
